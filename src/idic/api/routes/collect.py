"""Segment-compatible collection: ``POST /v1/batch`` and ``POST /v1/<call type>``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from idic.api.auth import COLLECT, Principal, require_role
from idic.api.schemas import CollectResult, SegmentBatch, SegmentMessage
from idic.service.collector import SpoolFailed

router = APIRouter(prefix="/v1", tags=["collection"])
log = logging.getLogger("idic.collector")
_collector = require_role(*COLLECT, basic=True)  # Segment clients send HTTP Basic
CALLS = ("track", "identify", "page", "screen", "group", "alias")


async def _collect(request: Request, principal: Principal,
                   messages: list[dict[str, Any]]) -> CollectResult:
    st = request.app.state.idic
    if len(messages) > st.settings.max_messages:
        raise HTTPException(413, f"at most {st.settings.max_messages} messages per batch")
    if not messages:
        return CollectResult(received=0, accepted=0, quarantined=0, duplicates=0)
    fut = await run_in_threadpool(st.collector.submit, messages)  # durable once this returns
    try:
        counts = await asyncio.wait_for(asyncio.wrap_future(fut), st.settings.ack_timeout)
        result = CollectResult(**counts)
    except SpoolFailed:  # (logged by the collector; never the error text or a path here)
        raise HTTPException(500, "the batch could not be ingested; it was set aside for an "
                            "operator (see the server log)") from None
    except TimeoutError:  # spooled durably; ingested as soon as the workspace is free
        result = CollectResult(received=len(messages), accepted=0, quarantined=0,
                               duplicates=0, pending=True)
    except Exception:  # the workspace failed: the files stay spooled for the next start
        log.exception("collection flush failed")
        raise HTTPException(503, "the batch is spooled but could not be ingested now; "
                            "sending it again is safe (idempotent)",
                            headers={"Retry-After": "5"}) from None
    st.audit_event(request, principal, "collect", detail={"received": result.received,
                                                          "accepted": result.accepted})
    return result


@router.post("/batch", response_model=CollectResult,
             summary="Collect a batch of Segment messages")
async def batch(body: SegmentBatch, request: Request,
                principal: Principal = Depends(_collector)) -> CollectResult:
    msgs = []
    for m in body.batch:
        if body.context and "context" not in m:
            m = {**m, "context": body.context}
        msgs.append(m)
    return await _collect(request, principal, msgs)


def _single(call: str):
    async def endpoint(body: SegmentMessage, request: Request,
                       principal: Principal = Depends(_collector)) -> CollectResult:
        msg = body.model_dump(exclude_none=True)
        msg["type"] = call
        return await _collect(request, principal, [msg])

    endpoint.__name__ = f"collect_{call}"
    return endpoint


for _call in CALLS:
    router.add_api_route(f"/{_call}", _single(_call), methods=["POST"],
                         response_model=CollectResult, summary=f"Collect one {_call} call")
