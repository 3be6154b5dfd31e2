"""Tombstones: keyed hashes of an erased person's identifiers, so re-ingest cannot recreate them.

Only hashes are kept (SHA-256 of the workspace secret + kind + value), never the values.
:func:`refuse_erased` is the loader hook: rows whose identifiers hash to a tombstone are
refused, counted as quarantined (reason ``erased (GDPR art. 17)``) with no value or record
kept, so ``received = accepted + quarantined + duplicates`` still holds.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from idic.privacy.roles import workspace_secret

#: consents recorded by customer id (``POST /v1/consents``) carry this source
CUSTOMER_SOURCE = "idic"

TOMBSTONES = "tombstones"
REASON = "erased (GDPR art. 17)"
TOMBSTONE_SCHEMA = pa.schema([("kind", pa.string()), ("hash", pa.string()),
                              ("request_id", pa.string()),
                              ("erased_at", pa.timestamp("us", tz="UTC"))])
PAIR_COLUMNS = ("source_record_id", "source_customer_id", "user_id", "referrer_id",
                "referred_id")
ANON_COLUMNS = ("anonymous_id", "cookie_id", "device_id")


def _prefix(ws, kind: str) -> str:
    return workspace_secret(ws.path).decode() + ":" + kind + ":"


def hash_value(ws, kind: str, value: str) -> str:
    return hashlib.sha256((_prefix(ws, kind) + value).encode()).hexdigest()


def hash_expr(ws, kind: str, col: ir.StringValue) -> ir.StringValue:
    return (ibis.literal(_prefix(ws, kind)) + col).hexdigest("sha256")


def add(ws, items: list[tuple[str, str]], request_id: str) -> int:
    """Store tombstones for ``(kind, value)`` pairs (values are hashed here)."""
    if not ws.engine.has_table(TOMBSTONES):
        ws.engine.create_table(TOMBSTONES, TOMBSTONE_SCHEMA.empty_table(), overwrite=False)
    hashes = sorted({(k, hash_value(ws, k, v)) for k, v in items if v})
    if not hashes:
        return 0
    now = datetime.now(UTC)
    tbl = pa.table({"kind": [k for k, _ in hashes], "hash": [h for _, h in hashes],
                    "request_id": [request_id] * len(hashes),
                    "erased_at": pa.array([now] * len(hashes), pa.timestamp("us", tz="UTC"))})
    held = ws.table(TOMBSTONES)
    new = ws.engine.from_arrow(tbl, "_idic_tomb_new")
    try:
        fresh = ws.engine.to_arrow(new.anti_join(held, ["kind", "hash"]))
    finally:
        ws.engine.unstage("_idic_tomb_new")
    if fresh.num_rows:
        ws.engine.append(TOMBSTONES, fresh)
    return fresh.num_rows


def erased_before(ws, ident: dict[str, str]) -> str | None:
    """The request id that erased one of the (normalised) identifiers ``ident``, if any."""
    if not ws.engine.has_table(TOMBSTONES):
        return None
    items = [(k, ident[f]) for k, f in (("email", "email"), ("phone", "phone"),
                                        ("customer", "customer_id")) if ident.get(f)]
    if ident.get("source") and ident.get("source_record_id"):
        items.append(("record", f"{ident['source']}:{ident['source_record_id']}"))
    if not items:
        return None
    tomb = ws.table(TOMBSTONES)
    hashes = [hash_value(ws, k, v) for k, v in items]
    hit = ws.engine.to_arrow(tomb.filter(tomb.hash.isin(hashes)).select("request_id")
                             .limit(1)).to_pylist()
    return hit[0]["request_id"] if hit else None


#: where an e-mail or phone hides in an event's JSON (identify traits, properties, context)
_JSON_FIELD = r'"{key}"\s*:\s*"([^"]*)"'


def _checks(ws, t: ir.Table) -> list[ir.StringValue]:
    """Hash expressions of every identifier column of ``t`` (the loader's staged rows)."""
    cols = set(t.columns)
    out = []
    for c in PAIR_COLUMNS:
        if c in cols and "source" in cols:
            out.append(("record", t.source.concat(":", t[c])))
    if "source" in cols and "source_customer_id" in cols:  # a consent given by customer id
        out.append(("customer", ibis.ifelse(t.source == CUSTOMER_SOURCE,
                                            t.source_customer_id, ibis.null(dt.string))))
    out += [("customer", t[c]) for c in cols
            if (c == "customer_id" or c.endswith("_customer_id")) and c != "source_customer_id"]
    for c in ("properties", "context"):  # an identify call's traits carry e-mail and phone
        if c in cols:
            for key in ("email", "phone"):
                v = t[c].cast(dt.string).re_extract(_JSON_FIELD.format(key=key), 1).nullif("")
                out.append((key, v.strip().lower() if key == "email" else v.strip()))
    for c in ANON_COLUMNS:
        if c in cols:
            out.append(("anon", t[c]))
    for c, kind in (("email", "email"), ("phone", "phone"), ("social_handle", "handle")):
        if c in cols:
            out.append((kind, t[c] if c != "email" else t[c].lower()))
    return [(k, hash_expr(ws, k, e.cast(dt.string))) for k, e in out]


def refuse_erased(ws, spec, good: ir.Table, *, batch_id: str, file: str) -> ir.Table:
    """Loader hook: drop (and count as quarantined) rows of erased persons."""
    eng = ws.engine
    if not eng.has_table(TOMBSTONES) or eng.count(TOMBSTONES) == 0:
        return good
    checks = _checks(ws, good)
    if not checks:
        return good
    tomb = eng.table(TOMBSTONES)
    hit = ibis.literal(False)
    for kind, h in checks:
        hit = hit | h.isin(tomb.filter(tomb.kind == kind).hash).fill_null(False)
    refused = good.filter(hit)
    now = ibis.literal(datetime.now(UTC), type=dt.Timestamp(timezone="UTC"))
    null = ibis.null(dt.string)
    rows = refused.select(batch_id=ibis.literal(batch_id), kind=ibis.literal(spec.name),
                          file=ibis.literal(file), line=refused._line.cast("int64"),
                          column=ibis.literal("*"), value=null, reason=ibis.literal(REASON),
                          record=null, quarantined_at=now)
    eng.append("quarantine", rows)
    return good.filter(~hit)
