"""Who is the data subject, and which rows are theirs? Exact matching, generic over tables.

**Resolution** (:func:`resolve`) starts from identifiers validated by
:mod:`idic.privacy.identifiers` and matches them *exactly*: source records whose normalised
e-mail or phone equals the one given, a customer id, a source record. Identify's
``identity_map`` turns records into customers and customers into all their records; the
records give the person's other identifiers (e-mails, phones, handles, cookie and device ids,
the anonymous ids of their events). An identifier that records of *other* customers hold too
(a family e-mail, a shop's phone typed on loyalty cards, a shared cookie) is **shared**: it
does not make anyone else's rows the subject's, and it gets no tombstone. An e-mail or phone
given in the request that identify found on several customers is ambiguous: the request is
refused and names the customers, so the officer picks one by ``customer_id``.

**Rows** of any table (no list of tables to keep up to date), by the table's columns:

- :func:`owned` — the subject's own rows (to export, to delete): ``customer_id`` and
  ``*_customer_id`` columns (not ``source_customer_id``) equal to a customer id or
  ``source:record`` key; ``source`` + ``source_record_id|source_customer_id|user_id`` equal to
  one of their records; ``anonymous_id|cookie_id|device_id``, e-mail, phone and
  ``social_handle`` columns equal to one of their unshared identifiers; any text column equal
  to a key (identify's ``rid`` columns); in raw-input tables (``quarantine``,
  ``ingest_warnings``) any row whose raw text holds one of their identifiers as a token.
- :func:`party_columns` — rows that link two people (``referrer_id``/``referred_id``,
  ``referrer_customer_id``/``referred_customer_id``, ``customer_id``/``other_customer_id``):
  when the other side is someone else, only the subject's side is cleared, so the other
  person's row survives (:func:`unlinked`).
- :func:`mentioned` — other rows whose free text holds one of their identifiers as a whole
  token (:mod:`idic.privacy.mentions`): the token is redacted in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir

from idic.engine.text import trim
from idic.errors import InputError
from idic.privacy import mentions
from idic.privacy.tombstones import ANON_COLUMNS, PAIR_COLUMNS

#: tables that are about the system, not about people (never searched, never erased)
SYSTEM_TABLES = frozenset({"audit_log", "tombstones", "ingest_log"})
#: tables of raw input rows: a row whose text holds the person's identifier is theirs
RAW_TABLES = frozenset({"quarantine", "ingest_warnings"})
#: columns naming one side of a link between two people
SIDE_PAIR = ("referrer_id", "referred_id")


@dataclass
class Subject:
    customer_ids: set[str] = field(default_factory=set)
    records: set[tuple[str, str]] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    anon: set[str] = field(default_factory=set)
    #: their record ids that no other record holds in any source (an app's events carry the
    #: web account id under source ``app``)
    user_ids: set[str] = field(default_factory=set)
    #: keys found in the workspace's identity tables (not merely typed in the request)
    confirmed: set[str] = field(default_factory=set)
    #: identifiers of theirs that other customers hold too: counts per kind (values not kept)
    shared: dict[str, int] = field(default_factory=dict)

    @property
    def keys(self) -> set[str]:
        """Customer ids and ``source:record`` strings."""
        return self.customer_ids | {f"{s}:{r}" for s, r in self.records}

    def tombstone_items(self) -> list[tuple[str, str]]:
        return ([("email", e) for e in self.emails] + [("phone", p) for p in self.phones]
                + [("handle", h) for h in self.handles] + [("anon", a) for a in self.anon]
                + [("record", k) for k in (f"{s}:{r}" for s, r in self.records)]
                + [("customer", c) for c in self.customer_ids])

    def summary(self) -> dict[str, Any]:
        """Counts only: safe for receipts and the audit log."""
        return {"customer_ids": len(self.customer_ids), "records": len(self.records),
                "emails": len(self.emails), "phones": len(self.phones),
                "handles": len(self.handles), "anonymous_ids": len(self.anon),
                "shared_identifiers_kept": dict(self.shared)}

    @property
    def distinctive_keys(self) -> set[str]:
        """Keys that exist in the workspace (a customer of identify, a record of
        ``identities``) and are long and specific enough to look for outside key columns
        (``cus_…``, ``web:W-0000123``; not ``1`` nor ``:``, nor a name typed as a customer id)."""
        return {k for k in self.confirmed if distinctive(k)}

    def text_pattern(self) -> str | None:
        """Tokens to look for in free text: e-mails, phones, handles, distinctive keys."""
        return mentions.pattern(self.phones | self.distinctive_keys,
                                folded=self.emails | self.handles)


def distinctive(key: str) -> bool:
    """Whether a key is safe to look for in any column or text: 5+ characters, 3+ of them
    letters or digits."""
    return len(key) >= 5 and sum(ch.isalnum() for ch in key) >= 3


def _strings(t: ir.Table) -> list[str]:
    return [c for c, ty in t.schema().items() if ty.is_string()]


def _is_customer_col(c: str) -> bool:
    return (c == "customer_id" or c.endswith("_customer_id")) and c != "source_customer_id"


def party_columns(t: ir.Table) -> list[str]:
    """Columns naming the two (or more) people a row links; empty for one-person tables."""
    cols = [c for c in t.columns if _is_customer_col(c)]
    if "source" in t.columns:
        cols += [c for c in SIDE_PAIR if c in t.columns]
    return cols if len(cols) >= 2 else []


def _party_is(t: ir.Table, c: str, keys: list[str]) -> ir.BooleanValue:
    if c in SIDE_PAIR:
        return t.source.concat(":", t[c].cast("string")).isin(keys).fill_null(False)
    return t[c].cast("string").isin(keys).fill_null(False)


def _key_columns(t: ir.Table) -> set[str]:
    cols = set(t.columns)
    out = {c for c in cols if _is_customer_col(c)} | (set(ANON_COLUMNS) & cols)
    if "source" in cols:
        out |= set(PAIR_COLUMNS) & cols
    out |= {c for c in cols if "email" in c or "phone" in c or c == "social_handle"}
    return out


def _any(conds: list[ir.BooleanValue]) -> ir.BooleanValue | None:
    if not conds:
        return None
    out = conds[0]
    for c in conds[1:]:
        out = out | c
    return out.fill_null(False)


def owned(t: ir.Table, s: Subject, *, name: str = "") -> ir.BooleanValue | None:
    """Rows of ``t`` that are the subject's own (None: the table cannot hold any)."""
    cols = set(t.columns)
    keys = sorted(s.keys)
    parties = set(party_columns(t))
    conds: list[ir.BooleanValue] = []
    if keys:
        if "source" in cols:
            conds += [t.source.concat(":", t[c].cast("string")).isin(keys)
                      for c in PAIR_COLUMNS if c in cols and c not in parties]
        conds += [t[c].cast("string").isin(keys) for c in cols
                  if _is_customer_col(c) and c not in parties]
        wide = sorted(s.distinctive_keys)
        if wide:
            conds += [t[c].isin(wide) for c in _strings(t) if c not in parties]
    if s.anon:
        conds += [t[c].cast("string").isin(sorted(s.anon)) for c in ANON_COLUMNS if c in cols]
    if s.user_ids and "user_id" in cols:
        conds.append(t.user_id.cast("string").isin(sorted(s.user_ids)))
    for c in _strings(t):
        if "email" in c and s.emails:
            conds.append(trim(t[c]).lower().isin(sorted(s.emails)))
        elif "phone" in c and s.phones:
            conds.append(trim(t[c]).isin(sorted(s.phones)))
    if s.handles and "social_handle" in cols:
        conds.append(trim(t.social_handle).lower().isin(sorted(s.handles)))
    if name in RAW_TABLES:
        pat = s.text_pattern()
        if pat is not None:
            conds += [mentions.search(t[c], pat) for c in _strings(t)]
    if parties and keys:  # a link row is theirs when every side present is theirs
        mine = [_party_is(t, c, keys) for c in sorted(parties)]
        every = ibis.literal(True)
        for c, m in zip(sorted(parties), mine, strict=True):
            every = every & (t[c].isnull() | m)
        conds.append(every & _any(mine))
    return _any(conds)


