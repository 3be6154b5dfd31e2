"""Next best action over HTTP: one customer's chosen action (what the customer 360 shows)
and the whole table, paged and filtered by action, for the people who act on it."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from idic.api.auth import READ_PROFILES, Principal, require_role
from idic.api.schemas import PRINTABLE

router = APIRouter(prefix="/v1", tags=["next best action"])
#: the list is for the people who plan and run the actions (as audiences)
LIST = ("admin", "analyst", "marketer")
Action = Literal["retain", "win_back", "cross_sell", "up_sell", "service_recovery",
                 "reduce_cost_to_serve", "dont_contact"]
NOT_RUN = "no next best action yet: run `idic nba run` (or `idic run`)"


def _row(r: dict[str, Any]) -> dict[str, Any]:
    alts = json.loads(r.get("alternatives") or "[]")
    r["alternatives"] = sorted(alts, key=lambda a: (-a["expected_value"], a["action"]))
    return r


@router.get("/customers/{customer_id}/next-best-action",
            summary="The customer's next best action, its expected value and reason")
async def customer_nba(request: Request,
                       customer_id: str = Path(..., max_length=200, pattern=PRINTABLE),
                       principal: Principal = Depends(require_role(*READ_PROFILES))
                       ) -> dict[str, Any]:
    from idic.customize.nba.stage import TABLE, for_customer

    st = request.app.state.idic

    def compute() -> tuple[bool, dict[str, Any] | None]:
        with st.gate.use() as ws:
            if not ws.engine.has_table(TABLE):
                return False, None
            return True, for_customer(ws, customer_id)

    ran, row = await run_in_threadpool(compute)
    st.audit_event(request, principal, "read_nba", target=customer_id,
                   status=200 if row else 404)
    if not ran:
        raise HTTPException(404, NOT_RUN)
    if row is None:
        raise HTTPException(404, "no such customer")
    return row


@router.get("/nba", summary="Next best actions, highest expected value first (paged)",
            responses={404: {"description": "The nba stage has not run yet"}})
async def list_nba(request: Request,
                   action: Action | None = Query(None, description="Only this action"),
                   min_expected_value: float | None = Query(
                       None, ge=-1e15, le=1e15, description="Only at least this EV"),
                   limit: int = Query(100, ge=1, le=10_000),
                   offset: int = Query(0, ge=0, le=10**9),
                   principal: Principal = Depends(require_role(*LIST))) -> dict[str, Any]:
    from idic.customize.nba.stage import TABLE

    st = request.app.state.idic

    def compute() -> dict[str, Any] | None:
        with st.gate.use() as ws:
            if not ws.engine.has_table(TABLE):
                return None
            t = ws.table(TABLE)
            if action is not None:
                t = t.filter(t.action == action)
            if min_expected_value is not None:
                t = t.filter(t.expected_value >= min_expected_value)
            total = int(ws.engine.to_arrow(t.aggregate(n=t.count())).column("n")[0].as_py())
            page = t.order_by([t.expected_value.desc(), t.customer_id]).limit(limit,
                                                                               offset=offset)
            rows = [_row(r) for r in ws.engine.to_arrow(page).to_pylist()]
        return {"total": total, "limit": limit, "offset": offset, "action": action,
                "rows": rows}

    res = await run_in_threadpool(compute)
    st.audit_event(request, principal, "list_nba", target=action,
                   status=200 if res else 404,
                   detail={"rows": len(res["rows"])} if res else None)
    if res is None:
        raise HTTPException(404, NOT_RUN)
    return res
