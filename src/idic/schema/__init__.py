"""Canonical tables of idic (DESIGN.md section 4)."""

from idic.schema.tables import (
    INGEST_LOG_SCHEMA,
    QUARANTINE_SCHEMA,
    TABLES,
    Column,
    TableSpec,
)

__all__ = ["INGEST_LOG_SCHEMA", "QUARANTINE_SCHEMA", "TABLES", "Column", "TableSpec"]
