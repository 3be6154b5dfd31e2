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
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from idic.customize.nba.allocate import Allocation, Limits, allocate, capacity_keys, limits_of
from idic.customize.nba.campaigns import UPLIFT_TABLE, fit_all
from idic.customize.nba.priors import CONTACT_ACTIONS, DEFAULT_PRIORS, Prior, measured
from idic.customize.nba.vector import ORDER, Layers, uplift_of

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from idic.workspace import Workspace

TABLE = "next_best_action"
SCHEMA = pa.schema([("customer_id", pa.string()), ("action", pa.string()),
                    ("expected_value", pa.float64()), ("reason", pa.string()),
                    ("channel", pa.string()), ("purpose", pa.string()),
                    ("uplift_source", pa.string()), ("alternatives", pa.string()),
                    ("uplift", pa.float64()), ("cost", pa.float64()),
                    ("unconstrained_action", pa.string())])


def _ids(ws: Workspace, t: ir.Table) -> set[str]:
    return set(ws.engine.to_pandas(t.select("customer_id"))["customer_id"].astype(str))


def inputs_expr(ws: Workspace) -> ir.Table | None:
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
    return t.mutate(**{c: t[c].cast("float64") for c in t.columns if t[c].type().is_decimal()})


def inputs(ws: Workspace) -> pd.DataFrame | None:
    """:func:`inputs_expr` as a DataFrame sorted by customer (the reference loop's input)."""
    t = inputs_expr(ws)
    if t is None:
        return None
    df = ws.engine.to_pandas(t)
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


def with_flags(ws: Workspace, t: ir.Table, priors: dict[str, Prior], *, at: datetime
               ) -> ir.Table:
    """``t`` with ``profiled`` and ``allowed_<action>``: what the gates let through (the
    same gates as :func:`allowed_sets`, as semi-joins in the engine)."""
    from idic.customize.gate import gate, may_profile, not_blocked
    from idic.customize.pressure import under_caps, workspace_caps
    from idic.customize.profile import PROFILE_TABLE

    base = ws.table(PROFILE_TABLE).select("customer_id")
    caps = workspace_caps(ws)
    cols: dict[str, ir.Value] = {}
    for action in ORDER:
        p = priors[action]
        g = gate(ws, base, p.purpose, p.channel) if p.purpose else not_blocked(ws, base)
        if action in CONTACT_ACTIONS:
            if p.purpose is None and p.channel in ("email", "sms"):  # the channel's purpose
                g = gate(ws, g, "email_marketing" if p.channel == "email" else "sms_marketing")
            g = under_caps(ws, g, p.channel, at, caps)
        cols[f"allowed_{action}"] = t.customer_id.isin(g.customer_id)
    cols["profiled"] = t.customer_id.isin(may_profile(ws, base).customer_id)
    return t.mutate(**cols)


def with_model_uplift(ws: Workspace, t: ir.Table, actions: list[str]) -> ir.Table:
    """``t`` with ``model_up_<action>`` (the per-customer uplift of ``nba_uplift``)."""
    if not actions:
        return t
    u = ws.table(UPLIFT_TABLE)
    for a in actions:
        ua = u.filter(u.action == a).select(_cid=u.customer_id, **{f"model_up_{a}": u.uplift})
        t = t.left_join(ua, t.customer_id == ua._cid).drop("_cid")
    return t


