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
    """One bar per action: successes / closed tasks, with the 95% Wilson interval. The title
    names a leader only when its interval lies above every other action's."""
    actions = list(obs)
    rate = [obs[a]["response_rate"] for a in actions]
    lo = [obs[a]["response_rate"] - obs[a]["ci"][0] for a in actions]
    hi = [obs[a]["ci"][1] - obs[a]["response_rate"] for a in actions]
    ticks = [f"{a}<br>{obs[a]['success']:,} of {obs[a]['closed']:,}" for a in actions]
    fig = go.Figure(go.Bar(
        x=ticks, y=rate, marker_color="#1f77b4",
        error_y={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo},
        customdata=[[obs[a]["ci"][0], obs[a]["ci"][1]] for a in actions],
        hovertemplate="%{x}: %{y:.1%} (95% CI %{customdata[0]:.1%} to "
                      "%{customdata[1]:.1%})<extra></extra>"))
    fig.update_layout(width=WIDTH, height=440, yaxis={"tickformat": ".0%", "range": [0, 1]})
    n = sum(obs[a]["closed"] for a in actions)
    best = max(actions, key=lambda a: obs[a]["response_rate"]) if actions else None
    if best is None:
        head = "No closed tasks yet"
    elif all(obs[best]["ci"][0] > obs[a]["ci"][1] for a in actions if a != best):
        head = f"{best} tasks succeed most often ({obs[best]['response_rate']:.0%})"
    else:
        head = f"No action is clearly ahead yet: the intervals of {n:,} closed tasks overlap"
    return finish(fig, head + "<br><sup>Successes / closed tasks per action, 95% Wilson "
                  "interval</sup>", x="action (successes of closed tasks)",
                  y="response rate", legend=False)


def owners_figure(per_owner: pd.DataFrame) -> go.Figure:
    """Active tasks per owner (columns ``owner, active, overdue``), overdue in red."""
    df = per_owner.sort_values(["active", "owner"], ascending=[False, True])
    fig = go.Figure([
        go.Bar(x=df["owner"], y=df["active"] - df["overdue"], name="on time",
               marker_color="#1f77b4"),
        go.Bar(x=df["owner"], y=df["overdue"], name="overdue", marker_color="#d62728")])
    fig.update_layout(barmode="stack", width=WIDTH, height=380,
                      legend={"traceorder": "normal"})
    total, late = int(df["active"].sum()), int(df["overdue"].sum())
    return finish(fig, f"{total:,} active tasks, {late:,} overdue"
                  "<br><sup>Open and assigned tasks per owner (queue:<team> = not picked up "
                  "yet)</sup>", x="owner", y="tasks")
