"""Task charts: the measured response rate per action with its Wilson interval, and the
active tasks per owner (overdue stacked apart). Plain functions; nothing displays itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from idic.charts.style import finish

WIDTH = 1000


def response_figure(obs: Mapping[str, Mapping[str, Any]]) -> go.Figure:
    """One bar per action: successes / closed tasks, with the 95% Wilson interval."""
    actions = list(obs)
    rate = [obs[a]["response_rate"] for a in actions]
    lo = [obs[a]["response_rate"] - obs[a]["ci"][0] for a in actions]
    hi = [obs[a]["ci"][1] - obs[a]["response_rate"] for a in actions]
    n = [obs[a]["closed"] for a in actions]
    fig = go.Figure(go.Bar(
        x=actions, y=rate, marker_color="#1f77b4",
        error_y={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
        text=[f"{r:.0%} of {k:,}" for r, k in zip(rate, n, strict=True)],
        textposition="outside", hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_layout(width=WIDTH, height=420, yaxis={"tickformat": ".0%", "rangemode": "tozero"})
    best = max(actions, key=lambda a: obs[a]["response_rate"]) if actions else None
    title = ("No closed tasks yet" if best is None else
             f"{best} tasks succeed most often ({obs[best]['response_rate']:.0%})"
             "<br><sup>Response rate of closed tasks per action, 95% Wilson interval</sup>")
    return finish(fig, title, x="action", y="response rate", legend=False)


def owners_figure(per_owner: pd.DataFrame) -> go.Figure:
    """Active tasks per owner (columns ``owner, active, overdue``), overdue in red."""
    df = per_owner.sort_values(["active", "owner"], ascending=[False, True])
    fig = go.Figure([
        go.Bar(x=df["owner"], y=df["active"] - df["overdue"], name="on time",
               marker_color="#1f77b4"),
        go.Bar(x=df["owner"], y=df["overdue"], name="overdue", marker_color="#d62728")])
    fig.update_layout(barmode="stack", width=WIDTH, height=380)
    total, late = int(df["active"].sum()), int(df["overdue"].sum())
    return finish(fig, f"{total:,} active tasks, {late:,} overdue"
                  "<br><sup>Open and assigned tasks per owner (queue:<team> = not picked up "
                  "yet)</sup>", x="owner", y="tasks")
