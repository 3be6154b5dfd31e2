"""Needs charts: the category lift heat map of the segments.

Plain functions taking small pandas frames (``segments_profile`` rows); nothing displays
itself.
"""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go

WIDTH, HEIGHT = 1000, 460


def lift_figure(profile: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Heat map of each segment's category lift (segment share of spend / base share); the
    title states the strongest lift."""
    lifts = [json.loads(x) for x in profile["category_lift"]]
    cats = sorted({c for d in lifts for c in d})
    z = [[d.get(c) for c in cats] for d in lifts]
    y = [f"{s} {n}" for s, n in zip(profile["segment"], profile["segment_name"], strict=True)]
    if title is None:
        best = max(((v, y[i], c) for i, d in enumerate(lifts) for c, v in d.items()
                    if v is not None), default=None)
        title = ("Category lift by needs segment" if best is None else
                 f"{best[1]} buys {best[2]} at {best[0]:.1f}x the base's share of spend")
    fig = go.Figure(go.Heatmap(z=z, x=cats, y=y, colorscale="RdBu", zmid=1.0,
                               text=[[f"{v:.1f}" if v is not None else "" for v in row]
                                     for row in z], texttemplate="%{text}",
                               colorbar={"title": "lift (x base)"}))
    fig.update_layout(title=title, width=WIDTH, height=HEIGHT, margin={"l": 260},
                      font={"size": 12},
                      xaxis={"title": "product category (lift = segment share / base share)"},
                      yaxis={"title": "needs segment"})
    return fig
