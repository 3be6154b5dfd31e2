"""Treatments by class: a matrix (configuration) from customer class to treatment, with reasons.

"Treat different customers differently": the seeds' examples are a special hotline, faster
delivery and event invitations for A customers (the few making 80% of revenue), growing the
share of wallet of most-growable customers (MGCs), serving low-maintenance customers (LMCs)
efficiently and lowering the cost to serve below-zero customers (BZs) (Peppers & Rogers,
*Managing Customer Experience and Relationships*, ch. 5 and 9; N'Goala et al., *Augmented
Customer Strategy*). Each entry is a ``--where`` rule over the profile, a treatment name, a
reason, and the consent purpose it needs (``None`` for service levels, which only the
restriction/objection/erasure part of the gate holds back). Configure in ``workspace.json``
under ``customize.treatments`` (a list of such entries); the ``treatments`` table has one row
per customer and treatment with the reason and the rule that met.
"""

from __future__ import annotations

from typing import Any

import ibis
import pyarrow as pa

from idic.customize.gate import check_purpose, gate, not_blocked
from idic.customize.profile import profile
from idic.customize.where import parse_for
from idic.errors import InputError

TREATMENTS = "treatments"

DEFAULT_MATRIX: tuple[dict[str, Any], ...] = (
    {"treatment": "priority_hotline", "when": "abc_class = 'A'", "purpose": None,
     "reason": "class A: among the customers making 80% of revenue"},
    {"treatment": "faster_delivery", "when": "abc_class = 'A'", "purpose": None,
     "reason": "class A: among the customers making 80% of revenue"},
    {"treatment": "event_invitation", "when": "abc_class = 'A' and value_category = 'MVC'",
     "purpose": "profiling", "reason": "most valuable customer (MVC) in class A"},
    {"treatment": "grow_share_offer", "when": "value_category = 'MGC'",
     "purpose": "personalisation", "reason": "most growable customer: unrealised potential"},
    {"treatment": "efficient_service", "when": "value_category = 'LMC'", "purpose": None,
     "reason": "low-maintenance customer: serve efficiently"},
    {"treatment": "lower_cost_to_serve", "when": "value_category = 'BZ'", "purpose": None,
     "reason": "below zero: costs more to serve than it brings"},
    {"treatment": "win_back", "when": "dormant and clv > 0", "purpose": "email_marketing",
     "reason": "dormant with a positive lifetime value"},
)
SCHEMA = pa.schema([("customer_id", pa.string()), ("treatment", pa.string()),
                    ("reason", pa.string()), ("rule", pa.string()), ("purpose", pa.string())])


def matrix(ws) -> list[dict[str, Any]]:
    cfg = (ws.settings or {}).get("customize", {}).get("treatments")
    rows = list(cfg) if cfg else [dict(r) for r in DEFAULT_MATRIX]
    for i, r in enumerate(rows):
        if not isinstance(r, dict) or not {"treatment", "when", "reason"} <= set(r):
            raise InputError(f"customize.treatments[{i}] needs treatment, when and reason")
        if r.get("purpose"):
            check_purpose(r["purpose"], None)
    return rows


def treatments_expr(ws):
    p = profile(ws)
    parts = []
    configured = bool((ws.settings or {}).get("customize", {}).get("treatments"))
    for r in matrix(ws):
        try:
            rule = parse_for(r["when"], p)
        except InputError:
            if configured:
                raise
            continue  # a default entry whose stage has not run (e.g. no value table)
        hit = rule.filter(p).select("customer_id")
        hit = gate(ws, hit, r["purpose"]) if r.get("purpose") else not_blocked(ws, hit)
        parts.append(hit.select("customer_id", treatment=ibis.literal(r["treatment"]),
                                reason=ibis.literal(r["reason"]),
                                rule=ibis.literal(r["when"]),
                                purpose=ibis.literal(r.get("purpose"), type="string")))
    if not parts:
        return None
    out = parts[0]
    for x in parts[1:]:
        out = out.union(x)
    return out


def write_treatments(ws) -> dict[str, int]:
    """Write the ``treatments`` table; returns customers per treatment."""
    expr = treatments_expr(ws)
    ws.engine.create_table(TREATMENTS, SCHEMA.empty_table() if expr is None else expr)
    t = ws.table(TREATMENTS)
    rows = ws.engine.to_arrow(t.group_by("treatment").aggregate(n=t.count())).to_pylist()
    return {r["treatment"]: int(r["n"]) for r in sorted(rows, key=lambda r: r["treatment"])}
