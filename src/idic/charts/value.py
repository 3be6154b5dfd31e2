"""Value charts: Lorenz / Pareto, RFM grid, value-category matrix, migrator flows.

Plain functions taking small pandas frames (the summaries of
:mod:`idic.differentiate.value`) and returning Plotly figures; nothing displays itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from idic.charts.style import finish, unit

CATEGORY_COLORS = {"MVC": "#1f77b4", "MGC": "#2ca02c", "LMC": "#7f7f7f", "BZ": "#d62728",
                   "NEW": "#bcbd22"}
WIDTH, HEIGHT = 1000, 560


def lorenz_figure(lorenz: pd.DataFrame, *, gini: float | None = None,
                  share_80: float | None = None, title: str | None = None) -> go.Figure:
    """Lorenz curve (left) and Pareto curve (right) from :func:`~idic.differentiate.value.abc.
    lorenz_curve` (columns ``customer_share, value_share``, ascending from (0, 0))."""
    x = lorenz.customer_share.to_numpy()
    y = lorenz.value_share.to_numpy()
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "Lorenz curve" + (f" (Gini {gini:.3f})" if gini is not None else ""),
        "Pareto: share of value made by the top customers"))
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name="Lorenz curve"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="equality",
                             line={"dash": "dot", "color": "#7f7f7f"}), row=1, col=1)
    # Pareto: top share p of customers hold 1 - L(1 - p)
    px = 1 - x[::-1]
    py = 1 - y[::-1]
    fig.add_trace(go.Scatter(x=px, y=py, mode="lines", name="Pareto curve"), row=1, col=2)
    fig.add_hline(y=0.8, line={"dash": "dash", "color": "#d62728"}, row=1, col=2)
    if share_80 is not None:
        fig.add_vline(x=share_80, line={"dash": "dash", "color": "#d62728"}, row=1, col=2)
        fig.add_annotation(x=share_80, y=0.8, row=1, col=2, showarrow=True,
                           text=f"{share_80:.1%} of customers make 80% of value")
    for c in (1, 2):
        fig.update_xaxes(tickformat=".0%", range=[0, 1], row=1, col=c,
                         title_text="share of customers")
        fig.update_yaxes(tickformat=".0%", range=[0, 1.02], row=1, col=c,
                         title_text="share of value")
    if title is None:
        title = "Concentration of value"
        if share_80 is not None:
            title = (f"{share_80:.0%} of customers make 80% of the value"
                     "<br><sup>Concentration of value: Lorenz and Pareto curves</sup>")
    fig.update_layout(width=WIDTH, height=HEIGHT + 60)
    fig.update_annotations(font_size=13)
    fig = finish(fig, title)
    # the subplot titles sit above the plots: the legend goes under them
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
                      margin={"t": 100, "b": 120})
    return fig


def abc_figure(classes: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Bars of customers' and value shares per class (:func:`class_summary` output)."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=classes.abc_class, y=classes.customer_share, name="share of customers",
                         text=[f"{v:.0%}" for v in classes.customer_share], textposition="outside"))
    fig.add_trace(go.Bar(x=classes.abc_class, y=classes.value_share, name="share of value",
                         text=[f"{v:.0%}" for v in classes.value_share], textposition="outside"))
    if title is None:
        title = "ABC classes"
        a = classes[classes.abc_class.astype(str) == "A"]
        if not a.empty:
            title = (f"Class A: {float(a.customer_share.iloc[0]):.0%} of customers, "
                     f"{float(a.value_share.iloc[0]):.0%} of value<br><sup>ABC classes</sup>")
    fig.update_layout(barmode="group", yaxis_tickformat=".0%", width=WIDTH * 3 // 4,
                      height=HEIGHT, yaxis_range=[0, 1.1])
    return finish(fig, title, x="ABC class", y="share (%)")


def rfm_grid_figure(grid: pd.DataFrame, *, value: str = "customers",
                    title: str = "RFM grid: customers and average order value per cell") -> go.Figure:
    """Heat map of recency score (x) x frequency score (y) from
    :func:`~idic.differentiate.value.rfm.grid_summary`: colour = ``value`` (customers or
    monetary), text = customers and average monetary per cell."""
    cells = {(int(r.r_score), int(r.f_score)): r for r in grid.itertuples()}
    z = np.full((5, 5), np.nan)
    text = [["" for _ in range(5)] for _ in range(5)]
    for (r, f), row in cells.items():
        z[f - 1, r - 1] = float(getattr(row, value))
        text[f - 1][r - 1] = f"{int(row.customers):,} customers<br>avg {row.avg_monetary:,.0f}"
    fig = go.Figure(go.Heatmap(x=[1, 2, 3, 4, 5], y=[1, 2, 3, 4, 5], z=z, text=text,
                               texttemplate="%{text}", colorscale="Blues",
                               colorbar={"title": value}))
    fig.update_layout(width=WIDTH * 3 // 4, height=HEIGHT)
    return finish(fig, title, x="recency score (5 = most recent)",
                  y="frequency score (5 = most frequent)", legend=False)


def segment_figure(segments: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Bar chart of customers per named segment (:func:`segment_summary` output)."""
    s = segments.sort_values("customers")
    if title is None and not s.empty:
        top = s.iloc[-1]
        title = (f"{top.segment} is the largest RFM segment ({float(top.share):.0%} of "
                 "customers)<br><sup>Customers per RFM segment</sup>")
    fig = go.Figure(go.Bar(x=s.customers, y=s.segment, orientation="h",
                           text=[f"{v:.1%}" for v in s.share], textposition="auto"))
    fig.update_layout(width=WIDTH * 3 // 4, height=HEIGHT)
    return finish(fig, title or "RFM segments", x="customers", y="RFM segment", legend=False)


def value_matrix_figure(customers: pd.DataFrame, *, max_points: int = 5000, seed: int = 0,
                        title: str = "Actual value vs unrealised potential",
                        currency: str = "") -> go.Figure:
    """Scatter of ``actual_value`` (x) and ``unrealised_potential`` (y), coloured by
    ``value_category`` (MVC, MGC, LMC, BZ); a random sample of ``max_points`` customers."""
    df = customers
    if len(df) > max_points:
        df = df.sample(max_points, random_state=seed)
    fig = go.Figure()
    for cat, g in df.groupby("value_category", sort=True):
        fig.add_trace(go.Scattergl(
            x=g.actual_value.astype(float), y=g.unrealised_potential.astype(float),
            mode="markers", name=str(cat), marker={"size": 5, "opacity": 0.6,
                                                   "color": CATEGORY_COLORS.get(str(cat))},
            text=g.customer_id, hovertemplate="%{text}<br>actual %{x:,.2f}<br>"
                                              "unrealised %{y:,.2f}"))
    fig.add_vline(x=0, line={"color": "#d62728", "dash": "dot"})
    fig.update_layout(width=WIDTH, height=HEIGHT)
    return finish(fig, title, x=unit("actual value", currency),
                  y=unit("unrealised potential", currency))


def migration_figure(flows: pd.DataFrame, *, date_from: str = "before",
                     date_to: str = "after", title: str = "Migrators") -> go.Figure:
    """Sankey of ``category_from -> category_to`` flows (:func:`migration.flows` output)."""
    left = sorted(flows.category_from.unique())
    right = sorted(flows.category_to.unique())
    labels = [f"{c} ({date_from})" for c in left] + [f"{c} ({date_to})" for c in right]
    colors = [CATEGORY_COLORS.get(c, "#999") for c in left + right]
    src = [left.index(c) for c in flows.category_from]
    dst = [len(left) + right.index(c) for c in flows.category_to]
    link_colors = ["rgba(150,150,150,0.25)" if a == b else "rgba(214,39,40,0.35)"
                   for a, b in zip(flows.category_from, flows.category_to, strict=True)]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "color": colors, "pad": 18},
        link={"source": src, "target": dst, "value": flows.customers.astype(int).tolist(),
              "color": link_colors}))
    fig.update_layout(width=WIDTH, height=HEIGHT)
    return finish(fig, title, legend=False)
