"""Choose and open an engine by name; optional backends are imported lazily."""

from __future__ import annotations

from pathlib import Path

from idic.engine.base import Engine
from idic.errors import InputError


def open_engine(name: str, workspace_dir: Path | None, *, read_only: bool = False) -> Engine:
    """Open the engine ``name`` ("duckdb" or "spark") on a workspace folder (None: in memory)."""
    if name == "duckdb":
        from idic.engine.duck import DuckDBEngine

        return DuckDBEngine(None if workspace_dir is None else workspace_dir / "idic.duckdb",
                            read_only=read_only)
    if name == "spark":
        try:
            from idic.engine.spark import SparkEngine
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise InputError(
                "the spark engine needs PySpark", hint="pip install 'idic[spark]'"
            ) from exc
        return SparkEngine(workspace_dir)
    raise InputError(f"unknown engine {name!r}; expected 'duckdb' or 'spark'")
