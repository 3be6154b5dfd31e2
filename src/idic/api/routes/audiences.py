"""Audiences for the marketer (list, members, export: always behind the consent gate) and
the remaining data-subject rights for the privacy officer (restriction, objection,
rectification)."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from idic.api.auth import PRIVACY, Principal, require_role
from idic.api.schemas import PRINTABLE

router = APIRouter(prefix="/v1", tags=["audiences"])
MARKETING = ("admin", "marketer")
READ = ("admin", "analyst", "marketer")
NAME = Path(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", max_length=64)


def _members(ws, name: str) -> list[str]:
    from idic.customize import audiences as au

    aud = au.get(ws, name)
    t = au.members_expr(ws, aud).order_by("customer_id")  # live: consent as of now
    return ws.engine.to_arrow(t).column("customer_id").to_pylist()


@router.get("/audiences", summary="Saved audiences (latest versions)")
def list_audiences(request: Request,
                   principal: Principal = Depends(require_role(*READ))) -> dict[str, Any]:
    from idic.customize import audiences as au

    with request.app.state.idic.gate.use() as ws:
        return {"audiences": [a.as_dict() for a in au.all_audiences(ws)]}


@router.get("/audiences/{name}/members", summary="Members now (rule + consent gate)")
def audience_members(request: Request, name: str = NAME,
                     limit: int = Query(1000, ge=1, le=100_000),
                     offset: int = Query(0, ge=0),
                     principal: Principal = Depends(require_role(*MARKETING))
                     ) -> dict[str, Any]:
    st = request.app.state.idic
    with st.gate.use() as ws:
        ids = _members(ws, name)
    st.audit_event(request, principal, "audience_members", target=name,
                   detail={"rows": len(ids)})
    return {"audience": name, "total": len(ids), "offset": offset,
            "customer_ids": ids[offset:offset + limit]}


@router.get("/audiences/{name}/export", summary="Members as CSV (customer_id)")
def audience_export(request: Request, name: str = NAME,
                    principal: Principal = Depends(require_role(*MARKETING))) -> Response:
    st = request.app.state.idic
    with st.gate.use() as ws:
        ids = _members(ws, name)
    st.audit_event(request, principal, "audience_export", target=name,
                   detail={"rows": len(ids)})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["customer_id", "audience"])
    w.writerows([i, name] for i in ids)
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


class RightRequest(BaseModel):
    customer_id: str = Field(..., min_length=1, max_length=200, pattern=PRINTABLE)
    right: Literal["restriction", "objection"]
    lift: bool = False
    reason: str | None = Field(None, max_length=500, pattern=PRINTABLE)


class Rectification(BaseModel):
    customer_id: str = Field(..., min_length=1, max_length=200, pattern=PRINTABLE)
    field: str = Field(..., max_length=40, pattern=PRINTABLE)
    value: str = Field(..., max_length=500, pattern=PRINTABLE)


@router.post("/privacy/rights", summary="Restriction (art. 18) or objection (art. 21)")
def privacy_right(body: RightRequest, request: Request,
                  principal: Principal = Depends(require_role(*PRIVACY))) -> dict[str, Any]:
    from idic.customize import rights

    st = request.app.state.idic
    with st.gate.use(write=True) as ws:
        row = rights.record(ws, body.customer_id, body.right,
                            status="lifted" if body.lift else "active", reason=body.reason)
    st.audit_event(request, principal, f"dsr_{body.right}", target=body.customer_id,
                   detail={"status": row["status"]})
    return {**row, "recorded_at": row["recorded_at"].isoformat()}


@router.post("/privacy/rectification", summary="Correct a golden-record attribute (art. 16)")
def privacy_rectify(body: Rectification, request: Request,
                    principal: Principal = Depends(require_role(*PRIVACY))) -> dict[str, Any]:
    from idic.customize.retention import rectify

    st = request.app.state.idic
    with st.gate.use(write=True) as ws:
        res = rectify(ws, body.customer_id, body.field, body.value)
    st.audit_event(request, principal, "dsr_rectify", target=body.customer_id,
                   detail={"field": body.field, "request_id": res["request_id"]})
    return res
