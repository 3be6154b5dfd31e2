"""An in-memory lookup index for the API: e-mail / phone -> customers, with their summaries.

:func:`idic.service.customers360.lookup` answers ``GET /v1/customers?email=E`` with two or
three DuckDB queries (a scan of ``identities`` for the e-mail, the identity map, the golden
record): 3-10 ms each, and all of them serialised on the server's one connection, so that
under 50 concurrent clients the queue, not the query, makes the latency. This index is the
same answer precomputed: it is built from one snapshot of ``identities``, ``identity_map``
and ``customers`` (three bulk reads, no per-request SQL), and answers a lookup with a few
dictionary reads, on the event loop.

Correctness and privacy:

- a snapshot is tagged with the :class:`~idic.service.access.WorkspaceGate` identity
  generation it was read at, and is only used while that generation is current. Every write
  through the gate (ingest, consents, **erasure**) and every reopen of the file (a CLI
  command may have written) bumps it, so a stale snapshot is never used: lookups go back to
  the database path (:func:`~idic.service.customers360.lookup`) until a fresh snapshot is
  built in the background. An erased person is therefore unfindable as soon as the erasure
  returns. The one exception is declared, not guessed: a collection batch without identify
  calls (events only) calls ``gate.identities_untouched()`` and leaves the index valid.
- results are exactly those of :func:`~idic.service.customers360.lookup` (same matching,
  same ordering and paging, same summary), checked by tests/api/test_lookup_index.py.
- workspaces larger than ``max_rows`` (identities + customers) are not indexed (memory):
  lookups there keep using the database path.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from idic.service.customers360 import GOLDEN_FIELDS, _golden_from, _j

log = logging.getLogger("idic.lookup_index")


def _columns(table) -> dict[str, list[Any]]:
    return {name: table.column(name).to_pylist() for name in table.column_names}


class Snapshot:
    """One immutable index of the workspace at gate generation ``generation``."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.by_email: dict[str, list[int]] = {}  # identity row numbers
        self.by_phone: dict[str, list[int]] = {}
        self.ids_cols: tuple[str, ...] = ()
        self.ids: list[tuple] = []  # identities rows (values already JSON-ready)
        self.by_record: dict[tuple[str, str], list[int]] = {}
        self.mapped: dict[tuple[str, str], list[str]] = {}  # identity_map
        self.records_of: dict[str, list[tuple[str, str]]] = {}
        self.has_map = False
        self.cust_cols: tuple[str, ...] = ()
        self.customers: dict[str, tuple] = {}  # first row per customer_id
        self.cust_by_email: dict[str, list[str]] = {}
        self.cust_by_phone: dict[str, list[str]] = {}
        self.has_customers = False
        self.has_identities = False
        self.too_large = False

    # -- the answer ------------------------------------------------------------------------
    def lookup(self, *, email: str | None = None, phone: str | None = None, limit: int = 50,
               offset: int = 0) -> list[dict[str, Any]]:
        """Same as :func:`idic.service.customers360.lookup` for an e-mail or a phone."""
        email = email.strip().lower() if email else None
        phone = phone.strip() if phone else None
        rows: list[int] = []
        if self.has_identities:
            if email:
                rows = self.by_email.get(email, [])
            elif phone:
                rows = self.by_phone.get(phone, [])
        cids: set[str] = set()
        if self.has_customers and (email or phone):
            if email and "email" in self.cust_cols:
                cids.update(self.cust_by_email.get(email, ()))
            elif phone and "phone" in self.cust_cols:
                cids.update(self.cust_by_phone.get(phone, ()))
        for i in rows:
            rec = self._record(i)
            got = self.mapped.get(rec) if self.has_map else None
            cids.update(got if got else (f"{rec[0]}:{rec[1]}",))
        out = []
        for cid in sorted(cids)[offset:offset + limit]:
            s = self.summary(cid)
            if s is not None:
                out.append(s)
        return out

    def _record(self, i: int) -> tuple[str, str]:
        r = self.ids[i]
        return r[self._src], r[self._rid]

    def summary(self, cid: str) -> dict[str, Any] | None:
        """Same as :func:`idic.service.customers360.summary`."""
        if self.has_customers:
            row = self.customers.get(cid)
            if row is not None:
                return dict(zip(self.cust_cols, row, strict=True))
        if not self.has_identities:
            return None
        ids: list[int] = []
        if self.has_map:
            for rec in self.records_of.get(cid, ()):
                ids.extend(self.by_record.get(rec, ()))
        if not ids and ":" in cid:
            src, rid = cid.split(":", 1)
            ids = self.by_record.get((src, rid), [])
        return _golden_from(cid, [dict(zip(self.ids_cols, self.ids[i], strict=True))
                                  for i in ids])

    # -- building ----------------------------------------------------------------------------
    @classmethod
    def build(cls, gate, max_rows: int) -> Snapshot:
        """Read the three tables under the gate (one unit of work); empty and ``too_large``
        if they hold more than ``max_rows`` rows."""
        with gate.use() as ws:
            generation = gate.identity_generation  # nobody writes while we hold the gate
            have = set(ws.tables())
            n = sum(ws.engine.count(t) for t in ("identities", "customers") if t in have)
            if n > max_rows:
                snap = cls(generation)
                snap.too_large = True
                return snap
            ids = cust = imap = None
            if "identities" in have:
                t = ws.table("identities")
                keep = [c for c in ("source", "source_record_id", *GOLDEN_FIELDS[1:],
                                    "last_seen") if c in t.columns]
                ids = ws.engine.to_arrow(t.select(*keep))
            if "customers" in have:
                t = ws.table("customers")
                cust = ws.engine.to_arrow(t.select(*[c for c in t.columns
                                                     if not c.startswith("_")]))
            if "identity_map" in have:
                m = ws.table("identity_map")
                imap = ws.engine.to_arrow(m.select("source", "source_record_id",
                                                   "customer_id"))
        snap = cls(generation)  # the Python part, outside the gate
        if ids is not None:
            snap._add_identities(ids)
        if cust is not None:
            snap._add_customers(cust)
        if imap is not None:
            snap.has_map = True
            cols = _columns(imap)
            for s, r, c in zip(cols["source"], cols["source_record_id"], cols["customer_id"],
                               strict=True):
                snap.mapped.setdefault((s, r), []).append(c)
                snap.records_of.setdefault(c, []).append((s, r))
        return snap

    def _add_identities(self, table) -> None:
        self.has_identities = True
        cols = _columns(table)
        self.ids_cols = tuple(cols)
        self._src = self.ids_cols.index("source")
        self._rid = self.ids_cols.index("source_record_id")
        values = [[_j(v) for v in col] for col in cols.values()]
        self.ids = list(zip(*values, strict=True))
        emails = cols.get("email") or [None] * len(self.ids)
        phones = cols.get("phone") or [None] * len(self.ids)
        for i, (s, r, e, p) in enumerate(zip(cols["source"], cols["source_record_id"], emails,
                                             phones, strict=True)):
            self.by_record.setdefault((s, r), []).append(i)
            if e is not None:
                self.by_email.setdefault(e, []).append(i)
            if p is not None:
                self.by_phone.setdefault(p, []).append(i)

    def _add_customers(self, table) -> None:
        self.has_customers = True
        cols = _columns(table)
        self.cust_cols = tuple(cols)
        values = [[_j(v) for v in col] for col in cols.values()]
        cids = cols["customer_id"]
        for cid, row in zip(cids, zip(*values, strict=True), strict=True):
            self.customers.setdefault(cid, row)
        for key, index in (("email", self.cust_by_email), ("phone", self.cust_by_phone)):
            for v, cid in zip(cols.get(key) or [], cids, strict=False):
                if v is not None:
                    index.setdefault(v, []).append(cid)