def unlinked(t: ir.Table, s: Subject) -> dict[str, ir.BooleanValue]:
    """Per party column: rows where that side is the subject (and the row is not owned)."""
    keys = sorted(s.keys)
    if not keys:
        return {}
    return {c: _party_is(t, c, keys) for c in party_columns(t)}


def text_columns(t: ir.Table) -> list[str]:
    """Free-text columns searched for mentions: string columns that are not keys."""
    keys = _key_columns(t) | set(party_columns(t))
    return [c for c in _strings(t) if c not in keys]


def mentioned(t: ir.Table, s: Subject) -> ir.BooleanValue | None:
    """Rows whose free text holds one of the subject's identifiers as a whole token."""
    pat = s.text_pattern()
    if pat is None:
        return None
    return _any([mentions.search(t[c], pat) for c in text_columns(t)])


def person_tables(ws) -> list[str]:
    return [n for n in ws.tables() if n not in SYSTEM_TABLES]


def _rows(ws, t: ir.Table, cols: list[str], limit: int = 100_000) -> list[dict[str, Any]]:
    return ws.engine.to_arrow(t.select(*cols).distinct().limit(limit)).to_pylist()


def _rkey(t: ir.Table, col: str = "source_record_id") -> ir.StringValue:
    return t.source.concat(":", t[col])


