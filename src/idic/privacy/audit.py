"""Append-only audit log: who (key id, role) read or changed what, when.

Stored in the table ``audit_log``; nothing in idic updates or deletes its rows (erasure
included: entries never hold raw personal data, only customer ids or keyed hashes of
identifiers, so there is nothing to erase).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import ibis
import pyarrow as pa

AUDIT_TABLE = "audit_log"
AUDIT_SCHEMA = pa.schema([
    ("at", pa.timestamp("us", tz="UTC")), ("key_id", pa.string()), ("role", pa.string()),
    ("action", pa.string()), ("method", pa.string()), ("route", pa.string()),
    ("target", pa.string()), ("status", pa.int64()), ("detail", pa.string()),
])


def entry(action: str, *, key_id: str | None, role: str | None, method: str = "CLI",
          route: str = "", target: str | None = None, status: int = 0,
          detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"at": datetime.now(UTC), "key_id": key_id, "role": role, "action": action,
            "method": method, "route": route, "target": target, "status": status,
            "detail": json.dumps(detail, default=str) if detail else None}


def record_cli(ws, action: str, target: str | None, detail: dict[str, Any]) -> None:
    """Audit a CLI command (the role is ``cli:<os user>``: the CLI has no API key)."""
    import getpass

    append(ws, [entry(action, key_id=None, role=f"cli:{getpass.getuser()}", target=target,
                      detail=detail)])


def ensure_table(ws) -> None:
    if not ws.engine.has_table(AUDIT_TABLE):
        ws.engine.create_table(AUDIT_TABLE, AUDIT_SCHEMA.empty_table(), overwrite=False)


def append(ws, entries: list[dict[str, Any]]) -> int:
    if not entries:
        return 0
    ensure_table(ws)
    ws.engine.append(AUDIT_TABLE, pa.Table.from_pylist(entries, schema=AUDIT_SCHEMA))
    return len(entries)


def read(ws, *, limit: int = 100, offset: int = 0, action: str | None = None,
         key_id: str | None = None) -> list[dict[str, Any]]:
    if not ws.engine.has_table(AUDIT_TABLE):
        return []
    t = ws.table(AUDIT_TABLE)
    if action:
        t = t.filter(t.action == action)
    if key_id:
        t = t.filter(t.key_id == key_id)
    t = t.order_by(ibis.desc("at")).limit(limit, offset=offset)
    rows = t.to_pyarrow().to_pylist()
    for r in rows:
        r["at"] = r["at"].isoformat()
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
    return rows


class AuditBuffer:
    """The server's buffer: entries are appended by the flusher with the next unit of work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []

    def add(self, e: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(e)

    def drain(self) -> list[dict[str, Any]]:
        with self._lock:
            items, self._items = self._items, []
        return items

    def __len__(self) -> int:
        return len(self._items)
