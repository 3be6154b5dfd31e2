"""Small helpers shared by the value modules: as-of dates, money, exact rank scores."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from idic.errors import InputError

MONEY = dt.Decimal(38, 2)
"""Money inside value computations: exact decimals with cents (sums never lose a cent)."""

OUT_MONEY = dt.Decimal(18, 2)
"""Money in written per-customer tables (the canonical ``decimal`` of the schema)."""

AsOf = date | datetime | str | None


def input_error(message: str, *, hint: str | None = None) -> InputError:
    """An :class:`InputError` with a hint (its constructor takes no keywords: ValueError
    comes first in its bases)."""
    err = InputError(message)
    if hint is not None:
        err.hint = hint
    return err


def to_date(value: date | datetime | str, *, what: str = "as-of date") -> date:
    """Parse an ISO date (``2024-12-31``), a datetime (its UTC date) or a ``date``."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.date()
    if isinstance(value, date):
        return value
    try:
        text = str(value).strip()
        if len(text) > 10:
            return to_date(datetime.fromisoformat(text.replace("Z", "+00:00")), what=what)
        return date.fromisoformat(text)
    except ValueError:
        raise input_error(f"bad {what} {value!r}", hint="use an ISO date such as 2024-12-31") \
            from None


def resolve_as_of(orders: ir.Table, as_of: AsOf, time_col: str = "ordered_at") -> date:
    """The as-of date: the one given, else the (UTC) date of the latest order in ``orders``.

    An as-of date ``D`` includes every order placed on ``D`` (before ``D+1`` 00:00 UTC).
    """
    if as_of is not None:
        return to_date(as_of)
    last = orders[time_col].max().execute()
    if last is None or last != last:  # None, NaN or NaT: no orders
        raise input_error("there are no orders to compute customer value from",
                         hint="ingest orders first (`idic ingest orders FILE`)")
    if hasattr(last, "to_pydatetime"):
        last = last.to_pydatetime()
    return to_date(last)


def days_before(as_of: date, ts: ir.TimestampValue) -> ir.IntegerValue:
    """Whole days from the (UTC) date of ``ts`` to ``as_of`` (0 on the as-of date itself)."""
    return ibis.literal(as_of).delta(ts.date(), unit="day")


def money(x: ir.NumericValue) -> ir.DecimalValue:
    """Round to cents as an exact decimal (so every engine ranks the same values)."""
    return x.cast(MONEY)


def rank_score(order_by: list, n: ir.IntegerValue, k: int = 5) -> ir.IntegerValue:
    """``ceil(k * i / n)`` where ``i`` (1..n) is the row's rank in ``order_by``.

    ``order_by`` must end with a unique key so the rank is total (ties broken by id).
    The quotient of two integers below 2**53 is exact enough in float64 that ``ceil`` never
    lands on the wrong side of an integer (an exact integer stays exact; anything else is at
    least ``1/n`` away from one).
    """
    i = ibis.row_number().over(order_by=order_by) + 1
    return ((i * k) / n).ceil().cast("int64")


def fraction(value: float, *, what: str) -> Decimal:
    """A share in [0, 1] as an exact decimal literal (``0.8`` stays exactly 0.8)."""
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        raise input_error(f"{what} must be a number, got {value!r}") from None
    if not Decimal(0) <= d <= Decimal(1):
        raise input_error(f"{what} must be between 0 and 1, got {value}")
    return d


def dec(value: Decimal) -> ir.DecimalValue:
    """An exact decimal literal (precision/scale from its digits)."""
    _sign, digits, exp = value.as_tuple()
    scale = max(0, -int(exp))
    precision = max(len(digits), scale + 1)
    return ibis.literal(value, type=dt.Decimal(precision, scale))
