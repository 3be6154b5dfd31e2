"""Event collection: durable spool + group-commit ingest (Segment-compatible messages).

A request's messages are checked and written to the spool (:mod:`idic.service.spool`:
exactly what was validated, one message per line; what fails the edge checks goes to a
``.rejects.jsonl`` beside it) before anything else: from then on the events survive a crash.
A single flusher thread takes *all* spooled requests at once, ingests their messages as one
batch with the same validation, quarantine and idempotency (``message_id``) as a file
(:func:`idic.ingest.segment.parse_segment_file` and the loader), quarantines the refused
ones, then works out each request's own counts and wakes it up.

One bad message never fails its neighbours: a line the JSON reader rejects is found by
bisection and quarantined alone; a request whose load fails even on its own is set aside
(``spool/failed/``) while the others go through. On start, spool files left by a crash are
ingested first (re-ingest is idempotent, so a file ingested but not yet deleted is harmless).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from idic.errors import InputError
from idic.ingest.segment import accounts_of, parse_segment_file
from idic.schema import TABLES
from idic.service.prepared import Prepared
from idic.service.spool import (
    SPOOL_DIR,
    Reject,
    SpoolEntry,
    first_line,
    pending,
    read_lines,
    read_rejects,
    remove,
    set_aside,
    write_spool,
)

__all__ = ["Collector", "SpoolFailed", "ingest_spool", "write_spool"]
log = logging.getLogger("idic.collector")
Counts = dict[str, int]
ZERO = {"received": 0, "accepted": 0, "quarantined": 0, "duplicates": 0}


class SpoolFailed(RuntimeError):
    """A request's messages could not be ingested even alone; its files were set aside."""


@dataclass
class _Request:
    entry: SpoolEntry
    n: int
    future: Future = field(default_factory=Future)


def _parse(lines: list[bytes], work: Path, source: str) -> tuple[Any, Any, dict[int, str]]:
    """Parse spool lines; (events, identities, {index: reason} of lines the reader rejects).

    The whole batch is parsed at once; only when that fails are the bad lines searched by
    bisection (a few parses per bad line), so one bad line costs its neighbours nothing.
    """
    def attempt(idx: list[int]) -> tuple[Any, Any] | str:
        path = work / f"batch-{uuid.uuid4().hex[:12]}.jsonl"
        path.write_bytes(b"".join(lines[i] + b"\n" for i in idx))
        try:
            return parse_segment_file(path, source, one_per_line=True)
        except InputError as exc:
            return first_line(exc).split("not Segment JSON: ", 1)[-1]
        finally:
            path.unlink(missing_ok=True)

    def bad_in(idx: list[int]) -> dict[int, str]:
        got = attempt(idx)
        if not isinstance(got, str):
            return {}
        if len(idx) == 1:
            return {idx[0]: "unreadable by the JSON reader: " + got}
        mid = len(idx) // 2
        return {**bad_in(idx[:mid]), **bad_in(idx[mid:])}

    everything = list(range(len(lines)))
    got = attempt(everything)
    bad: dict[int, str] = {}
    if isinstance(got, str):
        bad = bad_in(everything)
        good = [i for i in everything if i not in bad]
        got = attempt(good) if good else (None, None)
        if isinstance(got, str):  # pragma: no cover - each good line parsed alone
            raise InputError("spool lines parse alone but not together: " + got)
    ev, ids = got
    if ev is not None and ev.num_rows != len(lines) - len(bad):
        raise InputError(f"{ev.num_rows} messages parsed from {len(lines) - len(bad)} lines")
    return ev, ids, bad


def _quarantine_rejects(ws, batch_id: str, entries: list[SpoolEntry],
                        rejects: list[list[Reject]]) -> None:
    rows = [(e, r) for e, rs in zip(entries, rejects, strict=True) for r in rs]
    if not rows:
        return
    now = datetime.now(UTC)
    t = pa.table({
        "batch_id": [batch_id] * len(rows), "kind": ["events"] * len(rows),
        "file": [f"api:{e.name}" for e, _ in rows], "line": [r.line for _, r in rows],
        "column": ["message"] * len(rows), "value": pa.nulls(len(rows), pa.string()),
        "reason": [r.reason for _, r in rows], "record": [r.record for _, r in rows],
        "quarantined_at": pa.array([now] * len(rows), pa.timestamp("us", tz="UTC")),
    })
    name = f"_idic_rej_{uuid.uuid4().hex[:12]}"
    staged = ws.engine.from_arrow(t, name)
    try:  # a re-sent refused message is not quarantined twice (as in the loader)
        held = ws.table("quarantine")
        ws.engine.append("quarantine", staged.anti_join(held, ["kind", "column", "record"]))
    finally:
        ws.engine.unstage(name)