def _allocate(ws: Workspace, layers: Layers, limits: Limits, priors: dict[str, Prior],
              currency: str) -> tuple[ir.Table | None, Allocation]:
    """Solve the allocation; the customers it moves off their best action as a table
    (``customer_id, chosen, note``) exposed to the engine, or None."""
    eng = ws.engine
    pairs = eng.to_arrow(layers.pairs()).to_pandas()
    _codes, cust = np.unique(pairs.customer_id.to_numpy(dtype=object), return_inverse=True)
    alloc = allocate(cust, pairs.action.to_numpy(dtype=object), pairs.ev.to_numpy(float),
                     pairs.cost.to_numpy(float), pairs.best.to_numpy(bool), limits, priors)
    pairs["take"] = alloc.chosen
    best = pairs[pairs.best].set_index("customer_id").action
    got = pairs[pairs["take"]].set_index("customer_id").action
    moved = best[got.reindex(best.index).fillna("dont_contact") != best]
    if moved.empty:
        return None, alloc
    keys = capacity_keys(priors)
    how = ("the allocation with the most total expected value under" if alloc.method == "exact"
           else "the greedy allocation (expected value per cost first) under")
    notes = []
    for action in moved.to_numpy():
        bits = []
        if "budget" in alloc.binding:
            bits.append(f"budget {limits.budget:,.0f} {currency}".rstrip())
        bits += [f"{g} capacity {limits.capacity[g]:,}" for g in alloc.binding
                 if g != "budget" and action in keys[g]]
        notes.append(f"{how} {' and '.join(bits) or 'the limits'}")
    table = pa.table({"customer_id": pa.array(moved.index.astype(str), pa.string()),
                      "chosen": pa.array(got.reindex(moved.index).fillna("dont_contact")
                                         .astype(str).tolist(), pa.string()),
                      "note": pa.array(notes, pa.string())})
    return eng.from_arrow(table, "_idic_nba_moved"), alloc


def run(ws: Workspace, *, at: datetime | None = None, budget: Any = None,
        capacity: Any = None, **_opts: Any) -> dict[str, Any]:
    """Choose every customer's next best action and write ``next_best_action``.

    ``budget`` (total cost) and ``capacity`` (``["call=200"]`` or ``{"email": 5000}``)
    override ``nba.budget`` / ``nba.capacity`` of ``workspace.json``."""
    from idic.measure.sections import currency_of

    eng = ws.engine
    t = inputs_expr(ws)
    if t is None:
        eng.create_table(TABLE, pa.Table.from_pylist([], schema=SCHEMA))
        return {"tables": [TABLE], **summary(ws)}
    priors = measured(ws)
    fits = fit_all(ws)
    uplifts = {a: uplift_of(priors[a]) if a not in fits else uplift_of(
        priors[a], fits[a].model_note() if fits[a].used else None,
        fits[a].average, fits[a].average_note()) for a in ORDER}
    t = with_flags(ws, t, priors, at=at or datetime.now(UTC))
    t = with_model_uplift(ws, t, list(fits))
    limits = limits_of(ws, budget, capacity, priors)
    cur = currency_of(ws)
    alloc = None
    with Layers(eng, t, priors, uplifts, cur) as layers:
        moved = None
        if limits.active:
            layers.materialise()
            moved, alloc = _allocate(ws, layers, limits, priors, cur)
        try:
            eng.create_table(TABLE, layers.decided(moved).order_by("customer_id"))
        finally:
            if moved is not None:
                eng.unstage("_idic_nba_moved")
    out = {"tables": [TABLE, UPLIFT_TABLE], **summary(ws),
           "uplift_models": {a: f.summary() for a, f in fits.items()}}
    if limits.active and alloc is not None:
        out["limits"] = limits.as_dict()
        out["allocation"] = alloc.as_dict()
    return out


def summary(ws: Workspace) -> dict[str, Any]:
    """Customers per action and the total expected value of the written table."""
    counts = {a: 0 for a in (*DEFAULT_PRIORS, "dont_contact")}
    t = ws.table(TABLE)
    df = ws.engine.to_arrow(t.group_by("action").aggregate(
        n=t.count(), ev=t.expected_value.sum(), cost=t.cost.sum())).to_pylist()
    for r in df:
        counts[r["action"]] = int(r["n"])
    return {"customers": sum(counts.values()), "actions": counts,
            "total_expected_value": round(sum(r["ev"] or 0.0 for r in df), 2),
            "total_cost": round(sum(r["cost"] or 0.0 for r in df
                                    if r["action"] != "dont_contact"), 2)}


def for_customer(ws: Workspace, customer_id: str) -> dict[str, Any] | None:
    """The chosen action of one customer (alternatives parsed), or None."""
    if not ws.engine.has_table(TABLE):
        return None
    t = ws.table(TABLE)
    rows = ws.engine.to_arrow(t.filter(t.customer_id == customer_id)).to_pylist()
    if not rows:
        return None
    r = rows[0]
    alts = json.loads(r.get("alternatives") or "[]")
    r["alternatives"] = sorted(alts, key=lambda a: (-a["expected_value"], a["action"]))
    return r

