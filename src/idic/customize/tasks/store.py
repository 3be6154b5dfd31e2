"""The ``tasks`` table and what people do to a task: list, assign, close.

A task's life: ``open`` (in a team queue, owner ``queue:<team>``) or ``assigned`` (a person
owns it) -> ``done`` (closed by a person with an outcome) or ``cancelled`` (by the ``tasks``
stage, with the reason in ``status_reason``). ``done`` and ``cancelled`` are final: nothing
reopens, rewrites or deletes a closed task (erasure of the customer excepted).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from idic.customize.tasks import validate as V
from idic.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from idic.workspace import Workspace

TABLE = "tasks"
STATUSES = ("open", "assigned", "done", "cancelled")
ACTIVE = ("open", "assigned")
QUEUE = "queue:"
TS = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema([
    ("task_id", pa.string()), ("customer_id", pa.string()), ("action", pa.string()),
    ("reason", pa.string()), ("expected_value", pa.float64()), ("channel", pa.string()),
    ("purpose", pa.string()), ("priority", pa.string()), ("team", pa.string()),
    ("owner", pa.string()), ("account_id", pa.string()), ("status", pa.string()),
    ("status_reason", pa.string()), ("created_at", TS), ("updated_at", TS), ("due_at", TS),
    ("closed_at", TS), ("outcome", pa.string()), ("value_realised", pa.float64()),
    ("note", pa.string()), ("seq", pa.int64()),
])


class TaskStateError(InputError):
    """The task exists but is closed (done or cancelled): it cannot change any more."""


def make_id(customer_id: str, action: str, seq: int) -> str:
    """Stable id of the ``seq``-th task (0, 1, ...) of a customer for an action."""
    h = hashlib.sha256(f"{customer_id}\x1f{action}\x1f{seq}".encode()).hexdigest()
    return "tsk_" + h[:16]


def status_for(owner: str | None) -> str:
    return "open" if not owner or owner.startswith(QUEUE) else "assigned"


def _rows(ws: Workspace, expr: Any) -> list[dict[str, Any]]:
    """Rows as dicts, timestamps in UTC (Spark hands them back without a time zone)."""
    rows = ws.engine.to_arrow(expr).to_pylist()
    for r in rows:
        for k, v in r.items():
            if isinstance(v, datetime) and v.tzinfo is None:
                r[k] = v.replace(tzinfo=UTC)
    return rows


def read_all(ws: Workspace) -> list[dict[str, Any]]:
    if not ws.engine.has_table(TABLE):
        return []
    return _rows(ws, ws.table(TABLE).order_by("task_id"))


def write_all(ws: Workspace, rows: list[dict[str, Any]]) -> None:
    rows = sorted(rows, key=lambda r: r["task_id"])
    ws.engine.create_table(TABLE, pa.Table.from_pylist(rows, schema=SCHEMA))


def query(ws: Workspace, *, owner: str | None = None, status: str | None = None,
          customer_id: str | None = None, action: str | None = None, limit: int | None = None,
          offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Tasks (due first, then task id) filtered; returns (page of rows, total matching)."""
    if status is not None and status not in STATUSES:
        from idic.suggest import unknown_name

        raise unknown_name("status", str(status)[:60], STATUSES, given_in="--status")
    if owner is not None:
        owner = V.owner(owner)
    if not ws.engine.has_table(TABLE):
        return [], 0
    t = ws.table(TABLE)
    for col, v in (("owner", owner), ("status", status), ("customer_id", customer_id),
                   ("action", action)):
        if v is not None:
            t = t.filter(t[col] == v)
    total = int(ws.engine.to_pandas(t.aggregate(n=t.count()))["n"].iloc[0])
    t = t.order_by([t.due_at, t.task_id])
    if limit is not None:
        t = t.limit(limit, offset=offset)
    return _rows(ws, t), total


def get(ws: Workspace, task_id: str) -> dict[str, Any]:
    tid = V.task_id(task_id)
    rows: list[dict[str, Any]] = []
    if ws.engine.has_table(TABLE):
        t = ws.table(TABLE)
        rows = _rows(ws, t.filter(t.task_id == tid))
    if not rows:
        raise NotFoundError(f"unknown task {tid!r}", hint="list them with `idic tasks list`")
    return rows[0]


