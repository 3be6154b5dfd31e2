"""Identify charts: the identification inventory by source.

Plain functions returning Plotly figures; nothing displays itself.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

WIDTH = 1000


def identified_by_source(inv: dict[str, Any]) -> go.Figure:
    """Grouped horizontal bars: per source, the share of its orders, revenue and events tied to
    an identified customer (0-100%), with the volume behind each bar in the hover text."""
    sources = sorted(inv["by_source"])
    fig = go.Figure()
    for key, part, label, colour in (("orders", "identified_share", "orders", "#1f77b4"),
                                     ("orders", "revenue_identified_share", "revenue", "#2ca02c"),
                                     ("events", "identified_share", "events", "#ff7f0e")):
        xs, ys, hover = [], [], []
        for s in sources:
            d = inv["by_source"][s].get(key)
            if not d or d.get(part) is None:
                continue
            xs.append(d[part])
            ys.append(s)
            hover.append(f"{s}: {d[part]:.1%} of {d['count']:,} {key}")
        if xs:
            fig.add_trace(go.Bar(x=xs, y=ys, orientation="h", name=label, marker_color=colour,
                                 text=[f"{v:.0%}" for v in xs], textposition="auto",
                                 hovertext=hover, hoverinfo="text"))
    fig.update_layout(
        title="Share tied to an identified customer, by source", barmode="group",
        width=WIDTH, height=max(320, 70 * len(sources) + 140),
        xaxis={"title": "identified share", "tickformat": ".0%", "range": [0, 1.05]},
        yaxis={"title": "source", "autorange": "reversed", "type": "category"},
        legend={"orientation": "h", "y": -0.2})
    return fig
