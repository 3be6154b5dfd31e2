"""Measure charts: cohort heat map, retention curve, equity / ROC waterfall, KPI comparison,
P(alive) map, equity by group.

Plain functions taking small pandas frames or dicts (the outputs of :mod:`idic.measure`) and
returning Plotly figures; nothing displays itself. Value, CLV and journey charts live in
:mod:`idic.charts.value`, :mod:`idic.charts.clv` and :mod:`idic.charts.journeys`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from idic.charts.style import finish, note, unit

WIDTH, HEIGHT = 1000, 520
UP, DOWN, TOTAL = "#2ca02c", "#d62728", "#1f77b4"


def cohort_heatmap(matrix: pd.DataFrame, *, title: str | None = None,
                   max_months: int = 24) -> go.Figure:
    """Heat map of a :func:`idic.measure.cohorts.retention_matrix` (cohorts x months since the
    first order, values 0-1; NaN = not observed yet)."""
    m = matrix.loc[:, [c for c in matrix.columns if int(c) <= max_months]] if not matrix.empty \
        else matrix
    z = m.to_numpy(dtype=float) if not m.empty else np.zeros((0, 0))
    text = [["" if np.isnan(v) else f"{v:.0%}" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[int(c) for c in m.columns], y=list(m.index), text=text,
        texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=1,
        colorbar={"title": "retained", "tickformat": ".0%"},
        hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>"))
    if title is None:
        title = "Cohort retention by first-order month"
        if not m.empty and 1 in [int(c) for c in m.columns]:
            col = m.loc[:, next(c for c in m.columns if int(c) == 1)].astype(float).dropna()
            if len(col) >= 2:
                title = (f"Month-1 retention ranges from {col.min():.0%} ({col.idxmin()}) to "
                         f"{col.max():.0%} ({col.idxmax()})<br><sup>Cohort retention by "
                         "first-order month: share of each cohort ordering k months later</sup>")
    fig.update_layout(width=WIDTH, height=max(360, 22 * len(m.index) + 160),
                      yaxis={"autorange": "reversed", "type": "category"})
    return finish(fig, title, x="months since first order", y="cohort (month of first order)",
                  legend=False)


def retention_curve(curve: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Line of :func:`idic.measure.cohorts.average_curve` (retention by months since first);
    the title gives the share still ordering after 1 and 6 months."""
    if title is None:
        title = "Average retention curve"
        r = curve.set_index("months_since_first")["retention"] if not curve.empty else None
        if r is not None and 1 in r.index and pd.notna(r.get(1)):
            title = f"{float(r[1]):.0%} of new customers order again in their second month"
            if 6 in r.index and pd.notna(r.get(6)):
                title += f", {float(r[6]):.0%} in month 6"
            title += "<br><sup>Average retention curve of the cohorts</sup>"
    fig = go.Figure(go.Scatter(x=curve["months_since_first"], y=curve["retention"],
                               mode="lines+markers", line={"color": TOTAL},
                               hovertemplate="month %{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(width=WIDTH, height=420, yaxis_tickformat=".0%")
    return finish(fig, title, x="months since first order",
                  y="share of the cohort ordering (%)", legend=False)


def equity_waterfall(parts: Mapping[str, Any], *, currency: str = "",
                     title: str | None = None) -> go.Figure:
    """Waterfall from customer equity at the start to the end of the period (new customers,
    growth and decline of existing ones), then the period's cash flow, ending at the value
    created; the title carries the return on customer.

    ``parts``: ``equity_start, equity_acquired, equity_grown, equity_declined, equity_end,
    cash_flow`` and optionally ``roc`` (the keys of the ``kpis`` table).
    """
    g = {k: float(parts.get(k) or 0.0) for k in (
        "equity_start", "equity_acquired", "equity_grown", "equity_declined", "equity_end",
        "cash_flow")}
    roc = parts.get("roc")
    labels = ["Equity at start", "New customers", "Existing: grown", "Existing: declined",
              "Equity at end", "Cash flow in period", "Start equity + value created"]
    measure = ["absolute", "relative", "relative", "relative", "total", "relative", "total"]
    values = [g["equity_start"], g["equity_acquired"], g["equity_grown"], g["equity_declined"],
              0.0, g["cash_flow"], 0.0]
    text = [f"{currency}{v:,.0f}" if m != "total" else "" for v, m in
            zip(values, measure, strict=True)]
    text[4] = f"{currency}{g['equity_end']:,.0f}"
    text[6] = f"{currency}{g['equity_end'] + g['cash_flow']:,.0f}"
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measure, text=text, textposition="outside",
        increasing={"marker": {"color": UP}}, decreasing={"marker": {"color": DOWN}},
        totals={"marker": {"color": TOTAL}}, connector={"line": {"color": "#999"}}))
    cur = currency.strip()
    verb = "rose" if g["equity_end"] >= g["equity_start"] else "fell"
    head = (f"Customer equity {verb} from {g['equity_start']:,.0f} to {g['equity_end']:,.0f}"
            f" {cur}".rstrip())
    if roc is not None and not (isinstance(roc, float) and np.isnan(roc)):
        head += f"; return on customer {float(roc):.0%}"
    head += "<br><sup>From equity at the start to equity at the end, plus the period's cash " \
            "flow</sup>"
    fig.update_layout(width=WIDTH, height=HEIGHT)
    fig = finish(fig, title or head, x="component of value", y=unit("value", cur), legend=False)
    if roc is not None and not (isinstance(roc, float) and np.isnan(roc)) and float(roc) > 1:
        created = g["equity_end"] - g["equity_start"] + g["cash_flow"]
        note(fig, f"ROC above 100%: the value created ({created:,.0f} {cur}) exceeds the "
                  f"equity held at the start ({g['equity_start']:,.0f} {cur}) - a young or "
                  "fast-growing customer base.", y=-0.42)
    return fig


