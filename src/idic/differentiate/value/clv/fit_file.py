"""Fit a CLV model on a transactions file (the service behind ``idic clv fit``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from idic.differentiate.value.clv import MODELS
from idic.differentiate.value.clv.summary import summarize, to_date, unit_days
from idic.differentiate.value.clv.validation import holdout_totals
from idic.errors import InputError


def read_transactions(path: Path, *, customer_col: str, date_col: str,
                      amount_col: str | None, date_format: str | None = None) -> Any:
    """Stage a CSV / Parquet file in an in-memory engine as (customer, timestamp, amount)."""
    from idic.engine.duck import DuckDBEngine

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    fmt = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    t = DuckDBEngine(None).read_file(path, fmt)
    for col in (customer_col, date_col, *([amount_col] if amount_col else [])):
        if col not in t.columns:
            raise InputError(f"{path}: no column {col!r}",
                             hint=f"columns are: {', '.join(t.columns)}")
    d = t[date_col]
    if d.type().is_string():
        d = d.as_timestamp(date_format) if date_format else d.cast("timestamp")
    elif not d.type().is_timestamp():
        d = d.cast("timestamp")
    cols = {"customer_id": t[customer_col].cast("string"), "ordered_at": d}
    if amount_col:
        cols["amount"] = t[amount_col].cast("float64")
    return t.select(**cols)


def renewals(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, calibration_end: date,
             time_unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Contractual reading of a day-occasion summary for the sBG: ``(periods, churned)``.

    Every purchase is a period payment, one period being one time unit (a calendar month
    for ``M``). A subscriber whose next renewal (one period after her last payment) fell
    due **on or before** the calibration end and was not paid has churned after x + 1
    periods (she paid x + 1 times); the others are active after x periods. A renewal due on
    the calibration end itself counts: with the calibration end on the last renewal date of
    a cohort, this gives exactly Fader & Hardie's (2007) survivor counts.
    """
    days = unit_days(time_unit)
    gap = np.rint((T - t_x) * days).astype("int64")  # whole days from last payment to the end
    if time_unit.upper() == "M":
        end = pd.Timestamp(calibration_end)
        last = end - pd.to_timedelta(gap, unit="D")
        due = pd.DatetimeIndex(last) + pd.DateOffset(months=1)
        churned = np.asarray(due <= end)
    else:
        churned = gap >= round(days)
    return np.where(churned, x + 1, x), churned


def fit_file(path: Path, *, customer_col: str, date_col: str, amount_col: str | None,
             calibration_end: Any, holdout_end: Any = None, time_unit: str = "W",
             model: str = "bgnbd", date_format: str | None = None) -> dict[str, Any]:
    """The contract of ``idic clv fit``: {"model", "params", "log_likelihood",
    "n_customers"[, "holdout"]}."""
    if model not in MODELS:
        raise InputError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    unit_days(time_unit)
    if model == "gammagamma" and not amount_col:
        raise InputError("the gammagamma model needs --amount-col")
    to_date(calibration_end, "--calibration-end")
    tx = read_transactions(path, customer_col=customer_col, date_col=date_col,
                           amount_col=amount_col, date_format=date_format)
    try:
        summ = summarize(tx, amount_col="amount" if amount_col else None,
                         calibration_end=calibration_end, holdout_end=holdout_end,
                         time_unit=time_unit).to_pandas()
    except Exception as exc:  # a date that does not parse surfaces here
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: cannot summarise the transactions: "
                         f"{str(exc).splitlines()[0]}",
                         hint="check --date-col / --date-format (e.g. %Y%m%d)") from exc
    if summ.empty:
        raise InputError("no customers with a purchase on or before the calibration end")
    summ = summ.sort_values("customer_id", kind="stable").reset_index(drop=True)
    x = summ["frequency"].to_numpy(float)
    t_x = summ["recency"].to_numpy(float)
    T = summ["T"].to_numpy(float)
    result: dict[str, Any] = {"model": model}
    m = MODELS[model]()
    if model in ("bgnbd", "paretonbd"):
        m.fit(x, t_x, T)
    elif model == "gammagamma":
        m.fit(x, summ["monetary_value"].to_numpy(float))
    else:  # sbg: every purchase is a period payment; a missed renewal means churn
        periods, churned = renewals(x, t_x, T, to_date(calibration_end, "--calibration-end"),
                                    time_unit)
        keep = ~((~churned) & (periods < 1))
        m.fit(periods[keep], churned[keep])
    result.update(params=m.params_, log_likelihood=m.log_likelihood_,
                  n_customers=m.n_customers_, standard_errors=m.standard_errors_,
                  time_unit=time_unit.upper())
    if model == "gammagamma":
        result["n_excluded"] = m.n_excluded_
    if holdout_end is not None:
        if model in ("bgnbd", "paretonbd"):
            result["holdout"] = holdout_totals(m, summ)
        else:
            result["holdout"] = {
                "actual_repeat_transactions": float(summ["frequency_holdout"].sum()),
                "predicted_repeat_transactions": None,
            }
    return result
