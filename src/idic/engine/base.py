"""Backend-neutral engine interface (Splink's ``DatabaseAPI`` idea: few methods per backend)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from idic.errors import NotFoundError

TableLike = ir.Table | pa.Table | pd.DataFrame


class Engine(ABC):
    """Tables in, tables out. Implementations: :mod:`idic.engine.duck`, :mod:`idic.engine.spark`."""

    name: str
    con: Any

    # -- catalogue -------------------------------------------------------------------------
    @abstractmethod
    def list_tables(self) -> list[str]: ...

    def has_table(self, name: str) -> bool:
        return name in self.list_tables()

    @abstractmethod
    def _table(self, name: str) -> ir.Table: ...

    def table(self, name: str) -> ir.Table:
        """The Ibis table ``name``; :class:`NotFoundError` if the workspace has none."""
        if not self.has_table(name):
            raise self._not_found(name)
        return self._table(name)

    @staticmethod
    def _not_found(name: str) -> NotFoundError:
        return NotFoundError(
            f"table {name!r} does not exist in this workspace",
            hint="run `idic status` to list tables, or the stage that builds it",
        )

    # -- writes ----------------------------------------------------------------------------
    @abstractmethod
    def create_table(self, name: str, obj: TableLike | None = None, *,
                     schema: ibis.Schema | None = None, overwrite: bool = True) -> None:
        """Create (or replace) ``name`` from an expression, Arrow table or empty ``schema``."""

    def create_work_table(self, name: str, obj: TableLike) -> None:
        """Create (or replace) a scratch table used within one run and dropped with
        :meth:`drop_table`; engines may keep it out of the workspace's storage."""
        self.create_table(name, obj)

    @abstractmethod
    def append(self, name: str, obj: TableLike) -> None:
        """Append rows to an existing table (Arrow batches; never row-by-row)."""

    @abstractmethod
    def delete_where(self, name: str, predicate: Callable[[ir.Table], ir.BooleanValue]) -> int:
        """Delete the rows of ``name`` matching ``predicate``; returns the number removed."""

    def update_where(self, name: str, predicate: Callable[[ir.Table], ir.BooleanValue],
                     assign: Callable[[ir.Table], dict[str, ir.Value]]) -> int:
        """Set columns of the rows of ``name`` matching ``predicate`` to the expressions
        ``assign(t)`` gives (evaluated on the old row); returns the number of rows changed.
        Portable default: rewrite the table."""
        t = self.table(name)
        cond = predicate(t).fill_null(False)
        n = int(t.filter(cond).count().execute())
        if n:
            new = assign(t)
            self.create_table(name, t.mutate(**{c: ibis.ifelse(cond, v.cast(t[c].type()), t[c])
                                                for c, v in new.items()}))
        return n

    #: how a regular-expression replacement refers to capture group 1 (``\\1`` or ``$1``)
    regex_group_ref: str = "$"

    def regex_group(self, n: int) -> str:
        """Capture group ``n`` in the replacement text of ``re_replace`` on this backend."""
        return f"{self.regex_group_ref}{n}"

    def drop_table(self, name: str) -> None:
        if self.has_table(name):
            self.con.drop_table(name)

    @abstractmethod
    def stage(self, expr: ir.Table, name: str, *, line_start: int | None = None) -> ir.Table:
        """Materialise ``expr`` as a temporary table (dropped by :meth:`unstage`).

        With ``line_start``, a column ``_line`` numbers the rows in their input order from it.
        """

    @abstractmethod
    def unstage(self, name: str) -> None: ...

    @abstractmethod
    def from_arrow(self, data: pa.Table, name: str) -> ir.Table:
        """Expose an in-memory Arrow table to queries as ``name`` (until :meth:`unstage`)."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing block. Backends without transactions stage writes instead."""
        yield

    # -- reads -----------------------------------------------------------------------------
    def to_arrow(self, expr: ir.Table) -> pa.Table:
        return expr.to_pyarrow()

    def to_pandas(self, expr: ir.Table) -> pd.DataFrame:
        return expr.execute()

    def export(self, expr: ir.Table, path: Path) -> int:
        """Write ``expr`` to ``path`` (.csv or .parquet); returns the number of rows."""
        df = self.to_arrow(expr)
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(df, path)
        else:
            import pyarrow.csv as pcsv

            pcsv.write_csv(df, path)
        return df.num_rows

    def count(self, name: str) -> int:
        return int(self.table(name).count().execute())

    @abstractmethod
    def read_file(self, path: Path, fmt: str, *, delimiter: str | None = None) -> ir.Table:
        """Stage a CSV / Parquet / JSON-lines file with every column as text (for validation).

        CSV: RFC 4180 quoting; ``delimiter`` None reads it from the header
        (:mod:`idic.engine.csv_dialect`)."""

    def release_file(self, staged: ir.Table) -> None:
        """Let go of what :meth:`read_file` set up for ``staged`` (nothing by default)."""
        return None

    def map_batches(self, expr: ir.Table, fn: Callable[[pa.RecordBatch], pa.RecordBatch],
                    batch_size: int = 1_000_000) -> pa.Table:
        """Apply a NumPy/Arrow function batch by batch and gather the result.

        The escape hatch for numeric models: scoring code stays one NumPy function.
        """
        reader = expr.to_pyarrow_batches(chunk_size=batch_size)
        out = [fn(batch) for batch in reader]
        if not out:
            return pa.Table.from_batches([], schema=fn(pa.RecordBatch.from_pylist(
                [], schema=expr.schema().to_pyarrow())).schema)
        return pa.Table.from_batches(out)

    def connected_components(self, nodes: ir.Table, edges: ir.Table,
                             name: str) -> ir.Table | None:
        """Native connected components, if the engine has them: work table ``name`` with
        (node, label), ``label`` the smallest node of the component, for every node of
        ``nodes`` (column ``node``) and every end of ``edges`` (``a``, ``b``). ``None``:
        not available, the caller runs the portable Ibis algorithm
        (``idic.identify.graph.connected_components``)."""
        return None

    def close(self) -> None:
        """Release the backend's resources (nothing to release by default)."""
        return None
