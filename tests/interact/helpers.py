"""Build canonical event rows for journey tests."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from idic.schema.tables import EVENTS

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
_ids = itertools.count()


def ev(user: str | None, event: str, at: float | timedelta | datetime, *,
       source: str = "web", type: str = "track", anonymous_id: str | None = None,
       channel: str | None = None, stage: str | None = None, sentiment: str | None = None,
       creator: str | None = None, properties: dict[str, Any] | None = None,
       message_id: str | None = None) -> dict[str, Any]:
    """One event; ``at`` in hours after :data:`T0` (or a timedelta / datetime)."""
    if isinstance(at, int | float):
        ts = T0 + timedelta(hours=at)
    elif isinstance(at, timedelta):
        ts = T0 + at
    else:
        ts = at
    return {
        "message_id": message_id or f"m{next(_ids):08d}",
        "source": source, "type": type, "timestamp": ts, "event": event,
        "user_id": user, "anonymous_id": anonymous_id, "channel": channel, "stage": stage,
        "creator": creator, "sentiment": sentiment,
        "properties": json.dumps(properties) if properties is not None else None,
        "context": None,
    }


def events_table(rows: list[dict[str, Any]]) -> pa.Table:
    schema = EVENTS.ibis_schema().to_pyarrow()
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    cols["_batch_id"] = ["test"] * len(rows)
    cols["_ingested_at"] = [T0] * len(rows)
    return pa.table(cols, schema=schema)


def load(ws, rows: list[dict[str, Any]]) -> None:
    ws.engine.append("events", events_table(rows))
