"""Rectification (GDPR art. 16) and retention periods with a purge and its receipt (art. 5(1)(e)).

Rectification corrects a golden-record attribute of a customer. The correction is kept in
``rectifications`` (customer_id, field, value, rectified_at, request_id) and re-applied by
the customize stage after every identify run, so a later run that rebuilds ``customers``
from the sources does not bring the wrong value back.

Retention: ``workspace.json`` ``{"privacy": {"retention": {"events": 730, "contacts":
{"days": 365, "column": "sent_at"}}}}`` gives a period in days per table (the time column
is the canonical table's own when not given). :func:`purge` deletes the rows older than the
period and returns a receipt (request id, cut-off per table, rows removed), no personal data.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from idic.errors import InputError, NotFoundError

RECTIFICATIONS = "rectifications"
FIELDS = ("first_name", "last_name", "birth_date", "email", "phone", "address", "postcode",
          "city", "region", "country")
SCHEMA = pa.schema([("customer_id", pa.string()), ("field", pa.string()),
                    ("value", pa.string()), ("rectified_at", pa.timestamp("us", tz="UTC")),
                    ("request_id", pa.string())])


def rectify(ws, customer_id: str, field: str, value: str) -> dict[str, Any]:
    """Correct ``field`` of the customer's golden record; returns a receipt."""
    from idic.suggest import unknown_name

    if field not in FIELDS:
        raise unknown_name("field", field, FIELDS, given_in="--field")
    if field == "birth_date":
        try:
            datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            raise InputError(f"birth_date {value!r} is not a date (YYYY-MM-DD)") from None
    eng = ws.engine
    if not eng.has_table("customers"):
        raise NotFoundError("no customers table: run `idic identify` first")
    c = ws.table("customers")
    if not eng.to_arrow(c.filter(c.customer_id == ibis.literal(customer_id)).select(
            "customer_id").limit(1)).num_rows:
        raise NotFoundError(f"no customer {customer_id!r}")
    if not eng.has_table(RECTIFICATIONS):
        eng.create_table(RECTIFICATIONS, SCHEMA.empty_table(), overwrite=False)
    rid = "rc_" + uuid.uuid4().hex[:16]
    now = datetime.now(UTC)
    eng.append(RECTIFICATIONS, pa.Table.from_pylist([{
        "customer_id": customer_id, "field": field, "value": value, "rectified_at": now,
        "request_id": rid}], schema=SCHEMA))
    n = _apply(ws, customer_id, field, value)
    return {"request_id": rid, "customer_id": customer_id, "field": field,
            "rows_changed": n, "rectified_at": now.isoformat()}


def _apply(ws, customer_id: str, field: str, value: str) -> int:
    c = ws.table("customers")
    if field not in c.columns:
        return 0
    typ = c[field].type()
    lit = ibis.literal(value).cast(typ)
    cols = {field: lit}
    if f"{field}_source" in c.columns:
        cols[f"{field}_source"] = ibis.literal("rectification")
    return ws.engine.update_where("customers",
                                  lambda t: t.customer_id == ibis.literal(customer_id),
                                  lambda t: cols)


def reapply(ws) -> int:
    """Re-apply the latest correction per customer and field (after identify rebuilt)."""
    if not ws.engine.has_table(RECTIFICATIONS) or not ws.engine.has_table("customers"):
        return 0
    r = ws.table(RECTIFICATIONS)
    rows = ws.engine.to_arrow(r.order_by("rectified_at")).to_pylist()
    latest = {(x["customer_id"], x["field"]): x["value"] for x in rows}
    return sum(_apply(ws, c, f, v) for (c, f), v in latest.items())


def _rules(ws) -> dict[str, tuple[int, str]]:
    from idic.schema.tables import TABLES

    cfg = (ws.settings or {}).get("privacy", {}).get("retention", {}) or {}
    out = {}
    for table, v in cfg.items():
        days, col = (v, None) if isinstance(v, int) else (v.get("days"), v.get("column"))
        if not isinstance(days, int) or days < 1:
            raise InputError(f"privacy.retention.{table}: days must be a whole number >= 1")
        col = col or (TABLES[table].time_column if table in TABLES else None)
        if col is None:
            raise InputError(f"privacy.retention.{table}: name its time column",
                             ) from None
        out[table] = (days, col)
    return out


def purge(ws, *, dry_run: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """Delete rows past their retention period; the receipt lists what went per table."""
    now = now or datetime.now(UTC)
    receipt: dict[str, Any] = {"request_id": None if dry_run else "pg_" + uuid.uuid4().hex[:16],
                               "dry_run": dry_run, "at": now.isoformat(), "tables": {}}
    eng = ws.engine
    for table, (days, col) in sorted(_rules(ws).items()):
        if not eng.has_table(table):
            continue
        t = ws.table(table)
        if col not in t.columns:
            raise InputError(f"privacy.retention.{table}: no column {col!r}")
        cut = now - timedelta(days=days)
        lit = ibis.literal(cut, type=dt.Timestamp(timezone="UTC"))

        def old(x, col=col, lit=lit):
            return x[col].cast(dt.Timestamp(timezone="UTC")) < lit

        n = int(t.filter(old(t)).count().execute())
        if n and not dry_run:
            eng.delete_where(table, old)
        receipt["tables"][table] = {"days": days, "column": col, "cutoff": cut.isoformat(),
                                    "rows_removed": n}
    receipt["rows_removed"] = sum(v["rows_removed"] for v in receipt["tables"].values())
    return receipt
