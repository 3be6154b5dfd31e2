"""Consents (write), data-subject requests (export, erasure), audit log, identity of a key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from idic.api.auth import (
    ANY,
    AUDIT,
    CONSENT_WRITE,
    PRIVACY,
    Principal,
    require_role,
)
from idic.api.schemas import PRINTABLE, Consent, ConsentBatch, IngestCounts, SubjectRequest
from idic.errors import InputError
from idic.privacy import audit as audit_log
from idic.privacy.consent import CUSTOMER_SOURCE, record_consents
from idic.privacy.dsr import compact, erase_subject, export_subject

router = APIRouter(prefix="/v1", tags=["privacy"])


def _consent_row(c: Consent) -> dict[str, Any]:
    if c.customer_id:
        src, sid = CUSTOMER_SOURCE, c.customer_id
    elif c.source and c.source_customer_id:
        src, sid = c.source, c.source_customer_id
    else:
        raise InputError("a consent needs customer_id, or source and source_customer_id")
    return {"source": src, "source_customer_id": sid, "purpose": c.purpose,
            "status": c.status, "recorded_at": c.recorded_at, "proof": c.proof,
            "channel": c.channel}


@router.post("/consents", response_model=IngestCounts, summary="Record consents (ledger)")
def post_consents(body: Consent | ConsentBatch, request: Request,
                  principal: Principal = Depends(require_role(*CONSENT_WRITE))) -> IngestCounts:
    st = request.app.state.idic
    items = body.consents if isinstance(body, ConsentBatch) else [body]
    rows = [_consent_row(c) for c in items]
    with st.gate.use(write=True) as ws:
        r = record_consents(ws, rows, origin=f"api:{principal.key_id}")
    st.audit_event(request, principal, "record_consents",
                   detail={"received": r.received, "accepted": r.accepted})
    return IngestCounts(received=r.received, accepted=r.accepted, quarantined=r.quarantined,
                        duplicates=r.duplicates)


def _ident(body: SubjectRequest) -> dict[str, Any]:
    return body.model_dump(exclude={"compact", "dry_run"}, exclude_none=True)


@router.post("/privacy/export", summary="Everything held on a person (GDPR arts. 15, 20)")
def privacy_export(body: SubjectRequest, request: Request,
                   principal: Principal = Depends(require_role(*PRIVACY))) -> dict[str, Any]:
    st = request.app.state.idic
    st.collector.flush()  # events acknowledged but not yet ingested belong in the export
    with st.gate.use() as ws:
        out = export_subject(ws, **_ident(body))
    st.audit_event(request, principal, "dsr_export", target=out["request_id"],
                   detail={"tables": out["counts"]})
    return out


@router.post("/privacy/erasure", summary="Erase a person everywhere (GDPR art. 17)")
def privacy_erasure(body: SubjectRequest, request: Request,
                    principal: Principal = Depends(require_role(*PRIVACY))) -> dict[str, Any]:
    st = request.app.state.idic
    st.collector.flush()
    if body.dry_run:
        with st.gate.use() as ws:
            return erase_subject(ws, **_ident(body), dry_run=True)
    with st.gate.use(write=True) as ws:
        receipt = erase_subject(ws, **_ident(body))
        if body.compact:
            st.gate.exclusive_close()
            compact(st.path)
            receipt["compacted"] = True
    # logged without personal data: the receipt holds counts, table and file names only
    st.audit_event(request, principal, "dsr_erasure", target=receipt["request_id"],
                   detail={"tables": receipt["tables"], "files": len(receipt["files"]),
                           "rows_removed": receipt["rows_removed"]})
    return receipt


@router.get("/audit", summary="The audit log (admins)")
def get_audit(request: Request, limit: int = Query(100, ge=1, le=10_000),
              offset: int = Query(0, ge=0, le=10**9),
              action: str | None = Query(None, max_length=100, pattern=PRINTABLE),
              key_id: str | None = Query(None, max_length=100, pattern=PRINTABLE),
              principal: Principal = Depends(require_role(*AUDIT))) -> dict[str, Any]:
    st = request.app.state.idic
    st.audit_event(request, principal, "read_audit")
    st.collector.flush()
    with st.gate.use() as ws:
        entries = audit_log.read(ws, limit=limit, offset=offset, action=action, key_id=key_id)
    return {"entries": entries, "limit": limit, "offset": offset}


@router.get("/whoami", summary="The key's id and role (and, for a service key, its person)")
def whoami(principal: Principal = Depends(require_role(*ANY))) -> dict[str, str]:
    out = {"key_id": principal.key_id, "role": principal.role}
    if principal.owner is not None:
        out["owner"] = principal.owner
    return out