def resolve(ws, *, email: str | None = None, phone: str | None = None,
            customer_id: str | None = None, source: str | None = None,
            source_record_id: str | None = None) -> Subject:
    """Every key of the person behind the given (validated, normalised) identifiers."""
    s = Subject()
    have = set(ws.tables())
    cids: set[str] = set()
    records: set[tuple[str, str]] = set()
    if source and source_record_id:
        records.add((source, source_record_id))
    if customer_id:
        cids.add(customer_id)
        src, _, rid = customer_id.partition(":")
        if src.strip() and rid.strip():  # a pre-identify key is a source record
            records.add((src, rid))
    if (email or phone) and "identities" in have:
        t = ws.table("identities")
        cond = _any(([trim(t.email).lower() == email] if email else [])
                    + ([t.phone == phone] if phone else []))
        records |= {(r["source"], r["source_record_id"])
                    for r in _rows(ws, t.filter(cond), ["source", "source_record_id"])}
    if (email or phone) and "customers" in have:
        c = ws.table("customers")
        conds = ([trim(c.email).lower() == email] if email and "email" in c.columns else []) \
            + ([c.phone == phone] if phone and "phone" in c.columns else [])
        if conds and "customer_id" in c.columns:
            cids |= {r["customer_id"] for r in _rows(ws, c.filter(_any(conds)), ["customer_id"])}
    if "identity_map" in have:
        m = ws.table("identity_map")
        keys = sorted({f"{a}:{b}" for a, b in records})
        found = {r["customer_id"] for r in _rows(ws, m.filter(_rkey(m).isin(keys)),
                                                 ["customer_id"])} if keys else set()
        if (email or phone) and not customer_id and len(found | cids) > 1:
            what = "e-mail" if email else "phone"
            raise InputError(
                f"this {what} belongs to {len(found | cids)} customers: "
                + ", ".join(sorted(found | cids)[:10]),
                hint="it is shared (e.g. a family e-mail or a shop's phone): name the person "
                     "with --customer-id (API: customer_id)")
        cids |= found
        if cids:
            records |= {(r["source"], r["source_record_id"]) for r in
                        _rows(ws, m.filter(m.customer_id.isin(sorted(cids))),
                              ["source", "source_record_id"])}
    s.customer_ids = cids | {f"{a}:{b}" for a, b in records}
    s.records = records
    s.confirmed = _confirmed(ws, have, cids, records)
    _identifiers(ws, s, have)
    if email:
        s.emails.add(email)
    if phone:
        s.phones.add(phone)
    return s


