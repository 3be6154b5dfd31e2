"""Journey charts: funnel, Sankey, journey map, emotion curve, attribution bars.

Plain functions returning Plotly figures; nothing displays itself. The dashboard and the
report reuse them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from idic.charts.style import finish, log_axis

if TYPE_CHECKING:
    from idic.interact.journeys.journey_map import JourneyMap
    from idic.interact.journeys.paths import SankeyData

PAIN = "#d62728"
LOVE = "#2ca02c"
NEUTRAL = "#7f7f7f"
WIDTH, HEIGHT = 1200, 560


def _steps(result: Any) -> list[dict[str, Any]]:
    return result.steps if hasattr(result, "steps") else list(result["steps"])


def funnel_figure(result: Any, title: str | None = None) -> go.Figure:
    """Funnel of a :class:`~idic.interact.journeys.funnels.FunnelResult` (or its dict); the
    title states how many of the first step reach the last."""
    steps = _steps(result)
    labels = [f"{s['step']}. {s['event']}" if "step" in s else s["event"] for s in steps]
    counts = [s["count"] for s in steps]
    fig = go.Figure(go.Funnel(y=labels, x=counts, textinfo="value+percent initial",
                              texttemplate="%{value:,} persons (%{percentInitial:.0%})",
                              textfont={"size": 13}, marker={"color": "#3b82f6"}))
    finding = ""
    if len(counts) >= 2 and counts[0]:
        finding = (f"{counts[-1] / counts[0]:.0%} of persons with {steps[0]['event']} reach "
                   f"{steps[-1]['event']}")
    head = title or "Funnel"
    return finish(fig, f"{finding}<br><sup>{head}</sup>" if finding else head,
                  x="persons", y="step", legend=False, width=WIDTH,
                  height=max(340, 90 * len(steps) + 120))


def sankey_figure(data: SankeyData, title: str = "Most common paths: channels of each touch, "
                  "to a conversion (green) or a drop-off (red)") -> go.Figure:
    colors = [PAIN if "drop-off" in lab else LOVE if "conversion" in lab else "#1f77b4"
              for lab in data.labels]
    fig = go.Figure(go.Sankey(
        node={"label": data.labels, "color": colors, "pad": 14, "thickness": 16},
        link={"source": data.sources, "target": data.targets, "value": data.values},
    ))
    fig.update_layout(width=WIDTH, height=HEIGHT)
    fig.update_traces(textfont={"size": 12})
    return finish(fig, title, legend=False)


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
    fig.update_layout(width=WIDTH, height=HEIGHT, annotations=notes,
                      xaxis={"categoryorder": "array", "categoryarray": order},
                      yaxis={"range": [-1.15, 1.3]})
    return finish(fig, jm.title, x="stage", y="sentiment (pain -1 … +1 love)")


def emotion_curve_figure(jm: JourneyMap) -> go.Figure:
    """Reach and conversion to the next stage (bars) under the emotion curve (line)."""
    st = jm.stages
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=st["stage"], y=st["reach"], name="reach (persons)",
                         marker_color="#9ecae1"), secondary_y=False)
    fig.add_trace(go.Scatter(x=st["stage"], y=st["emotion"], name="emotion",
                             mode="lines+markers", line={"color": "#444", "shape": "spline"}),
                  secondary_y=True)
    fig.update_yaxes(title_text="persons", secondary_y=False, tickformat=",d")
    fig.update_yaxes(title_text="sentiment (-1 pain, +1 love)", range=[-1, 1],
                     tickvals=[-1, -0.5, 0, 0.5, 1], secondary_y=True)
    fig.update_layout(width=WIDTH, height=420)
    return finish(fig, "Reach and emotion by stage", x="stage")


def attribution_figure(credits: dict[str, dict[str, float]] | pd.DataFrame,
                       title: str | None = None) -> go.Figure:
    """Grouped bars: channel on x, one bar per model. ``credits`` is {model: {channel: x}}
    or a channel x model frame (:func:`idic.interact.journeys.attribution.compare`)."""
    df = credits if isinstance(credits, pd.DataFrame) else pd.DataFrame(credits).fillna(0.0)
    fig = go.Figure([go.Bar(x=[str(i).replace("_", " ") for i in df.index], y=df[m], name=m)
                     for m in df.columns])
    if title is None:
        title = "Conversions credited to each channel, by attribution model"
        if not df.empty and len(df.columns):
            mean = df.mean(axis=1).sort_values(ascending=False)
            share = mean.iloc[0] / mean.sum() if mean.sum() else 0
            title = (f"{str(mean.index[0]).replace('_', ' ').capitalize()} earns "
                     f"{share:.0%} of the conversions, whatever the model"
                     "<br><sup>Conversions credited to each channel, by attribution model</sup>")
    fig.update_layout(barmode="group", width=WIDTH, height=480)
    return finish(fig, title, x="channel", y="conversions credited")


KIND_LABEL = {"pain_point": "pain point (lowers the odds)",
              "love_point": "love point (raises the odds)",
              "navigation": "navigation (not an experience)", "neutral": "no clear effect",
              "step": "process step"}


def moments_figure(table: pd.DataFrame, top: int = 15) -> go.Figure:
    """Odds ratios with 95% intervals (log scale, labelled 0.2, 0.5, 1, 2, 5) of the
    touchpoints with the largest effects; the title names the strongest pain and love point."""
    df = table.copy()
    df["_abs"] = np.log(pd.to_numeric(df["odds_ratio"], errors="coerce")).abs()
    df = df.sort_values("_abs", ascending=False).head(top).iloc[::-1]
    fig = go.Figure()
    for kind, color in (("pain_point", PAIN), ("love_point", LOVE), ("navigation", "#9aa5b1"),
                        ("neutral", NEUTRAL), ("step", "#4b5563")):
        sub = df[df["kind"] == kind]
        if sub.empty:
            continue
        fig.add_trace(go.Scatter(
            x=sub["odds_ratio"], y=sub["touchpoint"], mode="markers", name=KIND_LABEL[kind],
            marker={"color": color, "size": 11},
            customdata=np.c_[sub["or_low"], sub["or_high"]],
            hovertemplate="%{y}: odds × %{x:.2f} (95%: %{customdata[0]:.2f}–"
                          "%{customdata[1]:.2f})<extra></extra>",
            error_x={"type": "data", "symmetric": False, "color": color,
                     "array": sub["or_high"] - sub["odds_ratio"],
                     "arrayminus": sub["odds_ratio"] - sub["or_low"]}))
    fig.add_vline(x=1.0, line_dash="dash", line_color="#999")
    lo = float(np.nanmin(df["or_low"].clip(lower=1e-3))) if not df.empty else 0.1
    hi = float(np.nanmax(df["or_high"].clip(upper=1e4))) if not df.empty else 10
    log_axis(fig, min(lo, 0.5) / 1.3, max(hi, 2) * 1.3,
             title="odds ratio of an order (95% interval; 1 = no effect, log scale)")
    pains = table[table["kind"] == "pain_point"].sort_values("odds_ratio")
    loves = table[table["kind"] == "love_point"].sort_values("odds_ratio", ascending=False)
    parts = []
    if not pains.empty:
        p = pains.iloc[0]
        parts.append(f"{p['touchpoint']} cuts the odds of an order to × {p['odds_ratio']:.2f}")
    if not loves.empty:
        q = loves.iloc[0]
        parts.append(f"{q['touchpoint']} raises them × {q['odds_ratio']:.1f}")
    title = ("; ".join(parts) + "<br><sup>Touchpoints that change the odds of an order</sup>") \
        if parts else "Touchpoints that change the odds of an order"
    return finish(fig, title, y="touchpoint", width=WIDTH,
                  height=max(360, 30 * len(df) + 200))