def kpi_comparison(kpis: pd.DataFrame, *, metrics: tuple[str, ...] = (
        "retention_rate", "churn_rate", "acquisition_rate", "win_back_rate"),
        title: str | None = None) -> go.Figure:
    """Grouped bars of rate KPIs (``kpis`` table indexed by metric: label, current, previous).

    The previous period is drawn only for the metrics where it was measured (and is offered
    in the legend only then); metrics measured in neither period are left out; a rate above
    100% gets a note saying why it can be."""
    k = kpis.loc[[m for m in metrics if m in kpis.index]].copy()
    k["current"] = pd.to_numeric(k["current"], errors="coerce")
    k["previous"] = pd.to_numeric(k["previous"], errors="coerce")
    k = k[k["current"].notna() | k["previous"].notna()]
    fig = go.Figure()
    both = k["previous"].notna().any()
    if both:
        fig.add_bar(x=k["label"], y=k["previous"], name="previous period",
                    marker_color="#9ecae1", text=[_pct(v) for v in k["previous"]],
                    textposition="outside")
    fig.add_bar(x=k["label"], y=k["current"], name="this period", marker_color=TOTAL,
                text=[_pct(v) for v in k["current"]], textposition="outside")
    if title is None:
        parts = [f"{r.label.split(' (')[0].lower()} {_pct(r.current)}"
                 for r in k.itertuples() if pd.notna(r.current)][:2]
        title = ("This period: " + ", ".join(parts)) if parts else "Rates of the period"
        title += "<br><sup>" + ("This period vs the previous one" if both else
                                "The previous period has no rates to compare (no customers "
                                "before it)") + "</sup>"
    top = float(np.nanmax(k[["current", "previous"]].to_numpy(dtype=float))) if len(k) else 1
    fig.update_layout(barmode="group", width=WIDTH, height=460,
                      yaxis={"tickformat": ".0%", "range": [0, max(1.0, top) * 1.15]})
    fig = finish(fig, title, x="rate", y="share of customers (%)", legend=bool(both))
    over = [r.label for r in k.itertuples() if (r.current or 0) > 1 or (r.previous or 0) > 1]
    if over:
        note(fig, f"{', '.join(over)} above 100%: it divides the new customers by the "
                  "customers at the start of the period, and more customers were won than "
                  "the base held at the start.")
    return fig