def known_owners(ws: Workspace) -> set[str]:
    """Who may own a task: the team members of ``workspace.json``, the owners of B2B accounts,
    the team queues (``queue:<team>``) and the people who already own a task."""
    from idic.customize.tasks.rules import config

    cfg = config(ws)
    out = cfg.people() | {QUEUE + t for t in {*cfg.teams.values(), *cfg.members}}
    eng = ws.engine
    if eng.has_table("accounts") and "owner" in ws.table("accounts").columns:
        a = ws.table("accounts")
        out |= {str(o).strip() for o in eng.to_pandas(a.select("owner").distinct())["owner"]
                if o is not None and str(o).strip()}
    if eng.has_table(TABLE):
        t = ws.table(TABLE)
        out |= {str(o) for o in eng.to_pandas(t.select("owner").distinct())["owner"]
                if o is not None}
    return out


def _check_active(row: dict[str, Any], verb: str) -> None:
    if row["status"] not in ACTIVE:
        when = row["closed_at"].isoformat() if row.get("closed_at") else "earlier"
        why = (f" (outcome {row['outcome']})" if row["status"] == "done"
               else f" ({row['status_reason']})" if row.get("status_reason") else "")
        raise TaskStateError(f"task {row['task_id']!r} is already {row['status']}{why} since "
                             f"{when}: it cannot be {verb}",
                             hint="closed tasks are final; the tasks stage opens a new task "
                                  "when the next best action asks for one again")


def _update(ws: Workspace, tid: str, values: dict[str, Any]) -> None:
    def assign(t: Any) -> dict[str, Any]:
        out = {}
        for k, v in values.items():
            typ = t[k].type()
            out[k] = ibis.null(typ) if v is None else ibis.literal(v, type=typ)
        return out

    n = ws.engine.update_where(TABLE, lambda t: (t.task_id == tid) & t.status.isin(ACTIVE),
                               assign)
    if n == 0:  # closed by someone else between the read and the write
        _check_active(get(ws, tid), "changed")


def assign(ws: Workspace, task_id: str, owner: str, *, at: datetime | None = None
           ) -> dict[str, Any]:
    """Give an active task to ``owner`` (a known owner, see :func:`known_owners`)."""
    who = V.owner(owner)
    row = get(ws, task_id)
    _check_active(row, "assigned")
    known = known_owners(ws)
    if who not in known:
        from idic.suggest import unknown_name

        raise unknown_name("owner", who, known, given_in="--owner",
                           none_hint="add people to tasks.members in workspace.json")
    now = at or datetime.now(UTC)
    new = {"owner": who, "status": status_for(who), "updated_at": now}
    _update(ws, row["task_id"], new)
    return {**row, **new, "previous_owner": row["owner"]}


def close(ws: Workspace, task_id: str, outcome: str, *, value: Any = None,
          note: str | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Close an active task with its outcome, the value it realised and a note."""
    out = V.outcome(outcome)
    val = V.value(value)
    text = V.note(note)
    row = get(ws, task_id)
    _check_active(row, "closed")
    now = at or datetime.now(UTC)
    new = {"status": "done", "outcome": out, "value_realised": val, "note": text,
           "closed_at": now, "updated_at": now}
    _update(ws, row["task_id"], new)
    return {**row, **new}


def cancel_for_customer(ws: Workspace, customer_id: str, why: str, *,
                        at: datetime | None = None) -> int:
    """Cancel the customer's active tasks at once (a restriction or objection was recorded);
    closed tasks stay as they are. Returns how many were cancelled."""
    if not ws.engine.has_table(TABLE):
        return 0
    now = at or datetime.now(UTC)

    def values(t: Any) -> dict[str, Any]:
        return {"status": ibis.literal("cancelled", type=t.status.type()),
                "status_reason": ibis.literal(why, type=t.status_reason.type()),
                "updated_at": ibis.literal(now, type=t.updated_at.type()),
                "closed_at": ibis.literal(now, type=t.closed_at.type())}

    return ws.engine.update_where(
        TABLE, lambda t: (t.customer_id == customer_id) & t.status.isin(ACTIVE), values)


def audit_detail(event: str, row: dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a person's change to a task (``task_assign`` or
    ``task_close``; never the note's text, only its length): the same from the CLI and
    the API."""
    if event == "task_assign":
        return {"owner": row["owner"], "previous_owner": row["previous_owner"]}
    return {"outcome": row["outcome"], "value_realised": row["value_realised"],
            "note_chars": len(row["note"] or "")}


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()
            if k != "seq"}
