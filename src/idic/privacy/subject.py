"""Who is the data subject, and where are they? Generic over every table of the workspace.

A subject is resolved from any identifier (e-mail, phone, customer id, source record) into
all the keys that point at the person: customer ids (also the pre-identify key
``source:source_record_id``), source records, e-mails, phones, social handles and
anonymous/cookie/device ids. :func:`predicate` then says, for any table, which rows are the
person's, by the table's columns (no list of tables to keep up to date):

- ``customer_id`` and ``*_customer_id`` (not ``source_customer_id``) -> customer ids;
- ``source`` + ``source_record_id|source_customer_id|user_id|referrer_id|referred_id``
  -> source records;
- ``anonymous_id|cookie_id|device_id``, ``*email*``, ``*phone*``, ``social_handle``;
- a sweep of *every* string column: equal to a customer id or ``source:record`` key
  (identify's ``rid`` columns), or containing an e-mail or phone (JSON properties,
  quarantined raw records, free text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from idic.privacy.tombstones import ANON_COLUMNS, PAIR_COLUMNS

#: tables that are about the system, not about people (never searched, never erased)
SYSTEM_TABLES = frozenset({"audit_log", "tombstones", "ingest_log"})


@dataclass
class Subject:
    customer_ids: set[str] = field(default_factory=set)
    records: set[tuple[str, str]] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    anon: set[str] = field(default_factory=set)

    @property
    def keys(self) -> set[str]:
        """Customer ids and ``source:record`` strings."""
        return self.customer_ids | {f"{s}:{r}" for s, r in self.records}

    def is_empty(self) -> bool:
        return not (self.customer_ids or self.records or self.emails or self.phones
                    or self.handles or self.anon)

    def tombstone_items(self) -> list[tuple[str, str]]:
        return ([("email", e) for e in self.emails] + [("phone", p) for p in self.phones]
                + [("handle", h) for h in self.handles] + [("anon", a) for a in self.anon]
                + [("record", k) for k in (f"{s}:{r}" for s, r in self.records)]
                + [("customer", c) for c in self.customer_ids])

    def summary(self) -> dict[str, int]:
        """Counts only: safe for receipts and the audit log."""
        return {"customer_ids": len(self.customer_ids), "records": len(self.records),
                "emails": len(self.emails), "phones": len(self.phones),
                "handles": len(self.handles), "anonymous_ids": len(self.anon)}


def _strings(t: ir.Table) -> list[str]:
    return [c for c, ty in t.schema().items() if ty.is_string()]


def _is_customer_col(c: str) -> bool:
    return (c == "customer_id" or c.endswith("_customer_id")) and c != "source_customer_id"


def predicate(t: ir.Table, s: Subject, *, sweep: bool = True) -> ir.BooleanValue | None:
    """Rows of ``t`` that belong to subject ``s`` (None: the table cannot hold them)."""
    cols = set(t.columns)
    keys = sorted(s.keys)
    conds: list[ir.BooleanValue] = []
    if s.records:
        for c in PAIR_COLUMNS:
            if c in cols and "source" in cols:
                conds.append(t.source.concat(":", t[c].cast("string")).isin(keys))
    for c in cols:
        if _is_customer_col(c) and keys:
            conds.append(t[c].cast("string").isin(keys))
    if s.anon:
        conds += [t[c].isin(sorted(s.anon)) for c in ANON_COLUMNS if c in cols]
    if s.handles and "social_handle" in cols:
        conds.append(t.social_handle.lower().isin(sorted(s.handles)))
    if sweep:
        for c in _strings(t):
            col = t[c]
            if keys:
                conds.append(col.isin(keys))
            low = col.lower()
            conds += [low.contains(e) for e in sorted(s.emails)]
            conds += [col.contains(p) for p in sorted(s.phones)]
            if c == "record":  # quarantined raw rows: the record id in its JSON text
                for src, rid in sorted(s.records):
                    conds.append(col.contains(f'"{rid}"') & col.contains(f'"{src}"'))
    else:
        for c in cols:
            if "email" in c and t[c].type().is_string() and s.emails:
                conds.append(t[c].lower().isin(sorted(s.emails)))
            if "phone" in c and t[c].type().is_string() and s.phones:
                conds.append(t[c].isin(sorted(s.phones)))
    if not conds:
        return None
    out = conds[0]
    for c in conds[1:]:
        out = out | c
    return out.fill_null(False)


def person_tables(ws) -> list[str]:
    return [n for n in ws.tables() if n not in SYSTEM_TABLES]


def _rows(ws, t: ir.Table, cols: list[str], limit: int = 10_000) -> list[dict[str, Any]]:
    return ws.engine.to_arrow(t.select(*cols).limit(limit)).to_pylist()


def resolve(ws, *, email: str | None = None, phone: str | None = None,
            customer_id: str | None = None, source: str | None = None,
            source_record_id: str | None = None, rounds: int = 2) -> Subject:
    """Every key of the person behind the given identifiers (two rounds of expansion)."""
    s = Subject()
    if email:
        s.emails.add(email.strip().lower())
    if phone:
        s.phones.add(phone.strip())
    if customer_id:
        s.customer_ids.add(customer_id)
        if ":" in customer_id:
            src, rid = customer_id.split(":", 1)
            s.records.add((src, rid))
    if source and source_record_id:
        s.records.add((source, source_record_id))
    have = set(ws.tables())
    for _ in range(rounds):
        if "identities" in have:
            t = ws.table("identities")
            p = predicate(t, s, sweep=False)
            if p is not None:
                for r in _rows(ws, t.filter(p), ["source", "source_record_id", "email", "phone",
                                                 "social_handle", "cookie_id", "device_id"]):
                    s.records.add((r["source"], r["source_record_id"]))
                    if r["email"]:
                        s.emails.add(r["email"].lower())
                    if r["phone"]:
                        s.phones.add(r["phone"])
                    if r["social_handle"]:
                        s.handles.add(r["social_handle"].lower())
                    s.anon |= {v for v in (r["cookie_id"], r["device_id"]) if v}
        if "identity_map" in have:
            m = ws.table("identity_map")
            keys = sorted(s.keys)
            if keys:
                hit = m.filter(m.source.concat(":", m.source_record_id).isin(keys)
                               | m.customer_id.isin(keys))
                for r in _rows(ws, hit, ["source", "source_record_id", "customer_id"]):
                    s.records.add((r["source"], r["source_record_id"]))
                    s.customer_ids.add(r["customer_id"])
        if "customers" in have:
            c = ws.table("customers")
            p = predicate(c, s, sweep=False)
            if p is not None and "customer_id" in c.columns:
                s.customer_ids |= {r["customer_id"] for r in _rows(ws, c.filter(p), ["customer_id"])}
        if "events" in have and s.records:
            e = ws.table("events")
            keys = sorted(f"{a}:{b}" for a, b in s.records)
            hit = e.filter(e.source.concat(":", e.user_id).isin(keys) & e.anonymous_id.notnull())
            s.anon |= {r["anonymous_id"] for r in _rows(ws, hit, ["anonymous_id"])}
    s.customer_ids |= {f"{a}:{b}" for a, b in s.records}
    return s