def _ingest_group(ws, entries: list[SpoolEntry], source: str) -> tuple[int, list[Counts]]:
    """Ingest requests as one batch: (identity rows written, each request's counts)."""
    from idic.ingest.loader import ingest_staged

    lines: list[bytes] = []
    owner: list[int] = []
    pos: list[int] = []
    for k, e in enumerate(entries):
        ls = read_lines(e)
        lines += ls
        owner += [k] * len(ls)
        pos += range(1, len(ls) + 1)
    rejects = [read_rejects(e) for e in entries]
    work = Path(entries[0].stem).parent.parent
    ev, ids, bad = _parse(lines, work, source) if lines else (None, None, {})
    for i, reason in bad.items():
        rejects[owner[i]].append(Reject(pos[i], reason, json_text(lines[i])))
    sizes = [0] * len(entries)
    for i, k in enumerate(owner):
        if i not in bad:
            sizes[k] += 1
    eng = ws.engine
    tag = uuid.uuid4().hex[:12]
    n_ids = 0 if ids is None else ids.num_rows
    try:
        with eng.transaction():
            if ev is not None and ev.num_rows:
                res = ingest_staged(ws, TABLES["events"],
                                    eng.from_arrow(ev.drop(["_line"]), f"_idic_ev_{tag}"),
                                    file=f"api:{entries[0].name}", mapping={}, source=None,
                                    first_line=1, sha="")
                if n_ids:
                    ingest_staged(ws, TABLES["identities"],
                                  eng.from_arrow(ids.drop(["_line"]), f"_idic_id_{tag}"),
                                  file=f"api:{entries[0].name}", mapping={}, source=None,
                                  first_line=1, sha="")
                accounts = accounts_of(ev)  # group calls: the accounts they name
                if accounts.num_rows:
                    ingest_staged(ws, TABLES["accounts"],
                                  eng.from_arrow(accounts, f"_idic_ac_{tag}"),
                                  file=f"api:{entries[0].name}", mapping={}, source=None,
                                  first_line=1, sha="")
                batch_id = res.batch_id
                per = _attribute(ws, batch_id, ev.column("message_id").to_pylist(), sizes)
            else:
                batch_id = uuid.uuid4().hex[:16]
                per = [dict(ZERO) for _ in entries]
            _quarantine_rejects(ws, batch_id, entries, rejects)
    finally:
        for part in ("ev", "id", "ac"):
            eng.unstage(f"_idic_{part}_{tag}")
    for counts, rs in zip(per, rejects, strict=True):
        counts["received"] += len(rs)
        counts["quarantined"] += len(rs)
    return n_ids, per


def json_text(line: bytes) -> str:
    """An unreadable spool line as a JSON string (valid text whatever the bytes were)."""
    return json.dumps(line.decode("utf-8", "backslashreplace"), ensure_ascii=True)


def ingest_spool(ws, entries: list[SpoolEntry], *, source: str = "web"
                 ) -> tuple[dict[str, int], list[Counts | SpoolFailed]]:
    """Ingest spooled requests as one batch: totals and each request's counts.

    If the batch fails, each request is retried alone; one that fails alone is set aside
    (``spool/failed/``, logged) and its place in the list holds a :class:`SpoolFailed`.
    Ingested requests' files are deleted.
    """
    totals = {**ZERO, "identity_rows": 0}
    if not entries:
        return totals, []
    try:
        n_ids, per = _ingest_group(ws, entries, source)
        results: list[Counts | SpoolFailed] = list(per)
        totals["identity_rows"] += n_ids
    except Exception as exc:
        if len(entries) > 1:
            log.warning("group of %d requests failed (%s): ingesting one by one",
                        len(entries), first_line(exc))
        results = []
        for e in entries:
            try:
                n_ids, per = _ingest_group(ws, [e], source)
            except Exception as one:
                set_aside(e, one)
                results.append(SpoolFailed(first_line(one)))
                continue
            results.append(per[0])
            totals["identity_rows"] += n_ids
    for e, r in zip(entries, results, strict=True):
        if not isinstance(r, SpoolFailed):
            remove(e)
            for k in ZERO:
                totals[k] += r[k]
    return totals, results


_ACCEPTED = Prepared(lambda ws, b: ws.table("events").filter(
    lambda t: t._batch_id == b).select("message_id"), "b")
_BAD_LINES = Prepared(lambda ws, b: ws.table("quarantine").filter(
    lambda t: (t.batch_id == b) & (t.kind == "events")).select("line"), "b")
