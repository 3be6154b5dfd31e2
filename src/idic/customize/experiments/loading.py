"""Reading per-unit data for experiments: a results file (CSV, Parquet, JSON lines) on an
in-memory engine, numbers parsed by the engine, and errors that name the file, the row and
the column. The checks that ride on the aggregate scan are in
:mod:`idic.customize.experiments.analysis`; the functions here are the slow, exact path
taken only when that scan saw something wrong, and the column reader used by uplift."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from idic.engine.base import Engine
from idic.engine.text import trim
from idic.errors import InputError


def open_results(path: Path) -> tuple[Engine, ir.Table]:
    """An in-memory DuckDB engine and the results file (CSV, Parquet, JSON lines) on it."""
    from idic.engine.local import open_local_file

    return open_local_file(path)


def number(col: ir.Value) -> ir.FloatingValue:
    """A column as float64: numbers as they are, text parsed (blank or junk -> NULL)."""
    if col.type().is_numeric() or col.type().is_boolean():
        return col.cast("float64")
    return col.cast("string").try_cast("float64")  # DuckDB and Spark trim white space


def bad(x: ir.FloatingValue) -> ir.BooleanValue:
    return x.isnull() | x.isnan() | x.isinf()


def check_columns(t: ir.Table, source: str, cols: Sequence[str | None]) -> None:
    from idic.suggest import unknown_name

    for c in cols:
        if c is not None and c not in t.columns:
            raise unknown_name("column", c, t.columns, given_in=source)


def first_bad(eng: Engine, t: ir.Table, source: str, variant: str,
               numeric: Sequence[str]) -> InputError:
    """The error naming the first bad row and column (the slow path, only on bad input)."""
    cols: dict[str, Any] = {"_v": t[variant].cast("string")}
    for i, c in enumerate(numeric):
        cols[f"_x{i}"] = number(t[c])
        cols[f"_t{i}"] = t[c].cast("string")
    staged = eng.stage(t.select(**cols), "_idic_experiment_check", line_start=1)
    try:
        checks = [(staged._v.isnull() | (trim(staged._v) == ""), variant, "_v",
                   "has no variant")]
        checks += [(bad(staged[f"_x{i}"]), c, f"_t{i}", "is not a number")
                   for i, c in enumerate(numeric)]
        for cond, col, raw, what in checks:
            hit = staged.filter(cond).order_by("_line").limit(1).to_pyarrow().to_pylist()
            if hit:
                n_bad = int(staged.filter(cond).count().to_pyarrow().as_py())
                value = hit[0][raw]
                return InputError(
                    f"{source}: row {hit[0]['_line']}, column {col!r}: "
                    f"{'empty' if value is None or str(value).strip() == '' else repr(value)}"
                    f" {what}" + (f" ({n_bad:,} bad rows in all)" if n_bad > 1 else ""),
                    hint="every unit needs a variant and a number (write 0 for a unit "
                         "with no conversion or no revenue)")
    finally:
        eng.unstage("_idic_experiment_check")
    return InputError(f"{source}: the numbers are too large to add up (the sums overflow)")


def read_columns(eng: Engine, t: ir.Table, cols: Sequence[str], *, source: str = "input",
                 binary: Sequence[str] = ()) -> dict[str, Any]:
    """The columns ``cols`` as float64 NumPy arrays, every cell checked: a blank or
    non-numeric cell, or a value other than 0/1 in a ``binary`` column, raises an
    :class:`InputError` naming its row and column."""
    check_columns(t, source, cols)
    sel: dict[str, Any] = {}
    for i, c in enumerate(cols):
        sel[f"_x{i}"] = number(t[c])
        sel[f"_t{i}"] = t[c].cast("string")
    try:
        staged = eng.stage(t.select(**sel), "_idic_columns", line_start=1)
        for i, c in enumerate(cols):
            x = staged[f"_x{i}"]
            cond = bad(x)
            what = "is not a number"
            if c in binary:
                cond = cond | ((x != 0) & (x != 1))
                what = "is not 0 or 1"
            hit = staged.filter(cond).order_by("_line").limit(1).to_pyarrow().to_pylist()
            if hit:
                value = hit[0][f"_t{i}"]
                n_bad = int(staged.filter(cond).count().to_pyarrow().as_py())
                raise InputError(
                    f"{source}: row {hit[0]['_line']}, column {c!r}: "
                    f"{'empty' if value is None or str(value).strip() == '' else repr(value)}"
                    f" {what}" + (f" ({n_bad:,} bad rows in all)" if n_bad > 1 else ""))
        data = staged.select(*[f"_x{i}" for i in range(len(cols))]).to_pyarrow()
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{source}: cannot read the data: {str(exc).splitlines()[0]}"
                         ) from None
    finally:
        eng.unstage("_idic_columns")
    if data.num_rows == 0:
        raise InputError(f"{source}: no rows")
    return {c: data.column(i).to_numpy() for i, c in enumerate(cols)}
