"""A workspace: one folder holding the database, the settings and the files of one business."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from idic.config import get_settings
from idic.engine import Engine, open_engine
from idic.errors import WorkspaceError
from idic.fsperm import private_dir
from idic.schema import INGEST_LOG_SCHEMA, QUARANTINE_SCHEMA, TABLES

if TYPE_CHECKING:
    import pandas as pd

    from idic.ingest.loader import IngestResult

SETTINGS_FILE = "workspace.json"


class Workspace:
    """Open with :meth:`Workspace.open` (existing) or :meth:`Workspace.init` (new)."""

    def __init__(self, path: Path, engine: Engine, settings: dict[str, Any]) -> None:
        self.path = path
        self.engine = engine
        self.settings = settings

    # -- lifecycle ----------------------------------------------------------------------------
    @classmethod
    def init(cls, path: Path | str | None = None, *, engine: str | None = None) -> Workspace:
        """Create the workspace folder and its canonical (empty) tables; idempotent."""
        path = Path(path or get_settings().workspace)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_dir(path)  # personal data inside: the owner's only
        settings_path = path / SETTINGS_FILE
        if settings_path.exists():
            settings = json.loads(settings_path.read_text())
            if engine and settings.get("engine") != engine:
                settings["engine"] = engine
                settings_path.write_text(json.dumps(settings, indent=2))
        else:
            settings = {
                "engine": engine or get_settings().engine,
                "created_at": datetime.now(UTC).isoformat(),
                "format": 1,
            }
            settings_path.write_text(json.dumps(settings, indent=2))
        ws = cls(path, open_engine(settings["engine"], path), settings)
        ws._ensure_tables()
        return ws

    def save_settings(self, **updates: Any) -> dict[str, Any]:
        """Merge ``updates`` into ``workspace.json`` (top-level keys) and into
        :attr:`settings`; returns the settings."""
        path = self.path / SETTINGS_FILE
        data = json.loads(path.read_text()) if path.exists() else dict(self.settings)
        data.update(updates)
        path.write_text(json.dumps(data, indent=2))
        self.settings = data
        return data

    @classmethod
    def open(cls, path: Path | str | None = None, *, engine: str | None = None,
             read_only: bool = False) -> Workspace:
        """Open an existing workspace (``IDIC_WORKSPACE`` / ``./idic-workspace`` by default)."""
        path = Path(path or get_settings().workspace)
        settings_path = path / SETTINGS_FILE
        if not settings_path.exists():
            raise WorkspaceError(f"{path} is not an idic workspace (no {SETTINGS_FILE})",
                                 hint=f"create it with `idic init --workspace {path}`")
        settings = json.loads(settings_path.read_text())
        private_dir(path)
        name = engine or settings.get("engine", "duckdb")
        ws = cls(path, open_engine(name, path, read_only=read_only), settings)
        if not read_only:
            ws._ensure_tables()
        return ws

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_tables(self) -> None:
        have = set(self.engine.list_tables())
        for spec in TABLES.values():
            if spec.name not in have:
                self.engine.create_table(spec.name, schema=spec.ibis_schema(), overwrite=False)
            else:
                self._add_new_columns(spec)
        for name in ("quarantine", "ingest_warnings"):
            if name not in have:
                self.engine.create_table(name, schema=QUARANTINE_SCHEMA, overwrite=False)
        if "ingest_log" not in have:
            self.engine.create_table("ingest_log", schema=INGEST_LOG_SCHEMA, overwrite=False)

    def _add_new_columns(self, spec) -> None:
        """A canonical table made by an older idic gets the columns added since (all
        optional, so null), in schema order; done once, on open."""
        t = self.engine.table(spec.name)
        schema = spec.ibis_schema()
        missing = [c for c in schema.names if c not in t.columns]
        if not missing:
            return
        cols = {c: t[c] if c in t.columns else ibis.null(schema[c]) for c in schema.names}
        extra = [c for c in t.columns if c not in schema.names]
        self.engine.create_table(spec.name, t.select(**cols, **{c: t[c] for c in extra}))

    # -- data -----------------------------------------------------------------------------------
    def table(self, name: str) -> ir.Table:
        return self.engine.table(name)

    def to_pandas(self, table: str | ir.Table) -> pd.DataFrame:
        """A table (by name, or an Ibis expression) as a pandas DataFrame for analysis:
        money (DECIMAL, stored exact) comes as float64 so ``describe()``, plotting and
        arithmetic work; timestamps stay UTC-aware. For exact cents use ``ws.table(...)``
        (decimal.Decimal values)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        expr = self.table(table) if isinstance(table, str) else table
        data = self.engine.to_arrow(expr)
        for i, f in enumerate(data.schema):
            if pa.types.is_decimal(f.type):
                data = data.set_column(i, f.name, pc.cast(data.column(i), pa.float64()))
        return data.to_pandas()

    def tables(self) -> list[str]:
        return sorted(self.engine.list_tables())

    def counts(self) -> dict[str, int]:
        return {name: self.engine.count(name) for name in self.tables()}

    def ingest(self, kind: str, path: Path | str, *, mapping: dict[str, str] | None = None,
               source: str | None = None, fmt: str | None = None,
               delimiter: str | None = None, decimal_comma: bool = False,
               date_format: str | None = None) -> IngestResult:
        """Validate and load one file into the canonical table ``kind``.

        CSV ``delimiter`` (default: read from the header); ``decimal_comma``: numbers are
        written ``1.234,56`` (a dot is then only a thousands separator); ``date_format``:
        dates and times are written in this strftime format (e.g. ``%d/%m/%Y %H:%M``),
        ISO 8601 is still read."""
        from idic.ingest.formats import ParseOptions
        from idic.ingest.loader import ingest_file

        return ingest_file(self, kind, Path(path), mapping=mapping, source=source, fmt=fmt,
                           delimiter=delimiter,
                           options=ParseOptions(decimal_comma, date_format))

    def customer_orders(self) -> ir.Table:
        """Orders keyed by ``customer_id``: the resolved customer once ``identify`` has run,
        else ``source:source_customer_id``; amounts and margins in the reporting currency
        (:mod:`idic.money`)."""
        o = self.table("orders")
        local = (o.source + ":" + o.source_customer_id)
        if self.engine.has_table("identity_map"):
            m = self.table("identity_map")
            o = o.left_join(m, [o.source == m.source, o.source_customer_id == m.source_record_id])
            cid = ibis.coalesce(o.customer_id, o.source + ":" + o.source_customer_id)
            o = o.mutate(customer_id=cid)
        else:
            o = o.mutate(customer_id=local)
        from idic.money import convert

        return convert(self, o.select("customer_id", "order_id", "source", "ordered_at",
                                      "amount", "currency", "channel", "margin", "items"))