def _pct(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{float(v):.0%}"


def p_alive_map(clv: pd.DataFrame, *, max_frequency: int = 20,
                title: str = "P(alive) by frequency and recency") -> go.Figure:
    """Heat map of the mean P(alive) by repeat purchases (x) and recency (y, the age of the
    customer at their last purchase, in the CLV table's time unit), from the ``clv`` table
    (``frequency, recency, T, p_alive``). Rows: recency in ten bins of the observed range."""
    df = clv[["frequency", "recency", "p_alive"]].dropna()
    if df.empty:
        return go.Figure().update_layout(title=title)
    f = df["frequency"].clip(upper=max_frequency).astype(int)
    edges = np.linspace(0, float(df["recency"].max()) or 1.0, 11)
    r = np.clip(np.digitize(df["recency"], edges[1:-1]), 0, 9)
    g = df.assign(f=f, r=r).groupby(["r", "f"]).agg(p=("p_alive", "mean"), n=("p_alive", "size"))
    xs = list(range(0, int(f.max()) + 1))
    z = np.full((10, len(xs)), np.nan)
    n = np.zeros((10, len(xs)), dtype=int)
    for (ri, fi), row in g.iterrows():
        z[int(ri), int(fi)] = row["p"]
        n[int(ri), int(fi)] = int(row["n"])
    ylab = [f"{edges[i]:.0f}-{edges[i + 1]:.0f}" for i in range(10)]
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(x) if x < max_frequency else f"{x}+" for x in xs], y=ylab,
        customdata=n, colorscale="RdYlGn", zmin=0, zmax=1, colorbar={"title": "P(alive)"},
        hovertemplate="frequency %{x}, recency %{y}: P(alive) %{z:.2f} "
                      "(%{customdata} customers)<extra></extra>"))
    fig.update_layout(width=WIDTH, height=HEIGHT)
    return finish(fig, title, x="repeat purchases (frequency)",
                  y="recency: age at last purchase (periods)", legend=False)


def equity_by_group(df: pd.DataFrame, group: str, *, title: str | None = None,
                    currency: str = "") -> go.Figure:
    """Bars of equity (sum of CLV) per group with the customers in the hover
    (:func:`idic.measure.equity.equity_by` output)."""
    fig = go.Figure(go.Bar(x=df[group].astype(str), y=df["equity"], customdata=df["customers"],
                           marker_color=TOTAL,
                           hovertemplate="%{x}: %{y:,.0f} (%{customdata} customers)"
                                         "<extra></extra>"))
    name = group.replace("_", " ")
    if title is None:
        title = f"Customer equity by {name}"
        if not df.empty and float(df["equity"].sum()):
            top = df.sort_values("equity", ascending=False).iloc[0]
            title = (f"{top[group]} holds {float(top['equity']) / float(df['equity'].sum()):.0%}"
                     f" of customer equity<br><sup>Customer equity by {name}</sup>")
    fig.update_layout(width=WIDTH * 3 // 4, height=440)
    return finish(fig, title, x=name, y=unit("sum of CLV", currency), legend=False)


def actions_figure(actions: list[dict[str, Any]], *,
                   title: str = "What to do next: value at stake", currency: str = "") -> go.Figure:
    """Horizontal bars of the value at stake of each recommended action."""
    acts = [a for a in actions if a.get("value_at_stake")][::-1]
    fig = go.Figure(go.Bar(
        x=[a["value_at_stake"] for a in acts], y=[a["title"] for a in acts], orientation="h",
        text=[f"{a['customers']:,} customers" for a in acts], textposition="auto",
        marker_color=UP))
    fig.update_layout(width=WIDTH, height=max(320, 60 * len(acts) + 160), margin={"l": 320})
    return finish(fig, title, x=unit("value at stake", currency), y="action", legend=False)
