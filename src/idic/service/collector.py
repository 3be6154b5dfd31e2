"""Event collection: durable spool + group-commit ingest (Segment-compatible messages).

A request's messages are written to ``spool/incoming/<id>.jsonl`` (written, ``fsync``-ed,
renamed, directory ``fsync``-ed) before anything else: from then on the events survive a
crash. A single flusher thread takes *all* spooled requests at once, writes them as one
JSON-lines batch, ingests it with the same validation, quarantine and idempotency
(``message_id``) as a file (:func:`idic.ingest.segment.parse_segment_file` and the loader),
then works out each request's own counts and wakes it up. On start, spool files left by a
crash are ingested first (re-ingest is idempotent, so a file ingested but not yet deleted
is harmless).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idic.ingest.segment import parse_segment_file
from idic.schema import TABLES
from idic.service.prepared import Prepared

SPOOL_DIR = "spool"


@dataclass
class _Request:
    path: Path
    n: int
    future: Future = field(default_factory=Future)


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_spool(root: Path, messages: list[dict[str, Any]]) -> Path:
    """Durably write one request's messages; returns the spool file."""
    inc = Path(root) / SPOOL_DIR / "incoming"
    inc.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl"
    tmp = inc / (name + ".tmp")
    data = "".join(json.dumps(m, separators=(",", ":")) + "\n" for m in messages).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    final = inc / name
    os.rename(tmp, final)
    _fsync_dir(inc)
    return final


def pending_files(root: Path) -> list[Path]:
    inc = Path(root) / SPOOL_DIR / "incoming"
    if not inc.exists():
        return []
    return sorted(p for p in inc.iterdir() if p.suffix == ".jsonl")


def ingest_spool(ws, files: list[Path], counts: list[int] | None = None,
                 *, source: str = "web") -> tuple[dict[str, int], list[dict[str, int]]]:
    """Ingest spool files as one batch; totals and per-file counts. Deletes the files."""
    from idic.ingest.loader import ingest_staged

    if not files:
        return {"received": 0, "accepted": 0, "quarantined": 0, "duplicates": 0,
                "identity_rows": 0}, []
    root = files[0].parent.parent
    combined = root / f"batch-{uuid.uuid4().hex[:12]}.jsonl"
    sizes = []
    with open(combined, "wb") as out:
        for f in files:
            data = f.read_bytes()
            if data and not data.endswith(b"\n"):
                data += b"\n"
            sizes.append(data.count(b"\n"))
            out.write(data)
    if counts is not None:
        sizes = counts
    try:
        ev, ids = parse_segment_file(combined, source)
        eng = ws.engine
        tag = uuid.uuid4().hex[:12]
        try:
            with eng.transaction():
                res = ingest_staged(ws, TABLES["events"],
                                    eng.from_arrow(ev.drop(["_line"]), f"_idic_ev_{tag}"),
                                    file=f"api:{combined.name}", mapping={}, source=None,
                                    first_line=1, sha="")
                if ids.num_rows:
                    ingest_staged(ws, TABLES["identities"],
                                  eng.from_arrow(ids.drop(["_line"]), f"_idic_id_{tag}"),
                                  file=f"api:{combined.name}", mapping={}, source=None,
                                  first_line=1, sha="")
                per = _attribute(ws, res.batch_id, ev.column("message_id").to_pylist(), sizes)
        finally:
            eng.unstage(f"_idic_ev_{tag}")
            eng.unstage(f"_idic_id_{tag}")
    finally:
        combined.unlink(missing_ok=True)
    for f in files:
        f.unlink(missing_ok=True)
    totals = {"received": res.received, "accepted": res.accepted,
              "quarantined": res.quarantined, "duplicates": res.duplicates,
              "identity_rows": ids.num_rows}  # identify calls: identities were written
    return totals, per


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
        """Ingest spool files left by a previous process (crash recovery)."""
        files = pending_files(self.root)
        for stale in (self.root / SPOOL_DIR).glob("batch-*.jsonl"):
            stale.unlink(missing_ok=True)
        for tmp in (self.root / SPOOL_DIR / "incoming").glob("*.tmp"):
            tmp.unlink(missing_ok=True)  # never acknowledged
        if files:
            with self.gate.use(write=True) as ws:
                ingest_spool(ws, files, source=self.source)
        return len(files)

    def submit(self, messages: list[dict[str, Any]]) -> Future:
        path = write_spool(self.root, messages)
        req = _Request(path, len(messages))
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
                totals, per = ingest_spool(ws, [r.path for r in batch],
                                           [r.n for r in batch], source=self.source)
                if not totals["identity_rows"]:  # events only: the lookup index stays valid
                    self.gate.identities_untouched()
            self.stats["flushes"] += 1
            self.stats["events"] += sum(r.n for r in batch)
            for r, counts in zip(batch, per, strict=False):
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
                import logging

                logging.getLogger("idic.collector").exception("flush failed")
                time.sleep(0.5)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with suppress(Exception):  # what cannot be flushed stays spooled for the next start
            self.flush()
