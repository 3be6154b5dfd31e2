"""The house style of idic's charts, shared by every chart module.

Rules (after Few 2012, *Show Me the Numbers*, and Knaflic 2015, *Storytelling with Data*):
the title states the finding, not the chart type; every axis has a title with its unit
(currency included); text is at least 11 px (12-13 px here); legends sit above the plot in
one row so they never cover it or get cut; log axes are labelled with real values
(0.2, 0.5, 1, 2, 5), never Plotly's bare mantissas.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

FONT = 13
TITLE = 17
TICK = 12
MIN_FONT = 11


def finish(fig: go.Figure, title: str | None = None, *, x: str | None = None,
           y: str | None = None, legend: bool | None = None, height: int | None = None,
           width: int | None = None) -> go.Figure:
    """Apply the house style: title (the finding), axis titles, fonts, a legend that fits."""
    lay: dict[str, Any] = {
        "font": {"size": FONT, "family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        "title": {"font": {"size": TITLE}, "x": 0.01, "xanchor": "left"},
        "hoverlabel": {"font": {"size": FONT}},
    }
    if title is not None:
        lay["title"]["text"] = title
    if height is not None:
        lay["height"] = height
    if width is not None:
        lay["width"] = width
    if legend is not False:
        lay["legend"] = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left",
                         "x": 0, "font": {"size": TICK}}
    if legend is not None:
        lay["showlegend"] = legend
    fig.update_layout(**lay)
    has_axes = any(k.startswith(("xaxis", "yaxis")) for k in fig.layout.to_plotly_json()) or \
        any(getattr(t, "type", "") in ("bar", "scatter", "scattergl", "histogram", "heatmap",
                                       "waterfall", "funnel", "box") for t in fig.data)
    if has_axes:
        fig.update_xaxes(tickfont={"size": TICK}, title_font={"size": FONT}, automargin=True)
        fig.update_yaxes(tickfont={"size": TICK}, title_font={"size": FONT}, automargin=True)
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    # a top legend needs room above the plot, under the title
    if legend is not False and len(fig.data) > 1:
        top = fig.layout.margin.t if fig.layout.margin.t is not None else 0
        fig.update_layout(margin={"t": max(top, 110)})
    return fig


def unit(text: str, currency: str = "") -> str:
    """``"value"`` + currency -> ``"value (EUR)"``."""
    c = currency.strip()
    return f"{text} ({c})" if c else text


LOG_STEPS = (1, 2, 5)


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick values and labels for a log axis from ``lo`` to ``hi``: 1-2-5 steps written as
    real values (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, ...)."""
    lo = max(float(lo), 1e-6)
    hi = max(float(hi), lo * 1.0001)
    vals: list[float] = []
    for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
        for s in LOG_STEPS:
            v = s * 10.0 ** e
            if lo <= v <= hi:
                vals.append(round(v, 10))
    if len(vals) > 12:  # long ranges: powers of ten only
        vals = [v for v in vals if math.isclose(math.log10(v), round(math.log10(v)))]
    return vals, [log_label(v) for v in vals]


def log_label(v: float) -> str:
    if v >= 1:
        return f"{v:,.0f}"
    decimals = max(0, -math.floor(math.log10(v)))
    return f"{v:.{decimals}f}"


def log_axis(fig: go.Figure, lo: float, hi: float, *, axis: str = "x",
             title: str | None = None) -> go.Figure:
    """Make ``axis`` logarithmic from ``lo`` to ``hi`` with real-value tick labels."""
    vals, text = log_ticks(lo, hi)
    upd: dict[str, Any] = {"type": "log", "tickmode": "array", "tickvals": vals,
                           "ticktext": text, "range": [math.log10(lo), math.log10(hi)],
                           "minor": {"showgrid": False, "ticks": ""}}
    if title is not None:
        upd["title_text"] = title
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**upd)
    return fig


def note(fig: go.Figure, text: str, *, y: float = -0.22, width: int = 110) -> go.Figure:
    """A caveat written under the plot (e.g. why a rate goes above 100%), wrapped at
    ``width`` characters (Plotly does not wrap annotations)."""
    import textwrap

    text = "<br>".join(textwrap.wrap(text, width))
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=y, xanchor="left",
                       yanchor="top", showarrow=False, align="left",
                       font={"size": TICK, "color": "#52606d"})
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 0
    lines = text.count("<br>") + 1
    fig.update_layout(margin={"b": max(bottom, 100 + 18 * lines)})
    return fig


__all__ = ["finish", "log_axis", "log_label", "log_ticks", "note", "unit"]
