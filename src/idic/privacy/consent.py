"""Consent ledger: grants and withdrawals per purpose, history kept; the current state.

Consents come from files (``idic ingest consents``) and from ``POST /v1/consents``; both go
through the same validated ingest into the ``consents`` table (append-only history). The
current state per customer and purpose is the latest row by ``recorded_at``. A consent
recorded for an already resolved customer uses ``source = "idic"`` and the customer id as
``source_customer_id``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from idic.ingest.loader import IngestResult, ingest_records
from idic.privacy.tombstones import CUSTOMER_SOURCE

__all__ = ["CUSTOMER_SOURCE", "consent_history", "consents_of", "current_consents",
           "record_consents", "with_customer_id"]


def with_customer_id(ws, t: ir.Table, col: str = "source_customer_id") -> ir.Table:
    local = ibis.cases((t.source == CUSTOMER_SOURCE, t[col]), else_=t.source.concat(":", t[col]))
    if ws.engine.has_table("identity_map"):
        m = ws.table("identity_map").select(_ms="source", _mr="source_record_id",
                                            _mc="customer_id")
        j = t.left_join(m, [t.source == m._ms, t[col] == m._mr])
        return j.mutate(customer_id=ibis.coalesce(j._mc, local)).drop("_ms", "_mr", "_mc")
    return t.mutate(customer_id=local)


def consent_history(ws) -> ir.Table | None:
    if not ws.engine.has_table("consents"):
        return None
    c = ws.table("consents")
    return with_customer_id(ws, c).select("customer_id", "purpose", "status", "recorded_at",
                                          "source", "proof", "channel")


def current_consents(ws) -> ir.Table | None:
    """One row per (customer_id, purpose): the latest grant or withdrawal."""
    h = consent_history(ws)
    if h is None:
        return None
    rn = ibis.row_number().over(group_by=["customer_id", "purpose"],
                                order_by=[ibis.desc("recorded_at"), ibis.desc("status")])
    h = h.mutate(_rn=rn)
    return h.filter(h._rn == 0).drop("_rn")


def consents_of(ws, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Current state and history for the given customer keys."""
    h = consent_history(ws)
    if h is None or not keys:
        return {"current": [], "history": []}
    cur = current_consents(ws)
    conv = ws.engine.to_arrow
    current = conv(cur.filter(cur.customer_id.isin(keys)).order_by("purpose")).to_pylist()
    hist = conv(h.filter(h.customer_id.isin(keys)).order_by("recorded_at")).to_pylist()
    return {"current": current, "history": hist}


def record_consents(ws, rows: list[dict[str, Any]], *, origin: str = "api") -> IngestResult:
    """Append consent rows (validated like a file) to the ledger."""
    cols = ("source", "source_customer_id", "purpose", "status", "recorded_at", "proof",
            "channel")
    now = datetime.now(UTC).isoformat()
    data = {c: [None if r.get(c) is None else str(r.get(c)) for r in rows] for c in cols}
    data["recorded_at"] = [v or now for v in data["recorded_at"]]
    return ingest_records(ws, "consents", pa.table(data, schema=pa.schema(
        [(c, pa.string()) for c in cols])), origin=origin)
