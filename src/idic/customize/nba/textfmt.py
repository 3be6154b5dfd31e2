"""Numbers as text inside the engine, for the reasons next best action writes per customer:
``1,240`` (thousands separators), ``0.050``, ``-2.00``.

Both engines have ``printf`` with C/Java format strings (DuckDB: the fmt library's printf;
Spark: ``printf``, Java's ``Formatter``), and both read ``%,.2f`` as "two decimals, a comma
every three digits": one Ibis builtin function call, compiled by name on either backend.
Rounding of exact binary ties: DuckDB rounds half to even like Python (60.5 -> ``60``), Java
half up (``61``)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


@ibis.udf.scalar.builtin(name="printf")
def _printf(fmt: str, x: float) -> str:  # type: ignore[empty-body]
    """The engine's own ``printf`` (DuckDB and Spark SQL)."""


def fixed(x: ir.NumericValue, decimals: int = 0, *, grouping: bool = True) -> ir.StringValue:
    """``x`` with ``decimals`` decimals, as Python's ``f"{x:,.{decimals}f}"`` (or without
    the comma when ``grouping`` is false). NULL stays NULL."""
    if not 0 <= decimals <= 9:
        raise ValueError(f"decimals must be 0-9, got {decimals}")
    fmt = f"%{',' if grouping else ''}.{decimals}f"
    return _printf(fmt, x.cast("float64"))


def money(x: ir.NumericValue, currency: str = "") -> ir.StringValue:
    """As :func:`idic.customize.nba.decide.money`: whole units with separators (+ currency)."""
    s = fixed(x, 0)
    return s + f" {currency}" if currency else s