_PRESENT = Prepared(lambda ws: ws.table("events").select("message_id").semi_join(
    ws.table("_idic_mids"), "message_id"))


def _attribute(ws, batch_id: str, message_ids: list[str], sizes: list[int]
               ) -> list[dict[str, int]]:
    """Each request's accepted / quarantined / duplicates inside a combined batch."""
    import pyarrow as pa

    accepted = {r["message_id"] for r in _ACCEPTED.rows(ws, b=batch_id)}
    bad_lines = {r["line"] for r in _BAD_LINES.rows(ws, b=batch_id)}
    ws.engine.from_arrow(pa.table({"message_id": sorted(set(message_ids))}), "_idic_mids")
    try:  # (a join, not an IN list: ids may hold any character)
        present = {r["message_id"] for r in _PRESENT.rows(ws)}
    finally:
        ws.engine.unstage("_idic_mids")
    out, pos, seen = [], 0, set()
    for n in sizes:
        a = qn = 0
        for i in range(pos, min(pos + n, len(message_ids))):
            mid = message_ids[i]
            if i + 1 in bad_lines:
                qn += 1
            elif mid in accepted and mid not in seen:
                seen.add(mid)
                a += 1
            elif mid not in present:  # a re-sent bad row (not quarantined twice) or refused
                qn += 1
        got = min(n, max(0, len(message_ids) - pos))
        out.append({"received": got, "accepted": a, "quarantined": qn,
                    "duplicates": got - a - qn})
        pos += n
    return out


class Collector:
    """Group commit over a :class:`~idic.service.access.WorkspaceGate` (one flusher thread)."""

    def __init__(self, gate, *, source: str = "web", interval: float = 0.02,
                 audit: Any = None) -> None:
        self.gate = gate
        self.root = Path(gate.path)
        self.source = source
        self.interval = interval
        self.audit = audit  # an idic.privacy.audit.AuditBuffer, appended with each flush
        self._queue: list[_Request] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.stats = {"flushes": 0, "events": 0}
        self._audit_at = 0.0

    def start(self) -> None:
        self.recover()
        self._thread = threading.Thread(target=self._run, daemon=True, name="idic-flusher")
        self._thread.start()

    def recover(self) -> int:
        """Ingest spool files left by a previous process (crash recovery).

        Never fails on a bad file: one that cannot be ingested is set aside (logged).
        """
        entries = pending(self.root)
        for stale in (self.root / SPOOL_DIR).glob("batch-*.jsonl"):
            stale.unlink(missing_ok=True)
        for tmp in (self.root / SPOOL_DIR / "incoming").glob("*.tmp"):
            tmp.unlink(missing_ok=True)  # never acknowledged
        if entries:
            with self.gate.use(write=True) as ws:
                ingest_spool(ws, entries, source=self.source)
        return len(entries)

    def submit(self, messages: list[dict[str, Any]]) -> Future:
        entry, _refused = write_spool(self.root, messages)
        req = _Request(entry, len(messages))
        with self._lock:
            self._queue.append(req)
        self._wake.set()
        return req.future

    def flush(self, force: bool = True) -> None:
        """Ingest everything queued now (also called before reads that must see it)."""
        with self._lock:
            batch, self._queue = self._queue, []
        now = time.monotonic()
        entries: list[dict[str, Any]] = []
        if self.audit is not None and (batch or force or now - self._audit_at >= 1.0):
            entries = self.audit.drain()  # audit-only writes at most once a second
            self._audit_at = now
        if not batch and not entries:
            return
        try:
            with self.gate.use(write=bool(batch)) as ws:  # the audit log feeds no cache
                if entries:
                    from idic.privacy import audit

                    audit.append(ws, entries)
                if not batch:
                    return
                totals, per = ingest_spool(ws, [r.entry for r in batch], source=self.source)
                if not totals["identity_rows"]:  # events only: the lookup index stays valid
                    self.gate.identities_untouched()
            self.stats["flushes"] += 1
            self.stats["events"] += sum(r.n for r in batch)
            for r, counts in zip(batch, per, strict=True):
                if isinstance(counts, SpoolFailed):
                    r.future.set_exception(counts)
                else:
                    r.future.set_result(counts)
        except BaseException as exc:  # the files stay spooled; retried on restart
            for r in batch:
                if not r.future.done():
                    r.future.set_exception(exc)
            raise

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.5)
            self._wake.clear()
            time.sleep(self.interval)  # let concurrent requests join the batch
            try:
                self.flush()
            except Exception:
                log.exception("flush failed")
                time.sleep(0.5)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with suppress(Exception):  # what cannot be flushed stays spooled for the next start
            self.flush()
