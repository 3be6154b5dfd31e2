"""Follow-up tasks for people: list (analyst, marketer, admin; contact details masked by
role), assign and close (marketer, admin: the people who work the tasks). A ``service``
key (a customer-service agent; the key names the person) lists and closes only its own
tasks, and sees the customer's name, e-mail and phone while a task is open (serving the
customer needs no marketing consent). Every change, and every refusal, is in the audit
log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from idic.api.auth import Principal, require_role
from idic.api.schemas import PRINTABLE

router = APIRouter(prefix="/v1", tags=["tasks"])
READ = ("admin", "analyst", "marketer", "service")
WORK = ("admin", "marketer")
CLOSE = ("admin", "marketer", "service")
TASK_ID = Path(..., pattern=r"^tsk_[0-9a-f]{16}$", max_length=20,
               description="Task id (tsk_ and 16 hex digits)")
_NOTE = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"


class Assign(BaseModel):
    owner: str = Field(..., min_length=1, max_length=100, pattern=PRINTABLE,
                       description="A person (tasks.members, an account owner) or "
                                   "queue:<team>")


class Close(BaseModel):
    outcome: Literal["success", "failure", "no_answer", "declined"]
    value: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False,
                                description="Value realised, workspace currency")
    note: str | None = Field(None, max_length=2000, pattern=_NOTE)


class _NotYours(Exception):
    """A service key touching a task of another owner."""


def _state_error(e: Exception) -> HTTPException:
    return HTTPException(409, str(e))


@router.get("/tasks", summary="Follow-up tasks (filters, paging; due first)")
async def list_tasks(request: Request,
                     principal: Principal = Depends(require_role(*READ)),
                     owner: str | None = Query(None, max_length=100, pattern=PRINTABLE),
                     status: Literal["open", "assigned", "done", "cancelled"] | None = None,
                     customer_id: str | None = Query(None, max_length=200, pattern=PRINTABLE),
                     action: str | None = Query(None, max_length=40, pattern=r"^[a-z_]+$"),
                     limit: int = Query(100, ge=1, le=1000),
                     offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    from idic.customize.tasks import store, view

    st = request.app.state.idic
    if principal.role == "service":  # an agent sees their own tasks only
        if owner is not None and owner != principal.owner:
            st.audit_event(request, principal, "list_tasks", status=403,
                           detail={"owner_asked": "another person"})
            raise HTTPException(403, "a service key lists its own tasks only")
        if principal.owner is None:  # (create_key never makes one; a hand-edited file may)
            raise HTTPException(403, "this service key names no person (re-create it with "
                                     "--owner)")
        owner = principal.owner

    def compute() -> dict[str, Any]:
        with st.gate.use() as ws:
            rows, total = store.query(ws, owner=owner, status=status, customer_id=customer_id,
                                      action=action, limit=limit, offset=offset)
            return {"tasks": view.masked(ws, rows, principal.role, st.secret,
                                         owner=principal.owner),
                    "total": total, "limit": limit, "offset": offset}

    res = await run_in_threadpool(st.cached, ("tasks", principal.role, principal.owner, owner,
                                              status, customer_id, action, limit, offset),
                                  compute)
    st.audit_event(request, principal, "list_tasks",
                   detail={"rows": len(res["tasks"]), "status": status})
    return res


async def _change(request: Request, principal: Principal, task_id: str, event: str,
                  change: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Run ``change(ws)`` on the writable workspace; a closed task is 409; audited either way."""
    from idic.customize.tasks import store

    st = request.app.state.idic

    def work() -> dict[str, Any]:
        with st.gate.use(write=True) as ws:
            if principal.role == "service" and store.get(ws, task_id)["owner"] != principal.owner:
                raise _NotYours
            return change(ws)

    try:
        row = await run_in_threadpool(work)
    except store.TaskStateError as e:
        st.audit_event(request, principal, event, target=task_id, status=409)
        raise _state_error(e) from None
    except _NotYours:
        st.audit_event(request, principal, event, target=task_id, status=403)
        raise HTTPException(403, "a service key works its own tasks only") from None
    st.audit_event(request, principal, event, target=task_id,
                   detail=store.audit_detail(event, row))
    return store.jsonable(row)


@router.post("/tasks/{task_id}/assign", summary="Give a task to a person or a team queue",
             responses={404: {"description": "unknown task"},
                        409: {"description": "the task is closed"}})
async def assign_task(body: Assign, request: Request, task_id: str = TASK_ID,
                      principal: Principal = Depends(require_role(*WORK))) -> dict[str, Any]:
    from idic.customize.tasks import store

    return await _change(
        request, principal, task_id, "task_assign",
        lambda ws: store.assign(ws, task_id, body.owner))


@router.post("/tasks/{task_id}/close", summary="Close a task with its outcome",
             responses={404: {"description": "unknown task"},
                        409: {"description": "the task is already closed"}})
async def close_task(body: Close, request: Request, task_id: str = TASK_ID,
                     principal: Principal = Depends(require_role(*CLOSE))) -> dict[str, Any]:
    from idic.customize.tasks import store

    return await _change(
        request, principal, task_id, "task_close",
        lambda ws: store.close(ws, task_id, body.outcome, value=body.value, note=body.note))
