"""Journey charts: funnel, Sankey, journey map, emotion curve, attribution bars.

Plain functions returning Plotly figures; nothing displays itself. The dashboard and the
report reuse them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

if TYPE_CHECKING:
    from idic.interact.journeys.journey_map import JourneyMap
    from idic.interact.journeys.paths import SankeyData

PAIN = "#d62728"
LOVE = "#2ca02c"
NEUTRAL = "#7f7f7f"
WIDTH, HEIGHT = 1200, 560


def _steps(result: Any) -> list[dict[str, Any]]:
    return result.steps if hasattr(result, "steps") else list(result["steps"])


def funnel_figure(result: Any, title: str = "Funnel") -> go.Figure:
    """Funnel of a :class:`~idic.interact.journeys.funnels.FunnelResult` (or its dict)."""
    steps = _steps(result)
    labels = [f"{s['step']}. {s['event']}" if "step" in s else s["event"] for s in steps]
    fig = go.Figure(go.Funnel(y=labels, x=[s["count"] for s in steps],
                              textinfo="value+percent initial+percent previous"))
    fig.update_layout(title=title, width=WIDTH, height=max(320, 90 * len(steps)))
    return fig


def sankey_figure(data: SankeyData, title: str = "Most common paths") -> go.Figure:
    colors = [PAIN if "drop-off" in lab else LOVE if "conversion" in lab else "#1f77b4"
              for lab in data.labels]
    fig = go.Figure(go.Sankey(
        node={"label": data.labels, "color": colors, "pad": 14, "thickness": 16},
        link={"source": data.sources, "target": data.targets, "value": data.values},
    ))
    fig.update_layout(title=title, width=WIDTH, height=HEIGHT)
    return fig


def journey_map_figure(jm: JourneyMap) -> go.Figure:
    """Stages as columns; each touchpoint a bubble (size: reach, height: sentiment), red pain
    points, green love points, stars for moments of truth; the line is the emotion curve."""
    st = jm.stages
    tp = jm.touchpoints.copy()
    order = list(st["stage"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=order, y=st["emotion"], mode="lines+markers", name="emotion",
                             line={"color": "#444", "width": 3, "shape": "spline"}))
    if not tp.empty:
        kind = tp["kind"] if "kind" in tp.columns else pd.Series("neutral", index=tp.index)
        mot = tp["moment_of_truth"] if "moment_of_truth" in tp.columns \
            else pd.Series(False, index=tp.index)
        kind = kind.where(kind.notna(), "neutral")
        mot = mot.map(lambda v: bool(v) if pd.notna(v) else False)
        size = 10 + 40 * (tp["reach"] / max(float(tp["reach"].max()), 1.0)) ** 0.5
        for label, color in (("pain_point", PAIN), ("love_point", LOVE), ("neutral", NEUTRAL)):
            sel = kind == label
            if not sel.any():
                continue
            sub = tp[sel]
            fig.add_trace(go.Scatter(
                x=sub["stage"], y=sub["sentiment_score"], mode="markers",
                name=label.replace("_", " "),
                marker={"size": size[sel], "color": color, "opacity": 0.7,
                        "symbol": ["star" if m else "circle" for m in mot[sel]],
                        "line": {"width": 1, "color": "white"}},
                text=[f"{r.touchpoint}<br>volume {r.volume}, reach {r.reach}"
                      for r in sub.itertuples()], hoverinfo="text"))
    notes = []
    for r in st.itertuples():
        conv = "" if pd.isna(r.conversion_to_next) else f"<br>→ next {r.conversion_to_next:.0%}"
        notes.append({"x": r.stage, "y": 1.12, "yref": "y", "showarrow": False,
                      "text": f"<b>{r.stage}</b><br>reach {r.reach}{conv}", "font": {"size": 11}})
    fig.update_layout(title=jm.title, width=WIDTH, height=HEIGHT, annotations=notes,
                      xaxis={"categoryorder": "array", "categoryarray": order, "title": "stage"},
                      yaxis={"range": [-1.15, 1.3], "title": "sentiment (pain -1 … +1 love)"})
    return fig


def emotion_curve_figure(jm: JourneyMap) -> go.Figure:
    """Reach and conversion to the next stage (bars) under the emotion curve (line)."""
    st = jm.stages
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=st["stage"], y=st["reach"], name="reach (persons)",
                         marker_color="#9ecae1"), secondary_y=False)
    fig.add_trace(go.Scatter(x=st["stage"], y=st["emotion"], name="emotion",
                             mode="lines+markers", line={"color": "#444", "shape": "spline"}),
                  secondary_y=True)
    fig.update_yaxes(title_text="persons", secondary_y=False)
    fig.update_yaxes(title_text="sentiment", range=[-1, 1], secondary_y=True)
    fig.update_layout(title="Reach and emotion by stage", width=WIDTH, height=420)
    return fig


def attribution_figure(credits: dict[str, dict[str, float]] | pd.DataFrame,
                       title: str = "Conversions credited by model") -> go.Figure:
    """Grouped bars: channel on x, one bar per model. ``credits`` is {model: {channel: x}}
    or a channel x model frame (:func:`idic.interact.journeys.attribution.compare`)."""
    df = credits if isinstance(credits, pd.DataFrame) else pd.DataFrame(credits).fillna(0.0)
    fig = go.Figure([go.Bar(x=list(df.index), y=df[m], name=m) for m in df.columns])
    fig.update_layout(title=title, barmode="group", width=WIDTH, height=460,
                      yaxis_title="conversions")
    return fig


def moments_figure(table: pd.DataFrame, top: int = 15) -> go.Figure:
    """Odds ratios with 95% intervals (log scale) of the strongest touchpoints."""
    df = table.reindex(table["impact"].abs().sort_values(ascending=False).index).head(top)
    df = df.iloc[::-1]
    colors = [PAIN if k == "pain_point" else LOVE if k == "love_point" else NEUTRAL
              for k in df["kind"]]
    fig = go.Figure(go.Scatter(
        x=df["odds_ratio"], y=df["touchpoint"], mode="markers",
        marker={"color": colors, "size": 10},
        error_x={"type": "data", "symmetric": False,
                 "array": df["or_high"] - df["odds_ratio"],
                 "arrayminus": df["odds_ratio"] - df["or_low"]}))
    fig.add_vline(x=1.0, line_dash="dash", line_color="#999")
    fig.update_layout(title="Touchpoints that change the odds", xaxis_type="log",
                      xaxis_title="odds ratio (95% CI)", width=WIDTH,
                      height=max(320, 28 * len(df) + 120))
    return fig
