"""Numbers as text inside the engine (Ibis, portable to DuckDB and Spark), for the reasons
next best action writes per customer: ``1,240`` (thousands separators), ``0.050``, ``-2.00``.

Python's ``f"{x:,.2f}"`` has no portable SQL twin (DuckDB's ``format`` and Spark's
``format_number`` differ), so the digits are assembled from integer arithmetic: the value is
rounded half away from zero to ``d`` decimals (Python rounds exact binary ties to even: the
two differ only on such ties, e.g. 117.5 -> ``118`` here and in Python, 116.5 -> ``117``
here, ``116`` in Python). Values are clipped to +-9.99e14 (no overflow of 64-bit integers)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

_CLIP = 9.99e14


def _digits(v: ir.IntegerValue, width: int) -> ir.StringValue:
    """``v`` (0 <= v < 10**width) with leading zeros to ``width`` digits."""
    return (v + 10 ** width).cast("string").right(width)


def grouped(n: ir.IntegerValue) -> ir.StringValue:
    """A non-negative integer below 10^15 with a comma every three digits: all five groups
    zero-padded, the leading zeros and commas cut, the last digit always kept (so 0 is
    ``0``). Each group refers to ``n`` once: no CASE that repeats it."""
    k = 1_000
    groups = [_digits((n // k ** i) % k, 3) for i in (4, 3, 2, 1)]
    lead = groups[0]
    for g in groups[1:]:
        lead = lead + "," + g
    lead = lead + "," + _digits((n % k) // 10, 2)
    return lead.re_replace("^[0,]+", "") + (n % 10).cast("string")


def fixed(x: ir.NumericValue, decimals: int = 0, *, grouping: bool = True) -> ir.StringValue:
    """``x`` with ``decimals`` decimals, as Python's ``f"{x:,.{decimals}f}"`` (or without
    the comma when ``grouping`` is false). NULL stays NULL."""
    x = x.cast("float64")
    scale = 10 ** decimals
    n = (x.abs().clip(upper=_CLIP) * scale).round(0).cast("int64")
    whole = n // scale if decimals else n
    s = grouped(whole) if grouping else whole.cast("string")
    if decimals:
        s = s + "." + _digits(n % scale, decimals)
    return ibis.ifelse((x < 0) & (n > 0), "-" + s, s)


def money(x: ir.NumericValue, currency: str = "") -> ir.StringValue:
    """As :func:`idic.customize.nba.decide.money`: whole units with separators (+ currency)."""
    s = fixed(x, 0)
    return s + f" {currency}" if currency else s
