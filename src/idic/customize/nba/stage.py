"""The ``nba`` stage: one next best action per customer, with its expected value and reason.

Reads the customer profile (``customer_profile`` of the customize stage), the cost to serve
(``value``) and the top recommendation (``recommendations``); the consent gate, the
restriction/objection/erasure blocks and the contact caps decide what is allowed
(:mod:`idic.customize.gate`, :mod:`idic.customize.pressure`). Next best action is a
profiling output: a customer without ``profiling`` consent gets ``dont_contact`` and no
computed reason (:func:`idic.customize.gate.may_profile`). Writes ``next_best_action``
(``customer_id, action, expected_value, reason, channel, purpose, alternatives`` JSON,
``uplift_source``). Idempotent: the table is replaced.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from idic.customize.nba.decide import choose
from idic.customize.nba.priors import CONTACT_ACTIONS, DEFAULT_PRIORS, Prior, measured

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from idic.workspace import Workspace

TABLE = "next_best_action"
SCHEMA = pa.schema([("customer_id", pa.string()), ("action", pa.string()),
                    ("expected_value", pa.float64()), ("reason", pa.string()),
                    ("channel", pa.string()), ("purpose", pa.string()),
                    ("uplift_source", pa.string()), ("alternatives", pa.string())])


def _ids(ws: Workspace, t: ir.Table) -> set[str]:
    return set(ws.engine.to_pandas(t.select("customer_id"))["customer_id"].astype(str))


def inputs(ws: Workspace) -> pd.DataFrame | None:
    """One row per customer: the profile, the cost to serve and the top recommendation."""
    from idic.customize.profile import PROFILE_TABLE, write_profile

    eng = ws.engine
    if not eng.has_table(PROFILE_TABLE) and write_profile(ws) is None:
        return None
    t = ws.table(PROFILE_TABLE)
    if eng.has_table("value") and "cost_to_serve" in ws.table("value").columns:
        v = ws.table("value")
        t = t.left_join(v.select("customer_id", cost_to_serve=v.cost_to_serve.cast("float64")),
                        "customer_id").drop("customer_id_right")
    if eng.has_table("recommendations"):
        r = ws.table("recommendations")
        r = r.filter(r["rank"] == 1)
        t = t.left_join(r.select("customer_id", rec_item=r.item.cast("string"),
                                 rec_score=r.score.cast("float64")),
                        "customer_id").drop("customer_id_right")
    t = t.mutate(**{c: t[c].cast("float64") for c in t.columns if t[c].type().is_decimal()})
    df = eng.to_pandas(t)
    return df.sort_values("customer_id", kind="stable").reset_index(drop=True)


def allowed_sets(ws: Workspace, priors: dict[str, Prior], *, at: datetime
                 ) -> tuple[dict[str, set[str]], set[str]]:
    """Per action, the customers the gates let it reach; and the customers who may be
    profiled at all (profiling consent, not restricted, objecting or erased)."""
    from idic.customize.gate import gate, may_profile, not_blocked
    from idic.customize.pressure import under_caps, workspace_caps
    from idic.customize.profile import PROFILE_TABLE

    base = ws.table(PROFILE_TABLE).select("customer_id")
    caps = workspace_caps(ws)
    out: dict[str, set[str]] = {}
    for action, p in priors.items():
        t = gate(ws, base, p.purpose, p.channel) if p.purpose else not_blocked(ws, base)
        if action in CONTACT_ACTIONS:
            if p.purpose is None and p.channel in ("email", "sms"):  # the channel's purpose
                t = gate(ws, t, "email_marketing" if p.channel == "email" else "sms_marketing")
            t = under_caps(ws, t, p.channel, at, caps)
        out[action] = _ids(ws, t)
    return out, _ids(ws, may_profile(ws, base))


def decide_all(ws: Workspace, *, at: datetime | None = None) -> list[dict[str, Any]]:
    from idic.measure.sections import currency_of

    df = inputs(ws)
    if df is None:
        return []
    priors = measured(ws)
    allowed, profiled = allowed_sets(ws, priors, at=at or datetime.now(UTC))
    cur = currency_of(ws)
    rows = []
    for rec in df.to_dict("records"):
        cid = str(rec["customer_id"])
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v)
               for k, v in rec.items()}
        d = choose(row, {a: cid in s for a, s in allowed.items()}, priors, cur,
                   blocked=cid not in profiled)
        p = priors.get(d.action)
        src = (None if d.action == "dont_contact" or p is None
               else (f"experiment {p.measured_by}" if p.measured_by else "prior"))
        rows.append({"customer_id": cid, "action": d.action,
                     "expected_value": round(float(d.expected_value), 2), "reason": d.reason,
                     "channel": d.channel, "purpose": d.purpose, "uplift_source": src,
                     "alternatives": json.dumps(d.alternatives)})
    return rows


def run(ws: Workspace, *, at: datetime | None = None, **_opts: Any) -> dict[str, Any]:
    rows = decide_all(ws, at=at)
    ws.engine.create_table(TABLE, pa.Table.from_pylist(rows, schema=SCHEMA))
    return {"tables": [TABLE], **summary(rows)}


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {a: 0 for a in (*DEFAULT_PRIORS, "dont_contact")}
    for r in rows:
        counts[r["action"]] = counts.get(r["action"], 0) + 1
    return {"customers": len(rows), "actions": counts,
            "total_expected_value": round(sum(r["expected_value"] for r in rows), 2)}


def for_customer(ws: Workspace, customer_id: str) -> dict[str, Any] | None:
    """The chosen action of one customer (alternatives parsed), or None."""
    if not ws.engine.has_table(TABLE):
        return None
    t = ws.table(TABLE)
    rows = ws.engine.to_arrow(t.filter(t.customer_id == customer_id)).to_pylist()
    if not rows:
        return None
    r = rows[0]
    r["alternatives"] = json.loads(r.get("alternatives") or "[]")
    return r

