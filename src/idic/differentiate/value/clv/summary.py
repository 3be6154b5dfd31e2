"""The RFM-type summary the buy-till-you-die models need, computed in the engine (Ibis).

Per customer, from a transactions table (customer, timestamp, amount):

- ``frequency`` x: number of *repeat* purchase occasions in the calibration period;
- ``recency`` t_x: time from the first to the last purchase occasion;
- ``T``: time from the first purchase occasion to the end of the calibration period;
- ``monetary_value``: mean amount of the repeat occasions (0 when x = 0) — the convention of
  lifetimes' ``summary_data_from_transaction_data`` and of the Gamma-Gamma papers;
- with a holdout end: ``frequency_holdout`` (occasions in the holdout period),
  ``spend_holdout`` (their total amount) and ``duration_holdout``.

An *occasion* is a calendar day (UTC) when ``merge_same_day`` is on (the default: several
orders on one day count as one purchase of their summed amount, as in the CDNOW papers), else
one distinct timestamp. Times are in the ``time_unit``: ``D`` days, ``W`` weeks (days/7),
``M`` average months (days / 30.4375; not calendar months).

Period boundaries: the calibration period holds the occasions on or before the calibration
end date (the whole day); the holdout period those after it, up to and including the
holdout end date. With day occasions T runs to the calibration end date (lifetimes'
convention, so a customer whose first purchase is on that day has T = 0); with timestamp
occasions T runs to the end of that day.

Portable Ibis only (no ordered collects, no window frames, no ``mode``): it runs unchanged on
DuckDB and Spark.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from idic.errors import InputError

UNIT_DAYS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


def unit_days(time_unit: str) -> float:
    """Length of one model time unit in days."""
    try:
        return UNIT_DAYS[time_unit.upper()]
    except (KeyError, AttributeError):
        raise InputError(f"unknown time unit {time_unit!r}; expected D, W or M") from None


def to_date(value: Any, name: str) -> date:
    """A date from a date, datetime or ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"{name}: not a date: {value!r}", hint="use YYYY-MM-DD") from None


def _epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def summarize(
    transactions: ir.Table,
    *,
    customer_col: str = "customer_id",
    time_col: str = "ordered_at",
    amount_col: str | None = "amount",
    calibration_end: Any = None,
    holdout_end: Any = None,
    time_unit: str = "W",
    merge_same_day: bool = True,
) -> ir.Table:
    """Per-customer frequency / recency / T / monetary value (and holdout) as an Ibis table.

    ``calibration_end`` defaults to the date of the last transaction. Customers whose first
    purchase falls after the calibration end are not in the result.
    """
    scale = unit_days(time_unit)
    for col in (customer_col, time_col, *( [amount_col] if amount_col else [])):
        if col not in transactions.columns:
            raise InputError(f"transactions have no column {col!r}",
                             hint=f"columns are: {', '.join(transactions.columns)}")
    ts = transactions[time_col]
    if not ts.type().is_timestamp():
        ts = ts.cast("timestamp")
    amt = (transactions[amount_col].cast("float64") if amount_col
           else ibis.literal(0.0, type="float64"))
    base = transactions.select(
        customer_id=transactions[customer_col].cast("string"),
        _day=ts.date(),
        _at=ts.epoch_seconds().cast("float64") / 86400.0,
        _amount=amt,
    ).filter(lambda t: t.customer_id.notnull() & t._at.notnull())

    if calibration_end is None:
        cal_end = base._day.max().to_pyarrow().as_py()
        if cal_end is None:
            raise InputError("no transactions to summarise")
    cal_end = to_date(calibration_end, "calibration_end") if calibration_end is not None \
        else to_date(cal_end, "calibration_end")
    cal_lit = ibis.date(cal_end.isoformat())
    if merge_same_day:
        occ_key = base._day.epoch_seconds().cast("float64") / 86400.0
        end_at = float(_epoch_day(cal_end))
    else:
        occ_key = base._at
        end_at = float(_epoch_day(cal_end + timedelta(days=1)))
    base = base.mutate(_occ=occ_key)

    def occasions(t: ir.Table) -> ir.Table:
        return t.group_by(["customer_id", "_occ"]).agg(_amount=t._amount.sum())

    cal = occasions(base.filter(base._day <= cal_lit))
    per = cal.group_by("customer_id").agg(
        _first=cal._occ.min(), _last=cal._occ.max(), _n=cal.count(), _total=cal._amount.sum()
    )
    firsts = cal.join(per, [cal.customer_id == per.customer_id, cal._occ == per._first])
    first_amt = firsts.group_by(cal.customer_id).agg(_first_amount=firsts._amount.sum())
    summ = per.join(first_amt, "customer_id")
    repeat = summ._n - 1
    summ = summ.select(
        "customer_id",
        frequency=repeat.cast("int64"),
        recency=(summ._last - summ._first) / scale,
        T=(ibis.literal(end_at) - summ._first) / scale,
        monetary_value=ibis.ifelse(
            repeat > 0, (summ._total - summ._first_amount) / repeat.cast("float64"), 0.0
        ),
    )
    if holdout_end is None:
        return summ
    hold_end = to_date(holdout_end, "holdout_end")
    if hold_end <= cal_end:
        raise InputError(f"holdout_end {hold_end} must be after calibration_end {cal_end}")
    hold = occasions(base.filter((base._day > cal_lit) & (base._day <= ibis.date(
        hold_end.isoformat()))))
    hagg = hold.group_by("customer_id").agg(_hn=hold.count(), _hs=hold._amount.sum())
    out = summ.left_join(hagg, summ.customer_id == hagg.customer_id)
    return out.select(
        summ.customer_id, "frequency", "recency", "T", "monetary_value",
        frequency_holdout=out._hn.fill_null(0).cast("int64"),
        spend_holdout=out._hs.fill_null(0.0),
        duration_holdout=ibis.literal((hold_end - cal_end).days / scale),
    )


def summarize_arrays(summary: ir.Table | Any) -> dict[str, Any]:
    """Materialise a summary (Ibis table or pandas frame) as NumPy arrays, sorted by id."""
    import numpy as np

    df = summary.to_pandas() if isinstance(summary, ir.Table) else summary
    df = df.sort_values("customer_id", kind="stable").reset_index(drop=True)
    out = {"customer_id": df["customer_id"].astype(str).to_numpy()}
    for c in df.columns:
        if c != "customer_id":
            out[c] = np.asarray(df[c], dtype=float)
    return out
