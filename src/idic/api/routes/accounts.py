"""B2B accounts: the list of accounts by value and the account 360 (Peppers & Rogers ch. 5,
"Customer Identification in a B2B Setting").

An account is a company: its attributes and sums are not personal data and every role that
reads profiles sees them. Its *contacts* are persons: each contact row is masked like a
customer summary (an analyst sees pseudonyms, a marketer sees an e-mail only with consent),
and the record that proves a link (``evidence``: ``source:record``) is shown to admin and
privacy only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from idic.api.auth import READ_PROFILES, Principal, require_role
from idic.api.routes.customers import _mask_summary
from idic.api.schemas import PRINTABLE
from idic.errors import NotFoundError
from idic.service.customers360 import _rows

router = APIRouter(prefix="/v1", tags=["accounts"])
_SORTS = ("revenue", "clv", "contacts", "orders", "recency_days")


@router.get("/accounts", summary="B2B accounts ranked by value (revenue, CLV, contacts)",
            responses={404: {"description": "no accounts in this workspace"}})
async def accounts(request: Request,
                   principal: Principal = Depends(require_role(*READ_PROFILES)),
                   sort: str = Query("revenue", pattern="^(" + "|".join(_SORTS) + ")$"),
                   limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0,
                                                                             le=10**9)
                   ) -> dict[str, Any]:
    st = request.app.state.idic

    def compute() -> dict[str, Any] | None:
        with st.gate.use() as ws:
            if not ws.engine.has_table("account_value"):
                return None
            v = ws.table("account_value")
            key = v[sort]
            order = (key.asc(nulls_first=False) if sort == "recency_days"
                     else key.desc(nulls_first=False))
            rows = _rows(ws, v.order_by([order, v.account_id]).limit(limit, offset=offset))
            return {"accounts": rows, "total": int(ws.engine.count("account_value")),
                    "limit": limit, "offset": offset, "sort": sort}

    res = await run_in_threadpool(st.cached, ("accounts", sort, limit, offset), compute)
    st.audit_event(request, principal, "list_accounts", status=200 if res else 404)
    if res is None:
        raise HTTPException(404, "no accounts: load an accounts file or group calls, then "
                                 "run idic accounts run")
    return res


@router.get("/accounts/{account_id}", summary="Account 360: attributes, value, contacts, "
            "recent orders and journeys",
            responses={404: {"description": "unknown account (the closest ids are named)"}})
async def account(request: Request,
                  account_id: str = Path(..., max_length=200, pattern=PRINTABLE),
                  principal: Principal = Depends(require_role(*READ_PROFILES))
                  ) -> dict[str, Any]:
    st = request.app.state.idic
    from idic.accounts.profile import account_profile

    def compute() -> dict[str, Any]:
        with st.gate.use() as ws:
            try:
                p = account_profile(ws, account_id)
            except NotFoundError as e:
                return {"_missing": str(e)}
            contacts = [{k: v for k, v in c.items() if k != "account_id"}
                        for c in p["contacts"]]
            if principal.role not in ("admin", "privacy"):
                contacts = [{k: v for k, v in c.items() if k != "evidence"} for c in contacts]
            p["contacts"] = _mask_summary(st, contacts, principal.role, ws)
            return p  # (rows come JSON-ready from the profile)

    p = await run_in_threadpool(st.cached, ("account", principal.role, account_id), compute)
    missing = p.get("_missing")
    st.audit_event(request, principal, "read_account", target=account_id,
                   status=404 if missing else 200)
    if missing:
        raise HTTPException(404, missing)
    return p
