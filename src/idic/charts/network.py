"""Network charts: Kumar's CLV x CRV targeting grid, roles of the connected customer.

Plain functions taking small pandas frames and returning Plotly figures.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

QUADRANT_COLORS = {"Champions": "#2ca02c", "Affluents": "#1f77b4", "Advocates": "#ff7f0e",
                   "Misers": "#7f7f7f"}
WIDTH, HEIGHT = 1000, 560


def targeting_grid_figure(grid: pd.DataFrame, currency: str = "") -> go.Figure:
    """Kumar, Petersen & Leone (2007) 2x2: each referrer's own CLV (x) against their customer
    referral value (y), split at the medians (from
    :func:`idic.interact.network.value.targeting_grid`)."""
    fig = go.Figure()
    unit = f" ({currency})" if currency else ""
    for q, color in QUADRANT_COLORS.items():
        d = grid[grid["quadrant"] == q]
        fig.add_trace(go.Scatter(
            x=d["clv"], y=d["referral_value"], mode="markers", name=f"{q} ({len(d):,})",
            marker={"color": color, "size": 6 + 2 * d["referrals"].clip(upper=10)},
            text=d["customer_id"] + " | referrals: " + d["referrals"].astype(int).astype(str),
            hovertemplate="%{text}<br>CLV %{x:,.2f}<br>CRV %{y:,.2f}<extra></extra>"))
    if len(grid):
        mx, my = grid["clv"].fillna(0).median(), grid["referral_value"].median()
        fig.add_vline(x=mx, line={"dash": "dash", "color": "#444"})
        fig.add_hline(y=my, line={"dash": "dash", "color": "#444"})
        for q, (xa, ya) in {"Champions": (0.98, 0.98), "Affluents": (0.98, 0.02),
                            "Advocates": (0.02, 0.98), "Misers": (0.02, 0.02)}.items():
            fig.add_annotation(xref="paper", yref="paper", x=xa, y=ya, text=f"<b>{q}</b>",
                               showarrow=False, xanchor="right" if xa > 0.5 else "left",
                               yanchor="top" if ya > 0.5 else "bottom",
                               font={"color": QUADRANT_COLORS[q]})
    n = grid["quadrant"].value_counts() if len(grid) else pd.Series(dtype=int)
    finding = (f"{int(n.get('Champions', 0)):,} champions are worth most and refer most; "
               f"{int(n.get('Advocates', 0)):,} advocates bring more through referrals than "
               "they buy")
    fig.update_layout(
        title=f"{finding}<br><sup>Who to target: CLV x customer referral value (Kumar, "
              "Petersen & Leone 2007); dashed lines: the referrers' medians</sup>",
        xaxis_title=f"CLV: the customer's own lifetime value{unit}",
        yaxis_title=f"CRV: value brought through referrals{unit}",
        width=WIDTH, height=HEIGHT, legend_title="Quadrant")
    return fig


def roles_figure(counts: pd.DataFrame) -> go.Figure:
    """Customers holding each role (``role``, ``customers``); one person holds several."""
    fig = go.Figure(go.Bar(x=counts["role"], y=counts["customers"],
                           text=counts["customers"], textposition="outside"))
    fig.update_layout(title="Roles of the connected customer (one person holds several; "
                            "Augmented Customer Strategy, table 6.1)",
                      xaxis_title="Role", yaxis_title="Customers", width=WIDTH, height=420)
    return fig
