"""Experiment charts: effects with their intervals (a forest plot) and the Qini curve.

Plain functions taking the dicts of :func:`idic.customize.experiments.analysis.analyze_table`
and :func:`idic.customize.experiments.uplift.evaluate`; nothing displays itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

WIDTH = 1000
UP, DOWN, FLAT, GREY = "#2ca02c", "#d62728", "#1f77b4", "#7f7f7f"


def effects_figure(results: Mapping[str, Mapping[str, Any]], *, relative: bool = True,
                   title: str | None = None) -> go.Figure:
    """One row per (experiment, variant): the effect against control with its interval.

    ``results``: experiment name -> analysis result. Green when the interval lies above 0,
    red below, blue when it contains 0. ``relative``: percent change (comparable across
    metrics); else the absolute difference in the metric's unit."""
    key = "relative" if relative else "absolute"
    labels, eff, lo, hi, colors, hover = [], [], [], [], [], []
    for name, res in results.items():
        conf = f"{1 - float(res.get('alpha', 0.05)):.0%}"
        for variant, v in res["variants"].items():
            e = v.get(key)
            if v.get("is_control") or not e or e.get("effect") is None:
                continue
            low, high = e["ci"]
            if low is None or high is None:
                continue
            how = ", CUPED" if res.get("cuped") else ""
            labels.append(f"{name}: {variant} vs {res['control']} ({res['metric']}{how})")
            eff.append(e["effect"])
            lo.append(e["effect"] - low)
            hi.append(high - e["effect"])
            colors.append(UP if low > 0 else DOWN if high < 0 else FLAT)
            extra = (f", chance to beat control {v['chance_to_win']:.1%}"
                     if v.get("chance_to_win") is not None else
                     f", p = {e['p_value']:.4f}" if e.get("p_value") is not None else "")
            fmt = (lambda x: f"{x:+.2%}") if relative else (lambda x: f"{x:+,.4g}")
            hover.append(f"{fmt(e['effect'])} ({conf} interval {fmt(low)} to {fmt(high)})"
                         f"{extra}, n = {v['n']:,}")
    fig = go.Figure(go.Scatter(
        x=eff, y=labels, mode="markers", marker={"color": colors, "size": 11},
        error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo,
                 "color": GREY, "thickness": 2, "width": 6},
        hovertext=hover, hovertemplate="%{y}<br>%{hovertext}<extra></extra>"))
    fig.add_vline(x=0, line={"color": GREY, "dash": "dash"})
    fig.update_layout(
        title=title or ("Experiment effects against control (relative change, with intervals)"
                        if relative else "Experiment effects against control (absolute)"),
        width=WIDTH, height=max(300, 60 * len(labels) + 160),
        xaxis_title=("change against control (%)" if relative
                     else "difference against control (metric units)"),
        xaxis_tickformat="+.0%" if relative else None,
        yaxis={"autorange": "reversed", "type": "category",
               "title": {"text": "experiment: variant vs control (metric)"}},
        margin={"l": 320})
    return fig


def qini_figure(evaluation: Mapping[str, Any], *, title: str = "Qini curve",
                outcome: str = "responses") -> go.Figure:
    """The Qini curve of a targeting score against random targeting (the straight line),
    from :func:`idic.customize.experiments.uplift.evaluate`."""
    x, q = list(evaluation["qini_x"]), list(evaluation["qini_curve"])
    n = x[-1] if x else 0
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=q, mode="lines", name="by score", line={"color": FLAT},
                             hovertemplate=f"top %{{x:,.0f}} units: %{{y:,.1f}} incremental "
                                           f"{outcome}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[0, n], y=[0, q[-1] if q else 0], mode="lines", name="random",
                             line={"color": GREY, "dash": "dash"}))
    fig.update_layout(
        title=f"{title} (Qini coefficient {evaluation['qini_auc']:.3f})", width=WIDTH,
        height=460, xaxis_title="units targeted, best score first",
        yaxis_title=f"incremental {outcome} (treated minus scaled control)")
    return fig
