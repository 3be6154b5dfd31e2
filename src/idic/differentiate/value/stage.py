"""The value stage: orders (and cases, surveys, service events, CLV) in; ``rfm``, ``abc``,
``value`` (and, with ``compare_to``, ``value_migration``) out.

Idempotent: the tables are replaced, and the same inputs and as-of date give the same tables.
The ``abc`` table ranks customers by revenue (total amount) up to the as-of date, the
"who makes 80% of revenue" question; :func:`idic.differentiate.value.abc.abc` ranks any
other value column the same way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from idic.differentiate.value import abc as abc_mod
from idic.differentiate.value._common import AsOf, resolve_as_of, to_date
from idic.differentiate.value.migration import flows, migrators
from idic.differentiate.value.model import Inputs, ValueParams, customer_value
from idic.differentiate.value.rfm import RFM_COLUMNS, customer_rfm_base, score

if TYPE_CHECKING:
    from idic.workspace import Workspace

TABLES = ("rfm", "abc", "value")


def _counts(t, col: str) -> dict[str, int]:
    df = t.group_by(col).aggregate(n=t.count()).execute()
    return {str(k): int(v) for k, v in zip(df[col], df["n"], strict=True)}


def run(ws: Workspace, *, as_of: AsOf = None, params: ValueParams | None = None,
        compare_to: AsOf = None, segments: Any = None, **overrides: Any) -> dict:
    """Compute and write the value tables; return a summary.

    ``as_of`` defaults to the date of the latest order; ``params`` (or keyword
    ``overrides`` of :class:`ValueParams` fields) set margins, costs, cut-offs; ``segments``
    is an RFM segment map (path or dict). With ``compare_to`` (an earlier date), the
    ``value_migration`` table holds each customer's category at both dates.
    """
    p = replace(params or ValueParams(), **overrides)
    inp = Inputs.from_workspace(ws)
    day = resolve_as_of(inp.orders, as_of)
    eng = ws.engine

    base, _ = customer_rfm_base(inp.orders, as_of=day)
    eng.create_table("rfm", score(base, segments).select(*RFM_COLUMNS, "last_order_at"))
    rfm_t = ws.table("rfm")
    eng.create_table("abc", abc_mod.abc(rfm_t.select("customer_id", value=rfm_t.monetary),
                                        cutoffs=p.abc_cutoffs))
    eng.create_table("value", customer_value(inp, as_of=day, params=p))

    abc_t, cv = ws.table("abc"), ws.table("value")
    n = int(rfm_t.count().execute())
    summary: dict[str, Any] = {
        "as_of": day.isoformat(),
        "customers": n,
        "tables": list(TABLES),
        "rfm_segments": _counts(rfm_t, "segment"),
        "abc_classes": _counts(abc_t, "abc_class"),
        "share_of_customers_making_80pct": abc_mod.share_of_customers_making(abc_t, 0.80),
        "gini": abc_mod.gini(abc_t),
        "value_categories": _counts(cv, "value_category"),
        "dormant": int(cv.dormant.cast("int64").sum().execute() or 0),
        "clv_used": inp.clv is not None,
    }
    if n:
        agg = cv.aggregate(
            actual=cv.actual_value.sum(), potential=cv.potential_value.sum(),
            unrealised=cv.unrealised_potential.sum(),
            spend=cv.spend_12m.cast("float64").sum(),
            wallet=cv.wallet.cast("float64").sum(where=cv.wallet.notnull()),
        ).execute().iloc[0]
        summary["actual_value"] = float(agg["actual"] or 0)
        summary["potential_value"] = float(agg["potential"] or 0)
        summary["unrealised_potential"] = float(agg["unrealised"] or 0)
        summary["share_of_customer"] = (float(agg["spend"]) / float(agg["wallet"])
                                        if agg["wallet"] else None)
    if compare_to is not None:
        m = migrators(inp, date_from=to_date(compare_to), date_to=day, params=p)
        eng.create_table("value_migration", m)
        mt = ws.table("value_migration")
        fl = flows(mt).execute()
        summary["tables"].append("value_migration")
        summary["migration"] = {
            "from": to_date(compare_to).isoformat(),
            "migrated": int(mt.migrated.cast("int64").sum().execute() or 0),
            "flows": [{"from": r.category_from, "to": r.category_to, "customers": int(r.customers)}
                      for r in fl.itertuples()],
        }
    return summary
