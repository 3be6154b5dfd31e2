"""Data-subject rights: access / portability (GDPR arts. 15, 20) and erasure (art. 17)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis

from idic.errors import NotFoundError
from idic.privacy import identifiers, mentions, tombstones
from idic.privacy.consent import current_consents
from idic.privacy.files import sweep_files
from idic.privacy.subject import (
    Subject,
    mentioned,
    owned,
    party_columns,
    person_tables,
    resolve,
    text_columns,
    unlinked,
)

OTHER_PERSON = "[another person]"


def subject(ws, ident: dict[str, Any]) -> Subject:
    """The subject named by ``ident`` (validated and normalised first: InputError if not)."""
    return resolve(ws, **identifiers.validate(ident))


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, bytes):
        return v.hex()
    return v


def _not_found(ws, ident: dict[str, Any]) -> NotFoundError:
    norm = identifiers.validate(ident)
    gone = tombstones.erased_before(ws, norm)
    hint = (f"already erased (request {gone})" if gone else
            "check the spelling; people are matched on the exact identifier "
            "(`idic privacy export` shows what is held)")
    return NotFoundError("no data held on this person in the workspace", hint=hint)


def _plan_table(ws, name: str, s: Subject) -> dict[str, int]:
    """Rows of ``name`` to delete, to unlink (their side of a link cleared), to redact: one
    pass over the table."""
    t = ws.table(name)
    own = owned(t, s, name=name)
    other = ~own if own is not None else ibis.literal(True)
    sides = unlinked(t, s)
    men = mentioned(t, s)
    aggs = {}
    if own is not None:
        aggs["delete"] = own.cast("int64").sum()
    if sides:
        aggs["unlink"] = (other & ibis.or_(*sides.values())).cast("int64").sum()
    if men is not None:
        aggs["redact"] = (other & men).cast("int64").sum()
    if not aggs:
        return {}
    row = ws.engine.to_arrow(t.aggregate(**aggs)).to_pylist()[0]
    return {k: int(v) for k, v in row.items() if v}


def _apply_table(ws, name: str, s: Subject, plan: dict[str, int]) -> None:
    eng = ws.engine
    if plan.get("delete"):
        eng.delete_where(name, lambda t: owned(t, s, name=name))
    if plan.get("unlink"):
        for c in party_columns(ws.table(name)):
            eng.update_where(name, lambda t, c=c: unlinked(t, s)[c],
                             lambda t, c=c: {c: ibis.null(t[c].type())})
    if plan.get("redact"):
        pat = s.text_pattern()
        assert pat is not None
        group = eng.regex_group_ref
        eng.update_where(name, lambda t: mentioned(t, s),
                         lambda t: {c: mentions.redact(t[c], pat, group)
                                    for c in text_columns(t)})


def _plan(ws, s: Subject) -> dict[str, dict[str, int]]:
    plan = {}
    for name in person_tables(ws):
        p = _plan_table(ws, name, s)
        if p:
            plan[name] = p
    return plan


def export_subject(ws, **ident: Any) -> dict[str, Any]:
    """Everything held on the person, per table (raw and derived), as JSON-ready dicts.

    Their own rows whole; rows linking them to someone else with the other side replaced by
    ``[another person]``; other people's rows that mention them: only the mentioning
    columns. :class:`NotFoundError` when nothing is held.
    """
    s = subject(ws, ident)
    tables: dict[str, list[dict[str, Any]]] = {}
    mentions_out: dict[str, list[dict[str, Any]]] = {}
    for name in person_tables(ws):
        t = ws.table(name)
        own = owned(t, s, name=name)
        rows = ws.engine.to_arrow(t.filter(own)).to_pylist() if own is not None else []
        rest = t.filter(~own) if own is not None else t
        sides = unlinked(rest, s)
        if sides:
            linked = ws.engine.to_arrow(rest.filter(ibis.or_(*sides.values())).mutate(
                **{c: ibis.ifelse(m, rest[c], ibis.literal(OTHER_PERSON).cast(rest[c].type())
                                  if rest[c].type().is_string() else ibis.null(rest[c].type()))
                   for c, m in sides.items()})).to_pylist()
            rows += linked
        if rows:
            tables[name] = [{k: _jsonable(v) for k, v in r.items()} for r in rows]
        men = mentioned(rest, s)
        if men is not None:
            cols = text_columns(rest)
            hits = ws.engine.to_arrow(rest.filter(men).select(*cols)).to_pylist()
            rx = mentions.compile_py(s.text_pattern())
            found = [{c: v for c, v in r.items() if isinstance(v, str) and rx.search(v)}
                     for r in hits]
            if found:
                mentions_out[name] = found
    consents = []
    if s.keys:
        c = current_consents(ws)
        if c is not None:
            hit = c.filter(c.customer_id.isin(sorted(s.keys)))
            consents = [{k: _jsonable(v) for k, v in r.items()}
                        for r in ws.engine.to_arrow(hit).to_pylist()]
    if not tables and not mentions_out:
        raise _not_found(ws, ident)
    return {"request_id": "ex_" + uuid.uuid4().hex[:16],
            "exported_at": datetime.now(UTC).isoformat(),
            "subject": {"customer_ids": sorted(s.customer_ids),
                        "records": [{"source": a, "source_record_id": b}
                                    for a, b in sorted(s.records)],
                        "emails": sorted(s.emails), "phones": sorted(s.phones)},
            "consents_current": consents,
            "tables": tables,
            "mentions": mentions_out,
            "counts": {k: len(v) for k, v in tables.items()}}


def erase_subject(ws, *, files: bool = True, dry_run: bool = False,
                  rebuild_report: bool = True, **ident: Any) -> dict[str, Any]:
    """Remove the person from every table and file; keep hashed tombstones; return a receipt.

    ``dry_run``: the same receipt (``"dry_run": true``) of what would go, nothing changed.
    The receipt lists rows removed per table and file, rows where their side of a link was
    cleared (``unlinked``), rows and files where a mention was redacted, files it could not
    sweep, and no personal data. :class:`NotFoundError` when nothing is held on the person.
    """
    s = subject(ws, ident)
    plan = _plan(ws, s)
    root = Path(ws.path)
    # the files are read once: for the dry run, or to tell "not found" when no table holds
    # the person, else only by the erasure itself
    swept = sweep_files(root, s, dry_run=True) if files and (dry_run or not plan) else None
    if not plan and not (swept and (swept.removed or swept.redacted)):
        raise _not_found(ws, ident)
    request_id = "er_" + uuid.uuid4().hex[:16]
    receipt: dict[str, Any] = {
        "request_id": None if dry_run else request_id, "dry_run": dry_run,
        "subject": s.summary(),
        "tables": {n: p["delete"] for n, p in plan.items() if p.get("delete")},
        "unlinked": {n: p["unlink"] for n, p in plan.items() if p.get("unlink")},
        "redacted": {n: p["redact"] for n, p in plan.items() if p.get("redact")},
    }
    if not dry_run:
        with ws.engine.transaction():
            for name, p in plan.items():
                _apply_table(ws, name, s, p)
            receipt["tombstones"] = tombstones.add(ws, s.tombstone_items(), request_id)
        if files:
            swept = sweep_files(root, s)
        receipt["erased_at"] = datetime.now(UTC).isoformat()
    receipt["files"] = swept.removed if swept else {}
    receipt["files_redacted"] = swept.redacted if swept else {}
    receipt["files_not_swept"] = swept.not_swept if swept else []
    receipt["rows_removed"] = sum(receipt["tables"].values()) + sum(receipt["files"].values())
    report = root / "report.html"
    if not dry_run and rebuild_report and report.exists() and ws.engine.has_table("kpis"):
        from idic.measure.report import build_report

        build_report(ws, report, compute=False)
        receipt["report_rebuilt"] = "report.html"
    if not dry_run and hasattr(ws.engine, "raw"):
        ws.engine.raw.execute("CHECKPOINT")
    return receipt


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
