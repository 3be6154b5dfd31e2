"""Remembered specifications: what a customer told us they want (Peppers & Rogers ch. 10,
"remember the customer's specifications so they never have to tell you twice").

``customer_preferences`` keeps one row per statement (``customer_id``, ``key``, ``value``,
``stated_at``, ``source``); the profile carries the latest value per key as ``pref_<key>``,
so a rule can use it (``pref_contact_channel = 'sms'``) and treatments can honour it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import ibis.expr.types as ir
import pyarrow as pa

from idic.errors import InputError

PREFERENCES = "customer_preferences"
SCHEMA = pa.schema([("customer_id", pa.string()), ("key", pa.string()), ("value", pa.string()),
                    ("stated_at", pa.timestamp("us", tz="UTC")), ("source", pa.string())])


def remember(ws, customer_id: str, key: str, value: str, *, source: str = "cli",
             at: datetime | None = None) -> dict:
    """Append one stated preference."""
    if not key or not key.strip():
        raise InputError("a preference key is needed", )
    eng = ws.engine
    if not eng.has_table(PREFERENCES):
        eng.create_table(PREFERENCES, SCHEMA.empty_table(), overwrite=False)
    row = {"customer_id": customer_id, "key": key.strip().lower(), "value": value,
           "stated_at": at or datetime.now(UTC), "source": source}
    eng.append(PREFERENCES, pa.Table.from_pylist([row], schema=SCHEMA))
    return row


def current_preferences(ws) -> ir.Table:
    """One row per (customer_id, key): the latest stated value."""
    import ibis

    p = ws.table(PREFERENCES)
    rn = ibis.row_number().over(group_by=["customer_id", "key"],
                                order_by=[ibis.desc("stated_at")])
    p = p.mutate(_rn=rn)
    return p.filter(p._rn == 0).select("customer_id", "key", "value")
