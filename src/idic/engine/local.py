"""One plain file (CSV, Parquet, JSON lines) on an in-memory DuckDB engine: what the file
commands (`idic value rfm FILE`, `idic voice nps FILE`, `idic experiment analyze FILE`, ...)
read, with one clear error for a missing, unknown or unreadable file."""

from __future__ import annotations

from pathlib import Path

import ibis.expr.types as ir

from idic.engine.base import Engine
from idic.errors import InputError

#: file suffix -> reader format
LOCAL_FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet",
                 ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def open_local_file(path: Path | str) -> tuple[Engine, ir.Table]:
    """An in-memory DuckDB engine and the file staged on it (close the engine when done)."""
    from idic.engine import open_engine

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    fmt = LOCAL_FORMATS.get(path.suffix.lower())
    if fmt is None:
        err = InputError(f"{path}: unknown file type {path.suffix!r}")
        err.hint = "use .csv, .parquet or .jsonl"
        raise err
    eng = open_engine("duckdb", None)
    try:
        return eng, eng.read_file(path, fmt)
    except Exception as exc:  # the reader's own message is the useful one
        eng.close()
        raise InputError(f"{path}: cannot read the file: {str(exc).splitlines()[0]}") from None