class LookupIndex:
    """The current :class:`Snapshot` of a gate, rebuilt in the background after writes.

    ``find`` never waits and never touches the database: it returns None when there is no
    snapshot of the current generation (the caller then uses the database path) and starts
    a rebuild, at most one at a time and spending at most ~1/5 of the time rebuilding while
    writes keep coming (collection).
    """

    def __init__(self, gate, *, max_rows: int = 250_000) -> None:
        self.gate = gate
        self.max_rows = max_rows
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._building = False
        self._next_build = 0.0
        self._too_large_gen: int | None = None
        self.builds = 0

    def current(self) -> Snapshot | None:
        snap = self._snap
        gen = self.gate.identity_generation
        if snap is not None and snap.generation == gen:
            return snap
        if self._too_large_gen != gen:
            self._start_build()
        return None

    def find(self, *, email: str | None = None, phone: str | None = None, limit: int = 50,
             offset: int = 0) -> list[dict[str, Any]] | None:
        """The lookup's rows from the index, or None (not ready: use the database)."""
        snap = self.current()
        if snap is None:
            return None
        return snap.lookup(email=email, phone=phone, limit=limit, offset=offset)

    def _start_build(self) -> None:
        with self._lock:
            if self._building or time.monotonic() < self._next_build:
                return
            self._building = True
        threading.Thread(target=self._build, daemon=True, name="idic-lookup-index").start()

    def build_now(self) -> Snapshot | None:
        """Build synchronously (tests, warm-up at start)."""
        with self._lock:
            self._building = True
        self._build()
        return self._snap

    def _build(self) -> None:
        t0 = time.monotonic()
        try:
            snap = Snapshot.build(self.gate, self.max_rows)
            if snap.too_large:
                self._too_large_gen = snap.generation
                log.info("lookup index: workspace larger than %d rows, not indexed",
                         self.max_rows)
            else:
                self._snap = snap
                self.builds += 1
        except Exception:  # the database path still answers
            log.exception("lookup index build failed")
        finally:
            took = time.monotonic() - t0
            with self._lock:
                self._building = False
                self._next_build = time.monotonic() + 4 * took
