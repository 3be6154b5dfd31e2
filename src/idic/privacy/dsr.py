"""Data-subject rights: access / portability (GDPR arts. 15, 20) and erasure (art. 17)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from idic.errors import InputError
from idic.privacy import tombstones
from idic.privacy.consent import current_consents
from idic.privacy.files import sweep_files
from idic.privacy.subject import Subject, person_tables, predicate, resolve


def _subject(ws, ident: dict[str, Any]) -> Subject:
    ident = {k: v for k, v in ident.items() if v}
    if not ident:
        raise InputError("name the data subject: email, phone, customer_id, or source and "
                         "source_record_id")
    if ("source" in ident) != ("source_record_id" in ident) and not (
            {"email", "phone", "customer_id"} & ident.keys()):
        raise InputError("source and source_record_id go together")
    return resolve(ws, **ident)


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, bytes):
        return v.hex()
    return v


def export_subject(ws, **ident: Any) -> dict[str, Any]:
    """Everything held on the person, per table (raw and derived), as JSON-ready dicts."""
    s = _subject(ws, ident)
    tables: dict[str, list[dict[str, Any]]] = {}
    for name in person_tables(ws):
        t = ws.table(name)
        p = predicate(t, s)
        if p is None:
            continue
        rows = ws.engine.to_arrow(t.filter(p)).to_pylist()
        if rows:
            tables[name] = [{k: _jsonable(v) for k, v in r.items()} for r in rows]
    consents = []
    if s.keys:
        c = current_consents(ws)
        if c is not None:
            hit = c.filter(c.customer_id.isin(sorted(s.keys)))
            consents = [{k: _jsonable(v) for k, v in r.items()}
                        for r in ws.engine.to_arrow(hit).to_pylist()]
    return {"exported_at": datetime.now(UTC).isoformat(),
            "subject": {"customer_ids": sorted(s.customer_ids),
                        "records": [{"source": a, "source_record_id": b}
                                    for a, b in sorted(s.records)],
                        "emails": sorted(s.emails), "phones": sorted(s.phones)},
            "consents_current": consents,
            "tables": tables,
            "counts": {k: len(v) for k, v in tables.items()}}


def erase_subject(ws, *, files: bool = True, **ident: Any) -> dict[str, Any]:
    """Remove the person from every table and file; keep hashed tombstones; return a receipt.

    The receipt lists rows removed per table and per file, and no personal data.
    """
    s = _subject(ws, ident)
    request_id = "er_" + uuid.uuid4().hex[:16]
    removed: dict[str, int] = {}
    with ws.engine.transaction():
        for name in person_tables(ws):
            t = ws.table(name)
            if predicate(t, s) is None:
                continue
            n = ws.engine.delete_where(name, lambda t: predicate(t, s))
            if n:
                removed[name] = n
        n_tomb = tombstones.add(ws, s.tombstone_items(), request_id)
    file_rows = sweep_files(Path(ws.path), s) if files else {}
    if hasattr(ws.engine, "raw"):
        ws.engine.raw.execute("CHECKPOINT")
    return {"request_id": request_id, "erased_at": datetime.now(UTC).isoformat(),
            "subject": s.summary(), "tables": removed, "files": file_rows,
            "tombstones": n_tomb, "rows_removed": sum(removed.values()) + sum(file_rows.values())}


def compact(path: Path) -> None:
    """Rewrite the DuckDB file so freed blocks holding erased rows are gone for good.

    Needs the file closed by everyone (the CLI holds the request marker while it runs).
    """
    import duckdb

    db = Path(path) / "idic.duckdb"
    if not db.exists():
        return
    fresh = db.with_name("idic.compact.duckdb")
    fresh.unlink(missing_ok=True)
    import time

    deadline = time.monotonic() + 60
    while True:  # another process may hold the file for a moment: wait, don't fail
        try:
            con = duckdb.connect(str(db))
            break
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        con.execute("CHECKPOINT")
        name = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f"ATTACH '{fresh}' AS idic_fresh")
        con.execute(f'COPY FROM DATABASE "{name}" TO idic_fresh')
        con.execute("DETACH idic_fresh")
    finally:
        con.close()
    os.replace(fresh, db)
    Path(str(db) + ".wal").unlink(missing_ok=True)
