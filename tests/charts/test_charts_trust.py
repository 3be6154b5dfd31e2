"""Charts a manager trusts (issue 18): real values on log axes, a previous period drawn or
not offered, ratios above 100% explained, titles and axis titles everywhere."""

from __future__ import annotations

import numpy as np
import pandas as pd

from idic.charts.journeys import moments_figure
from idic.charts.measure import equity_waterfall, kpi_comparison
from idic.charts.style import log_ticks


def test_log_ticks_are_real_values() -> None:
    vals, text = log_ticks(0.15, 7)
    assert vals == [0.2, 0.5, 1, 2, 5]
    assert text == ["0.2", "0.5", "1", "2", "5"]
    vals, text = log_ticks(0.004, 300)
    assert text == ["0.01", "0.1", "1", "10", "100"]


def _moments() -> pd.DataFrame:
    return pd.DataFrame({
        "touchpoint": ["Delivery Delayed", "Live Chat Resolved", "Page Viewed"],
        "odds_ratio": [0.198, 13.7, 1.2], "or_low": [0.13, 7.5, 0.05],
        "or_high": [0.30, 24.9, 29.7], "impact": [-40.6, 148.9, -5.0],
        "kind": ["pain_point", "love_point", "navigation"]})


def test_odds_ratio_chart_labels_point_two_as_point_two() -> None:
    fig = moments_figure(_moments())
    ax = fig.layout.xaxis
    assert ax.type == "log"
    labels = dict(zip(ax.tickvals, ax.ticktext, strict=True))
    assert labels[0.2] == "0.2" and labels[1] == "1" and labels[2] == "2"
    assert "odds ratio" in ax.title.text
    assert "Delivery Delayed" in fig.layout.title.text  # the finding, not the chart type
    assert fig.layout.yaxis.title.text
    names = {t.name for t in fig.data}
    assert any("pain" in n for n in names) and any("navigation" in n for n in names)


def _kpis(previous: float | None) -> pd.DataFrame:
    return pd.DataFrame({
        "label": ["Retention rate", "Churn rate", "Acquisition rate (new / customers at start)"],
        "current": [0.572, 0.428, 1.213],
        "previous": [previous, previous, previous]},
        index=["retention_rate", "churn_rate", "acquisition_rate"])


def test_previous_period_is_drawn_or_not_offered() -> None:
    fig = kpi_comparison(_kpis(np.nan))
    assert [t.name for t in fig.data] == ["this period"]
    assert fig.layout.showlegend is False
    fig = kpi_comparison(_kpis(0.5))
    assert [t.name for t in fig.data] == ["previous period", "this period"]
    assert all(v == 0.5 for v in fig.data[0].y)


def test_rates_above_100_percent_are_explained() -> None:
    fig = kpi_comparison(_kpis(np.nan))
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "Acquisition rate" in notes and "above 100%" in notes
    w = equity_waterfall({"equity_start": 54128, "equity_acquired": 45698,
                          "equity_grown": 6959, "equity_declined": -32275,
                          "equity_end": 74510, "cash_flow": 40243, "roc": 1.12},
                         currency="EUR ")
    assert "112%" in w.layout.title.text and "74,510" in w.layout.title.text
    assert "ROC above 100%" in " ".join(a.text for a in w.layout.annotations)
    assert w.layout.yaxis.title.text == "value (EUR)"
