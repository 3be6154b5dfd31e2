"""Segment-compatible collection: ``POST /v1/batch`` and ``POST /v1/<call type>``."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from idic.api.auth import COLLECT, Principal, require_role
from idic.api.schemas import CollectResult, SegmentBatch, SegmentMessage

router = APIRouter(prefix="/v1", tags=["collection"])
CALLS = ("track", "identify", "page", "screen", "group", "alias")


async def _collect(request: Request, principal: Principal,
                   messages: list[dict[str, Any]]) -> CollectResult:
    st = request.app.state.idic
    size = int(request.headers.get("content-length") or 0)
    if size > st.settings.max_body_bytes:
        raise HTTPException(413, f"at most {st.settings.max_body_bytes} bytes per request")
    if len(messages) > st.settings.max_messages:
        raise HTTPException(413, f"at most {st.settings.max_messages} messages per batch")
    if not messages:
        return CollectResult(received=0, accepted=0, quarantined=0, duplicates=0)
    fut = await run_in_threadpool(st.collector.submit, messages)  # durable once this returns
    try:
        counts = await asyncio.wait_for(asyncio.wrap_future(fut), st.settings.ack_timeout)
        result = CollectResult(**counts)
    except TimeoutError:  # spooled durably; ingested as soon as the workspace is free
        result = CollectResult(received=len(messages), accepted=0, quarantined=0,
                               duplicates=0, pending=True)
    st.audit_event(request, principal, "collect", detail={"received": result.received,
                                                          "accepted": result.accepted})
    return result


@router.post("/batch", response_model=CollectResult,
             summary="Collect a batch of Segment messages")
async def batch(body: SegmentBatch, request: Request,
                principal: Principal = Depends(require_role(*COLLECT))) -> CollectResult:
    msgs = []
    for m in body.batch:
        if body.context and "context" not in m:
            m = {**m, "context": body.context}
        msgs.append(m)
    return await _collect(request, principal, msgs)


def _single(call: str):
    async def endpoint(body: SegmentMessage, request: Request,
                       principal: Principal = Depends(require_role(*COLLECT))) -> CollectResult:
        msg = body.model_dump(exclude_none=True)
        msg["type"] = call
        return await _collect(request, principal, [msg])

    endpoint.__name__ = f"collect_{call}"
    return endpoint


for _call in CALLS:
    router.add_api_route(f"/{_call}", _single(_call), methods=["POST"],
                         response_model=CollectResult, summary=f"Collect one {_call} call")
