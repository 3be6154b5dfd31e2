"""Calibration / holdout validation of a fitted purchase model (tables for the charts).

The standard diagnostics of Fader, Hardie & Lee (2005, figures 2-4): actual vs predicted
holdout purchases by number of calibration purchases, cumulative repeat purchases week by
week, and P(alive) calibration (predicted P(alive) vs the share who bought in the holdout).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from idic.differentiate.value.clv.base import check_rft, wdot
from idic.differentiate.value.clv.purchase import PurchaseModel
from idic.errors import InputError


def holdout_by_frequency(model: PurchaseModel, summary: pd.DataFrame, *, max_frequency: int = 7
                         ) -> pd.DataFrame:
    """Mean actual vs predicted holdout purchases, grouped by calibration frequency.

    ``summary`` has frequency, recency, T, frequency_holdout, duration_holdout (the output of
    :func:`~idic.differentiate.value.clv.summary.summarize` with a holdout end). Frequencies
    above ``max_frequency`` are pooled in the last row ("7+").
    """
    _need(summary, ("frequency", "recency", "T", "frequency_holdout", "duration_holdout"))
    x, t_x, T = check_rft(summary["frequency"], summary["recency"], summary["T"])
    duration = float(np.asarray(summary["duration_holdout"], dtype=float)[0])
    pred = model.expected_purchases(duration, x, t_x, T)
    group = np.minimum(x, max_frequency).astype(int)
    df = pd.DataFrame({"frequency": group, "actual": np.asarray(summary["frequency_holdout"],
                                                                 dtype=float),
                       "predicted": pred})
    out = df.groupby("frequency").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                      predicted=("predicted", "mean")).reset_index()
    out["label"] = [f"{f}+" if f == max_frequency else str(f) for f in out["frequency"]]
    return out[["frequency", "label", "customers", "actual", "predicted"]]


def holdout_totals(model: PurchaseModel, summary: pd.DataFrame) -> dict[str, float]:
    """Total actual holdout repeat purchases and the sum of the conditional expectations."""
    _need(summary, ("frequency", "recency", "T", "frequency_holdout", "duration_holdout"))
    x, t_x, T = check_rft(summary["frequency"], summary["recency"], summary["T"])
    if len(x) == 0:
        return {"actual_repeat_transactions": 0.0, "predicted_repeat_transactions": 0.0}
    duration = float(np.asarray(summary["duration_holdout"], dtype=float)[0])
    pred = model.expected_purchases(duration, x, t_x, T)
    return {"actual_repeat_transactions": float(np.sum(summary["frequency_holdout"])),
            "predicted_repeat_transactions": float(pred.sum())}


def cumulative_tracking(model: PurchaseModel, repeat_days: Any, first_days: Any, *,
                        start_day: int, end_day: int, unit_days: float = 7.0) -> pd.DataFrame:
    """Cumulative repeat purchases per time unit: actual vs model (FHL 2005, figure 3).

    ``first_days``: day number (any origin) of each customer's first purchase;
    ``repeat_days``: day numbers of all repeat purchase occasions. The prediction for
    customer i at time t is E[X(t - first_i)] of a new customer (eq. 7), summed.
    """
    first = np.asarray(first_days, dtype=float)
    rep = np.asarray(repeat_days, dtype=float)
    steps = np.arange(start_day + unit_days, end_day + unit_days - 1e-9, unit_days)
    steps = np.minimum(steps, end_day)
    actual = np.array([(rep <= s).sum() for s in steps], dtype=float)
    firsts, counts = np.unique(first, return_counts=True)
    predicted = np.empty(len(steps))
    for i, s in enumerate(steps):
        age = np.maximum(s - firsts, 0.0) / unit_days
        predicted[i] = float(wdot(counts, model.expected_purchases_new(age)))
    return pd.DataFrame({"period": np.arange(1, len(steps) + 1), "day": steps,
                         "actual": actual, "predicted": predicted})


def alive_calibration(model: PurchaseModel, summary: pd.DataFrame, *, bins: int = 10
                      ) -> pd.DataFrame:
    """Predicted P(alive) (binned) vs the share of customers who bought in the holdout.

    A customer who buys in the holdout was alive; the share is a lower bound of the true
    alive share, so points slightly under the diagonal are expected.
    """
    _need(summary, ("frequency", "recency", "T", "frequency_holdout"))
    x, t_x, T = check_rft(summary["frequency"], summary["recency"], summary["T"])
    p = model.probability_alive(x, t_x, T)
    bought = np.asarray(summary["frequency_holdout"], dtype=float) > 0
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    df = pd.DataFrame({"bin": idx, "p_alive": p, "bought": bought})
    out = df.groupby("bin").agg(customers=("p_alive", "size"), p_alive=("p_alive", "mean"),
                                bought_in_holdout=("bought", "mean")).reset_index()
    out["bin_low"] = edges[out["bin"]]
    out["bin_high"] = edges[out["bin"] + 1]
    return out[["bin_low", "bin_high", "customers", "p_alive", "bought_in_holdout"]]


def _need(df: pd.DataFrame, cols: tuple[str, ...]) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"summary lacks columns {missing}",
                         hint="summarise with a holdout_end to validate against a holdout")
