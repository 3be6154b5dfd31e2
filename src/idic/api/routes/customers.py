"""Customer 360 and lookup, masked by role (least privilege)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from idic.api.auth import CONSENT_READ, READ_PROFILES, Principal, require_role
from idic.api.schemas import PRINTABLE, CustomerList, CustomerQuery, query_model
from idic.privacy.consent import consents_of
from idic.privacy.roles import mask_row
from idic.service import customers360 as svc

router = APIRouter(prefix="/v1", tags=["customers"])
_ROW_LISTS = ("identities", "orders", "cases", "survey_responses", "recent_events", "journeys",
              "mentions", "referral_tree")


def _granted(profile: dict[str, Any]) -> set[str]:
    return {c["purpose"] for c in profile.get("consents", {}).get("current", [])
            if c.get("status") == "granted"}


def mask_profile(p: dict[str, Any], role: str, secret: bytes) -> dict[str, Any]:
    ok = _granted(p)
    out = dict(p)
    out["golden"] = mask_row(p["golden"], role, secret, ok) if p.get("golden") else None
    for k in _ROW_LISTS:
        if k in p:
            out[k] = [mask_row(r, role, secret, ok) for r in p[k]]
    out["value"] = {k: mask_row(v, role, secret, ok) for k, v in p.get("value", {}).items()}
    out["segments"] = {k: [mask_row(r, role, secret, ok) for r in v]
                       for k, v in p.get("segments", {}).items()}
    if p.get("account"):  # B2B: the record behind the link is an identifier
        acc = mask_row(p["account"], role, secret, ok)
        out["account"] = acc if role in ("admin", "privacy") else {
            k: v for k, v in acc.items() if k != "evidence"}
    if p.get("tasks"):  # follow-up tasks: the rep's note is free text, for those who work them
        out["tasks"] = [mask_row({k: v for k, v in r.items() if k != "note"
                                  or role in ("admin", "privacy", "marketer")}, role, secret, ok)
                        for r in p["tasks"]]
    if role == "analyst":
        out["consents"] = {"current": [mask_row(r, role, secret) for r in
                                       p["consents"]["current"]], "history": []}
    return out


def _mask_summary(st, rows: list[dict[str, Any]], role: str, ws) -> list[dict[str, Any]]:
    if role in ("admin", "privacy"):
        return rows
    out = []
    for r in rows:
        granted: set[str] = set()
        if role == "marketer":
            cur = consents_of(ws, [r["customer_id"]])["current"]
            granted = {c["purpose"] for c in cur if c["status"] == "granted"}
        out.append(mask_row(r, role, st.secret, granted))
    return out


_customer_query, _CUSTOMER_QUERY_DOC = query_model(CustomerQuery)


@router.get("/customers", response_model=CustomerList, openapi_extra=_CUSTOMER_QUERY_DOC,
            summary="Look up customers by e-mail, phone or source record; or list them")
async def customers(request: Request,
                    principal: Principal = Depends(require_role(*READ_PROFILES)),
                    q: CustomerQuery = Depends(_customer_query)) -> Response:  # key first
    email, phone, source, source_record_id = q.email, q.phone, q.source, q.source_record_id
    country, limit, offset = q.country, q.limit, q.offset
    st = request.app.state.idic
    lookup = bool(email or phone or source_record_id)

    def compute() -> dict[str, Any]:
        with st.gate.use() as ws:
            if lookup:
                rows = svc.lookup(ws, email=email, phone=phone, source=source,
                                  source_record_id=source_record_id, limit=limit, offset=offset,
                                  tables=st.table_names(ws))
                res = {"customers": rows, "total": None, "limit": limit, "offset": offset}
            else:
                res = svc.list_customers(ws, limit=limit, offset=offset, country=country)
            res["customers"] = _mask_summary(st, res["customers"], principal.role, ws)
            return res

    key = ("list", principal.role, email, phone, source, source_record_id, country, limit,
           offset)
    hit, res = st.cache_get(key)  # a hit is answered on the event loop, no thread hop
    if not hit and (email or phone) and not (source or source_record_id) \
            and principal.role != "marketer":  # (a marketer's masking reads consents)
        rows = st.lookups.find(email=email, phone=phone, limit=limit, offset=offset)
        if rows is not None:  # the index of the current generation: no query, no thread
            hit, res = True, {"customers": _mask_summary(st, rows, principal.role, None),
                              "total": None, "limit": limit, "offset": offset}
    if not hit:
        res = await run_in_threadpool(st.cached, key, compute)
    target = (st.hashed("email", email.lower()) if email else st.hashed("phone", phone)
              if phone else st.hashed("record", f"{source}:{source_record_id}")
              if source_record_id else None)
    st.audit_event(request, principal, "lookup" if lookup else "list", target=target,
                   detail={"found": len(res["customers"])})
    # serialised once, by pydantic (returning the model made FastAPI dump, re-validate and
    # re-encode it: ~10% of a lookup's CPU); the schema is still ``response_model``
    return Response(CustomerList(**res).model_dump_json(), media_type="application/json")


@router.get("/customers/{customer_id}", summary="Customer 360 profile")
async def customer(request: Request,
                   customer_id: str = Path(..., max_length=200, pattern=PRINTABLE),
                   principal: Principal = Depends(require_role(*READ_PROFILES))
                   ) -> dict[str, Any]:
    st = request.app.state.idic

    def compute() -> dict[str, Any] | None:
        with st.gate.use() as ws:
            p = svc.profile(ws, customer_id)
        return None if p is None else mask_profile(p, principal.role, st.secret)

    key = ("profile", principal.role, customer_id)
    hit, p = st.cache_get(key)
    if not hit:
        p = await run_in_threadpool(st.cached, key, compute)
    st.audit_event(request, principal, "read_profile", target=customer_id,
                   status=200 if p else 404)
    if p is None:
        raise HTTPException(404, "no such customer")
    return p


@router.get("/customers/{customer_id}/consents", summary="Current consents and history")
def customer_consents(request: Request,
                      customer_id: str = Path(..., max_length=200, pattern=PRINTABLE),
                      principal: Principal = Depends(require_role(*CONSENT_READ))
                      ) -> dict[str, Any]:
    st = request.app.state.idic
    with st.gate.use() as ws:
        keys = sorted({customer_id, *(f"{s}:{r}" for s, r in svc.records_of(ws, customer_id))})
        c = consents_of(ws, keys)
    st.audit_event(request, principal, "read_consents", target=customer_id)
    return {"customer_id": customer_id,
            "current": [{k: svc._j(v) for k, v in r.items()} for r in c["current"]],
            "history": [{k: svc._j(v) for k, v in r.items()} for r in c["history"]]}
