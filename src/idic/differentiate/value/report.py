"""The value picture for people: summary lines and figures from the stage's tables.

For ``idic demo``, the report and the dashboard: :func:`summary_lines` turns the dict that
:func:`idic.differentiate.value.stage.run` returns into a few sentences, and :func:`figures`
builds every value chart from the tables the stage wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from idic.workspace import Workspace


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """A few plain sentences on the value of the base (for terminals and reports)."""
    n = summary["customers"]
    lines = [f"Value as of {summary['as_of']}: {n:,} customers with orders."]
    if not n:
        return lines
    lines.append(f"{summary['share_of_customers_making_80pct']:.1%} of customers make 80% of "
                 f"revenue (Gini {summary['gini']:.3f}).")
    abc = summary["abc_classes"]
    lines.append("ABC classes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(abc.items())) + ".")
    top = sorted(summary["rfm_segments"].items(), key=lambda kv: -kv[1])[:4]
    lines.append("Largest RFM segments: " + ", ".join(f"{k} {v:,}" for k, v in top) + ".")
    cats = summary["value_categories"]
    lines.append("Value categories: " + ", ".join(
        f"{k} {cats.get(k, 0):,}" for k in ("MVC", "MGC", "LMC", "BZ")) + ".")
    if summary.get("share_of_customer") is not None:
        lines.append(f"Share of customer {summary['share_of_customer']:.1%}; unrealised "
                     f"potential {summary.get('unrealised_potential', 0):,.0f}.")
    lines.append(f"{summary['dormant']:,} dormant customers to reactivate.")
    if "migration" in summary:
        lines.append(f"{summary['migration']['migrated']:,} customers changed value category "
                     f"since {summary['migration']['from']}.")
    return lines


def figures(ws: Workspace, *, lorenz_points: int = 200) -> dict[str, go.Figure]:
    """Every value chart from the stage's tables (run the stage first)."""
    from idic.charts import value as charts
    from idic.differentiate.value import abc as abc_mod
    from idic.differentiate.value.migration import flows
    from idic.differentiate.value.rfm import grid_summary, segment_summary

    rfm_t, abc_t, cv = ws.table("rfm"), ws.table("abc"), ws.table("value")
    out: dict[str, go.Figure] = {
        "lorenz": charts.lorenz_figure(
            abc_mod.lorenz_curve(abc_t, points=lorenz_points), gini=abc_mod.gini(abc_t),
            share_80=abc_mod.share_of_customers_making(abc_t, 0.80)),
        "abc": charts.abc_figure(abc_mod.class_summary(abc_t).execute()),
        "rfm_grid": charts.rfm_grid_figure(grid_summary(rfm_t).execute()),
        "rfm_segments": charts.segment_figure(segment_summary(rfm_t).execute()),
    }
    n = int(cv.count().execute())
    sample = cv if n <= 5000 else cv.filter(cv.customer_id.hash() % max(1, n // 5000) == 0)
    out["value_matrix"] = charts.value_matrix_figure(sample.select(
        "customer_id", "actual_value", "unrealised_potential", "value_category").execute())
    if ws.engine.has_table("value_migration"):
        out["migration"] = charts.migration_figure(flows(ws.table("value_migration")).execute())
    return out
