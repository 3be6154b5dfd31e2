"""Restriction of processing (GDPR art. 18) and objection (art. 21): a ledger and its state.

``processing_restrictions`` keeps one row per request or lifting (``right`` = restriction or
objection, ``status`` = active or lifted, ``recorded_at``, ``reason``), history kept like the
consent ledger. A customer is blocked while the latest record of either right is active (an
activation and a lifting at the same instant: still active). Blocked customers stay in the
data (restriction means "kept but not processed") and never pass :func:`idic.customize.gate.gate`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from idic.errors import InputError

RESTRICTIONS = "processing_restrictions"
RIGHTS = ("restriction", "objection")
STATUSES = ("active", "lifted")
SCHEMA = pa.schema([("customer_id", pa.string()), ("right", pa.string()),
                    ("status", pa.string()), ("recorded_at", pa.timestamp("us", tz="UTC")),
                    ("reason", pa.string())])


def record(ws, customer_id: str, right: str, *, status: str = "active",
           reason: str | None = None, at: datetime | None = None) -> dict:
    """Append one restriction/objection record (or its lifting); returns it. An active one
    also removes the customer's rows from the profiling tables at once (``withheld``: rows
    removed per table) and cancels their open follow-up tasks (``tasks_cancelled``); a
    lifting brings them back at the next run."""
    from idic.suggest import unknown_name

    if right not in RIGHTS:
        raise unknown_name("right", right, RIGHTS)
    if status not in STATUSES:
        raise unknown_name("status", status, STATUSES)
    if not customer_id or not customer_id.strip():
        raise InputError("a customer id is needed")
    eng = ws.engine
    if not eng.has_table(RESTRICTIONS):
        eng.create_table(RESTRICTIONS, SCHEMA.empty_table(), overwrite=False)
    row = {"customer_id": customer_id.strip(), "right": right, "status": status,
           "recorded_at": at or datetime.now(UTC), "reason": reason}
    eng.append(RESTRICTIONS, pa.Table.from_pylist([row], schema=SCHEMA))
    if status == "active":  # takes effect now, not at the next run
        from idic.customize.gate import withhold_blocked
        from idic.customize.tasks.store import cancel_for_customer

        cancelled = cancel_for_customer(ws, row["customer_id"], f"{right} recorded")
        return {**row, "withheld": withhold_blocked(ws), "tasks_cancelled": cancelled}
    return row


def active_blocks(ws) -> ir.Table | None:
    """Customer ids with an active restriction or objection (column ``customer_id``)."""
    if not ws.engine.has_table(RESTRICTIONS):
        return None
    r = ws.table(RESTRICTIONS)
    g = r.group_by("customer_id", "right").aggregate(
        _a=r.recorded_at.max(where=r.status == "active"),
        _l=r.recorded_at.max(where=r.status == "lifted"))
    on = g._a.notnull() & (g._l.isnull() | (g._a >= g._l))
    return g.filter(on).select("customer_id").distinct()


def state_of(ws, customer_id: str) -> dict[str, bool]:
    """``{"restriction": bool, "objection": bool}`` for one customer."""
    out = dict.fromkeys(RIGHTS, False)
    if not ws.engine.has_table(RESTRICTIONS):
        return out
    r = ws.table(RESTRICTIONS)
    r = r.filter(r.customer_id == ibis.literal(customer_id))
    rows = ws.engine.to_arrow(r.select("right", "status", "recorded_at")).to_pylist()
    for right in RIGHTS:
        mine = [x for x in rows if x["right"] == right]
        if mine:
            last = max(x["recorded_at"] for x in mine)
            out[right] = any(x["status"] == "active" for x in mine if x["recorded_at"] == last)
    return out
