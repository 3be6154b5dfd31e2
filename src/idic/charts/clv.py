"""Plotly figures for CLV validation (Fader, Hardie & Lee 2005, figures 2-4). Nothing displays
itself: each function takes a table from :mod:`idic.differentiate.value.clv.validation`."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

ACTUAL = "#1f77b4"
MODEL = "#ff7f0e"


def holdout_by_frequency(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Mean actual vs predicted holdout purchases by calibration frequency (grouped bars)."""
    fig = go.Figure()
    fig.add_bar(x=table["label"], y=table["actual"], name="Actual", marker_color=ACTUAL,
                customdata=table["customers"],
                hovertemplate="x=%{x}: %{y:.2f} (%{customdata} customers)<extra>actual</extra>")
    fig.add_bar(x=table["label"], y=table["predicted"], name="Model", marker_color=MODEL,
                hovertemplate="x=%{x}: %{y:.2f}<extra>model</extra>")
    fig.update_layout(barmode="group", title=title or "Holdout purchases by calibration frequency",
                      xaxis_title="Purchases in the calibration period",
                      yaxis_title="Mean purchases in the holdout period",
                      legend={"orientation": "h", "y": 1.08})
    return fig


def cumulative_purchases(table: pd.DataFrame, *, calibration_period: float | None = None,
                         title: str | None = None) -> go.Figure:
    """Cumulative repeat purchases per period, actual vs model; a line marks the end of the
    calibration period (in periods) when given."""
    fig = go.Figure()
    fig.add_scatter(x=table["period"], y=table["actual"], mode="lines", name="Actual",
                    line={"color": ACTUAL})
    fig.add_scatter(x=table["period"], y=table["predicted"], mode="lines", name="Model",
                    line={"color": MODEL, "dash": "dash"})
    if calibration_period is not None:
        fig.add_vline(x=calibration_period, line_dash="dot", line_color="grey",
                      annotation_text="end of calibration")
    fig.update_layout(title=title or "Cumulative repeat purchases", xaxis_title="Period",
                      yaxis_title="Cumulative repeat purchases",
                      legend={"orientation": "h", "y": 1.08})
    return fig


def alive_calibration(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Mean predicted P(alive) per bin vs the share who bought in the holdout, with the
    diagonal; marker size grows with the number of customers in the bin."""
    size = 8 + 22 * (table["customers"] / max(float(table["customers"].max()), 1.0)) ** 0.5
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="Perfect calibration",
                    line={"color": "grey", "dash": "dot"})
    fig.add_scatter(x=table["p_alive"], y=table["bought_in_holdout"], mode="markers+lines",
                    name="Customers", marker={"size": size, "color": ACTUAL},
                    customdata=table["customers"],
                    hovertemplate="P(alive)=%{x:.2f}: %{y:.2f} bought "
                                  "(%{customdata} customers)<extra></extra>")
    fig.update_layout(title=title or "P(alive) calibration",
                      xaxis_title="Predicted P(alive) at the end of calibration",
                      yaxis_title="Share who bought in the holdout",
                      xaxis={"range": [0, 1]}, yaxis={"range": [0, 1]})
    return fig


def clv_distribution(clv: pd.Series | list[float], *, title: str | None = None,
                     currency: str = "") -> go.Figure:
    """Histogram of customer lifetime values; the title gives the median and the top 10%."""
    from idic.charts.style import finish, unit

    values = pd.Series(list(clv), dtype=float).dropna()
    fig = go.Figure(go.Histogram(x=values, nbinsx=50, marker_color=ACTUAL))
    if title is None:
        title = "Distribution of predicted CLV"
        if len(values):
            cur = f" {currency.strip()}" if currency.strip() else ""
            title = (f"Half the customers are worth under {values.median():,.0f}{cur}; the top "
                     f"10% over {values.quantile(0.9):,.0f}{cur}<br><sup>Distribution of "
                     "predicted CLV, next 12 months</sup>")
    return finish(fig, title, x=unit("CLV, next 12 months", currency), y="customers",
                  legend=False)
