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

WIDTH, HEIGHT = 1000, 520
UP, DOWN, TOTAL = "#2ca02c", "#d62728", "#1f77b4"


def cohort_heatmap(matrix: pd.DataFrame, *, title: str = "Cohort retention by first-order month",
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
    fig.update_layout(title=title, width=WIDTH, height=max(360, 22 * len(m.index) + 160),
                      xaxis_title="months since first order", yaxis_title="cohort (first order)",
                      yaxis={"autorange": "reversed", "type": "category"})
    return fig


def retention_curve(curve: pd.DataFrame, *, title: str = "Average retention curve") -> go.Figure:
    """Line of :func:`idic.measure.cohorts.average_curve` (retention by months since first)."""
    fig = go.Figure(go.Scatter(x=curve["months_since_first"], y=curve["retention"],
                               mode="lines+markers", line={"color": TOTAL},
                               hovertemplate="month %{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(title=title, width=WIDTH, height=400, yaxis_tickformat=".0%",
                      xaxis_title="months since first order", yaxis_title="customers ordering")
    return fig


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
    head = "Customer equity and return on customer"
    if roc is not None and not (isinstance(roc, float) and np.isnan(roc)):
        head += f": ROC {float(roc):.1%}"
    fig.update_layout(title=title or head, width=WIDTH, height=HEIGHT, showlegend=False,
                      yaxis_title="value" + (f" ({currency.strip()})" if currency else ""))
    return fig


def kpi_comparison(kpis: pd.DataFrame, *, metrics: tuple[str, ...] = (
        "retention_rate", "churn_rate", "acquisition_rate", "win_back_rate"),
        title: str = "This period vs the previous one") -> go.Figure:
    """Grouped bars of rate KPIs (``kpis`` table indexed by metric: label, current, previous)."""
    k = kpis.loc[[m for m in metrics if m in kpis.index]]
    fig = go.Figure()
    fig.add_bar(x=k["label"], y=k["previous"], name="previous period", marker_color="#9ecae1")
    fig.add_bar(x=k["label"], y=k["current"], name="this period", marker_color=TOTAL)
    fig.update_layout(title=title, barmode="group", width=WIDTH, height=420,
                      yaxis_tickformat=".0%")
    return fig


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
    fig.update_layout(title=title, width=WIDTH, height=HEIGHT,
                      xaxis_title="repeat purchases (frequency)",
                      yaxis_title="recency (age at last purchase)")
    return fig


def equity_by_group(df: pd.DataFrame, group: str, *, title: str | None = None) -> go.Figure:
    """Bars of equity (sum of CLV) per group with the customers in the hover
    (:func:`idic.measure.equity.equity_by` output)."""
    fig = go.Figure(go.Bar(x=df[group].astype(str), y=df["equity"], customdata=df["customers"],
                           marker_color=TOTAL,
                           hovertemplate="%{x}: %{y:,.0f} (%{customdata} customers)"
                                         "<extra></extra>"))
    fig.update_layout(title=title or f"Customer equity by {group.replace('_', ' ')}",
                      width=WIDTH * 3 // 4, height=420, yaxis_title="sum of CLV")
    return fig


def actions_figure(actions: list[dict[str, Any]], *,
                   title: str = "What to do next: value at stake") -> go.Figure:
    """Horizontal bars of the value at stake of each recommended action."""
    acts = [a for a in actions if a.get("value_at_stake")][::-1]
    fig = go.Figure(go.Bar(
        x=[a["value_at_stake"] for a in acts], y=[a["title"] for a in acts], orientation="h",
        text=[f"{a['customers']:,} customers" for a in acts], textposition="auto",
        marker_color=UP))
    fig.update_layout(title=title, width=WIDTH, height=max(300, 60 * len(acts) + 140),
                      xaxis_title="value at stake", margin={"l": 320})
    return fig