def _confirmed(ws, have: set[str], cids: set[str], records: set[tuple[str, str]]) -> set[str]:
    """The customer ids and record keys that identify's tables actually hold."""
    out: set[str] = set()
    rkeys = sorted(f"{a}:{b}" for a, b in records)
    for name, col in (("identity_map", "customer_id"), ("customers", "customer_id")):
        if name in have and cids and col in ws.table(name).columns:
            t = ws.table(name)
            out |= {r[col] for r in _rows(ws, t.filter(t[col].isin(sorted(cids))), [col])}
    for name in ("identities", "identity_map"):
        if name in have and rkeys:
            t = ws.table(name)
            out |= {r["k"] for r in _rows(ws, t.filter(_rkey(t).isin(rkeys))
                                          .select(k=_rkey(t)), ["k"])}
    return out


def _identifiers(ws, s: Subject, have: set[str]) -> None:
    """The subject's e-mails, phones, handles and anonymous ids, minus those others hold."""
    keys = sorted(f"{a}:{b}" for a, b in s.records)
    if not keys:
        return
    found: dict[str, set[str]] = {"email": set(), "phone": set(), "social_handle": set(),
                                  "anon": set()}
    if "identities" in have:
        t = ws.table("identities")
        mine = _rkey(t).isin(keys)
        bare = sorted({b for _, b in s.records})
        clash = {r["source_record_id"] for r in
                 _rows(ws, t.filter(t.source_record_id.isin(bare) & ~mine), ["source_record_id"])}
        s.user_ids = set(bare) - clash
        for r in _rows(ws, t.filter(mine), ["email", "phone", "social_handle", "cookie_id",
                                            "device_id"]):
            for k in ("email", "phone", "social_handle"):
                if r[k]:
                    found[k].add(r[k].strip().lower() if k != "phone" else r[k])
            found["anon"] |= {v for v in (r["cookie_id"], r["device_id"]) if v}
        for k, col in (("email", trim(t.email).lower()), ("phone", t.phone),
                       ("social_handle", trim(t.social_handle).lower())):
            if found[k]:
                others = t.filter(col.isin(sorted(found[k])) & ~mine)
                shared = {r["v"] for r in _rows(ws, others.select(v=col), ["v"])}
                _keep_unshared(s, found, k, shared)
        if found["anon"]:
            anon = sorted(found["anon"])
            others = t.filter((t.cookie_id.isin(anon) | t.device_id.isin(anon)) & ~mine)
            shared = {v for r in _rows(ws, others, ["cookie_id", "device_id"])
                      for v in r.values() if v in found["anon"]}
            _keep_unshared(s, found, "anon", shared)
    if "events" in have:
        e = ws.table("events")
        mine = (_rkey(e, "user_id").isin(keys)
                | e.user_id.isin(sorted(s.user_ids) or [""])).fill_null(False)
        ev_anon = {r["anonymous_id"] for r in
                   _rows(ws, e.filter(mine & e.anonymous_id.notnull()), ["anonymous_id"])}
        ev_anon -= found["anon"]
        if ev_anon:
            others = e.filter(e.anonymous_id.isin(sorted(ev_anon)) & e.user_id.notnull() & ~mine)
            shared = {r["anonymous_id"] for r in _rows(ws, others, ["anonymous_id"])}
            found["anon"] |= ev_anon
            _keep_unshared(s, found, "anon", shared)
    s.emails |= found["email"]
    s.phones |= found["phone"]
    s.handles |= found["social_handle"]
    s.anon |= found["anon"]


def _keep_unshared(s: Subject, found: dict[str, set[str]], kind: str, shared: set[str]) -> None:
    shared &= found[kind]
    if shared:
        found[kind] -= shared
        name = {"social_handle": "handles", "anon": "anonymous_ids"}.get(kind, kind + "s")
        s.shared[name] = s.shared.get(name, 0) + len(shared)
