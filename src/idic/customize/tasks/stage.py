"""The ``tasks`` stage (after ``nba``): next best actions that need a person become tasks.

Reads ``next_best_action`` (:mod:`idic.customize.nba.stage`), the customer's value category
and CLV (``value``) and B2B account with its owner (``account_contacts``, ``accounts``);
the rules of :mod:`.rules` pick the actions that need a person. Then it reconciles the
``tasks`` table (Peppers & Rogers ch. 13: be proactive, follow up accurately):

* an active task (``open``/``assigned``) whose customer still needs a person for the same
  action is kept (its owner, due date and creation time unchanged; expected value and reason
  refreshed);
* an active task whose customer no longer does is ``cancelled`` with the reason in
  ``status_reason`` (the next best action changed, the rules no longer ask for a person, or
  the gates no longer allow the action);
* a customer who needs a person and has no active task for the action gets a new one, with a
  stable id (:func:`.store.make_id`), an owner (:mod:`.owners`), a priority and a due date
  (:mod:`.rules`) — unless a task for the same action was closed by a person less than
  ``cooldown_days`` ago;
* ``done`` and ``cancelled`` tasks are never changed, reopened or dropped.

The gates are the ones next best action applies (:mod:`idic.customize.gate`), checked again
at task time: ``may_profile`` (profiling consent, no restriction, objection or erasure), and
for an action with a consent purpose (or an e-mail/SMS channel) ``gate`` for that purpose
and channel. Same inputs, same table: the stage is idempotent.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from idic.customize.tasks import store
from idic.customize.tasks.owners import Assigner
from idic.customize.tasks.rules import Config, config

if TYPE_CHECKING:
    import pandas as pd

    from idic.workspace import Workspace

NBA = "next_best_action"


def _clean(v: Any) -> Any:
    return None if (isinstance(v, float) and math.isnan(v)) or v is None else v


def nba_rows(ws: Workspace) -> pd.DataFrame | None:
    """Every next best action but ``dont_contact``, with value category, CLV, account and the
    account's owner (None when the nba stage has not run)."""
    eng = ws.engine
    if not eng.has_table(NBA):
        return None
    n = ws.table(NBA)
    t = n.filter(n.action != "dont_contact").select(
        "customer_id", "action", "expected_value", "reason", "channel", "purpose")
    if eng.has_table("value"):
        v = ws.table("value")
        cols = {c: v[c] for c in ("value_category",) if c in v.columns}
        if "clv" in v.columns:
            cols["clv"] = v.clv.cast("float64")
        v = v.select(_cid=v.customer_id, **cols)
        t = t.left_join(v, t.customer_id == v._cid).drop("_cid")
    if eng.has_table("account_contacts"):
        c = ws.table("account_contacts")
        c = c.select(_cid=c.customer_id, account_id=c.account_id.cast("string"))
        if eng.has_table("accounts") and "owner" in ws.table("accounts").columns:
            a = ws.table("accounts")
            a = a.group_by(_aid=a.account_id.cast("string")).aggregate(
                account_owner=a.owner.max())
            c = c.left_join(a, c.account_id == a._aid).drop("_aid")
        t = t.left_join(c, t.customer_id == c._cid).drop("_cid")
    df = eng.to_pandas(t)
    for col in ("value_category", "clv", "account_id", "account_owner"):
        if col not in df.columns:
            df[col] = None
    return df.sort_values("customer_id", kind="stable").reset_index(drop=True)


def allowed(ws: Workspace, wanted: pd.DataFrame) -> set[tuple[str, str]]:
    """(customer_id, action) pairs the gates let through now (see the module docstring).

    The same sets as ``gate(may_profile(t), purpose, channel)`` per action, with one query
    per distinct set of purposes: ``may_profile`` already holds the part of the gate that
    does not depend on the purpose (no restriction, objection or erasure)."""
    from idic.customize.gate import CHANNEL_PURPOSE, consenting, may_profile, required_purposes

    out: set[tuple[str, str]] = set()
    if wanted.empty:
        return out
    n = ws.table(NBA)
    base = n.filter(n.action.isin(sorted(set(wanted["action"])))).select("customer_id")
    profiled = set(ws.engine.to_pandas(may_profile(ws, base))["customer_id"].astype(str))
    consent: dict[tuple[str, ...], set[str]] = {}
    for r in wanted[["customer_id", "action", "purpose", "channel"]].itertuples(index=False):
        cid, purpose, channel = str(r.customer_id), _clean(r.purpose), _clean(r.channel)
        if cid not in profiled:
            continue
        need = purpose or CHANNEL_PURPOSE.get(channel or "")
        if need:
            key = tuple(sorted(required_purposes(need, channel)))
            if key not in consent:
                ok = consenting(ws, list(key))
                consent[key] = set() if ok is None else set(ws.engine.to_pandas(
                    ok.semi_join(base, "customer_id"))["customer_id"].astype(str))
            if cid not in consent[key]:
                continue
        out.add((cid, r.action))
    return out


def blocked_now(ws: Workspace, existing: list[dict[str, Any]]) -> set[str]:
    """Customers of active tasks who are now restricted, objecting or erased."""
    from idic.customize.gate import not_blocked

    ids = {r["customer_id"] for r in existing if r["status"] in store.ACTIVE}
    if not ids:
        return set()
    t = ws.table(store.TABLE)
    t = t.filter(t.status.isin(store.ACTIVE)).select("customer_id").distinct()
    ok = set(ws.engine.to_pandas(not_blocked(ws, t))["customer_id"].astype(str))
    return ids - ok


def _cancel(row: dict[str, Any], why: str, now: datetime) -> dict[str, Any]:
    return {**row, "status": "cancelled", "status_reason": why, "updated_at": now,
            "closed_at": now}


def reconcile(existing: list[dict[str, Any]], nba: pd.DataFrame, ok: set[tuple[str, str]],
              cfg: Config, now: datetime, blocked: set[str] | frozenset[str] = frozenset()
              ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The new ``tasks`` rows from the old ones and the current next best actions (pure);
    ``blocked``: customers now restricted, objecting or erased."""
    rows = nba.to_dict("records")
    by_cust = {str(r["customer_id"]): {k: _clean(v) for k, v in r.items()} for r in rows}
    needs = {c: r for c, r in by_cust.items() if cfg.needs_person(r)}
    counts = {"created": 0, "kept": 0, "cancelled": 0, "gated": 0, "cooling_down": 0}
    out: list[dict[str, Any]] = []
    active: set[tuple[str, str]] = set()
    seqs: dict[tuple[str, str], int] = {}
    last_done: dict[tuple[str, str], datetime] = {}
    for r in existing:
        key = (r["customer_id"], r["action"])
        seqs[key] = max(seqs.get(key, -1), int(r["seq"]))
        if r["status"] == "done" and r["closed_at"] is not None:
            last_done[key] = max(last_done.get(key, r["closed_at"]), r["closed_at"])
        if r["status"] not in store.ACTIVE:
            out.append(r)
            continue
        cur = by_cust.get(r["customer_id"])
        if r["customer_id"] in blocked:
            why = ("the customer is now restricted (art. 18), objects (art. 21) or was erased: "
                   "the gates no longer allow it")
        elif cur is None:
            why = "the customer has no next best action any more"
        elif cur["action"] != r["action"]:
            why = f"the next best action changed to {cur['action']}"
        elif r["customer_id"] not in needs:
            why = "the rules (tasks.rules) no longer ask a person for this action"
        elif key not in ok:
            why = ("the gates no longer allow it (consent withdrawn, restriction, objection "
                   "or erasure)")
        else:
            new = {**r, "expected_value": _ev(cur), "reason": cur["reason"]}
            if (new["expected_value"], new["reason"]) != (r["expected_value"], r["reason"]):
                new["updated_at"] = now
            out.append(new)
            active.add(key)
            counts["kept"] += 1
            continue
        out.append(_cancel(r, why, now))
        counts["cancelled"] += 1
    assigner = Assigner(cfg, out)
    order = sorted(needs.values(), key=lambda r: (
        ("high", "normal", "low").index(cfg.priority(r["action"], _ev(r))), -_ev(r),
        str(r["customer_id"])))
    for r in order:
        cid, action = str(r["customer_id"]), r["action"]
        key = (cid, action)
        if key in active:
            continue
        if key not in ok:
            counts["gated"] += 1
            continue
        done = last_done.get(key)
        if done is not None and now - done < timedelta(days=cfg.cooldown_days):
            counts["cooling_down"] += 1
            continue
        seq = seqs.get(key, -1) + 1
        team = cfg.team_of(action)
        owner = assigner.owner(team, r.get("account_owner"))
        pri = cfg.priority(action, _ev(r))
        out.append({
            "task_id": store.make_id(cid, action, seq), "customer_id": cid, "action": action,
            "reason": r["reason"], "expected_value": _ev(r), "channel": r.get("channel"),
            "purpose": r.get("purpose"), "priority": pri, "team": team, "owner": owner,
            "account_id": r.get("account_id"), "status": store.status_for(owner),
            "status_reason": None, "created_at": now, "updated_at": now,
            "due_at": cfg.due(now, pri), "closed_at": None, "outcome": None,
            "value_realised": None, "note": None, "seq": seq})
        counts["created"] += 1
    return out, counts


def _ev(r: dict[str, Any]) -> float:
    v = _clean(r.get("expected_value"))
    return round(float(v), 2) if v is not None else 0.0


def run(ws: Workspace, *, at: datetime | None = None, **_opts: Any) -> dict[str, Any]:
    cfg = config(ws)
    nba = nba_rows(ws)
    if nba is None:
        return {"skipped": "no next_best_action table (run the nba stage first)"}
    now = at or datetime.now(UTC)
    existing = store.read_all(ws)
    wanted = nba[[cfg.needs_person({k: _clean(v) for k, v in r.items()})
                  for r in nba.to_dict("records")]] if len(nba) else nba
    rows, counts = reconcile(existing, nba, allowed(ws, wanted), cfg, now,
                             blocked_now(ws, existing) if existing else set())
    store.write_all(ws, rows)
    _audit(ws, existing, rows)
    by_status = {s: sum(r["status"] == s for r in rows) for s in store.STATUSES}
    return {"tables": [store.TABLE], **counts, "tasks": len(rows), "by_status": by_status}


AUDIT_IDS = 1000  # task ids listed per kind of change in one audit entry at most


def _audit(ws: Workspace, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """One audit entry per run that changed tasks (role ``stage:tasks``): the ids of the
    tasks it created (with their owner) and cancelled (with the reason), so that the
    audit log answers "who gave this task to whom, who cancelled it" for the stage's own
    changes as it does for people's."""
    from idic.privacy import audit

    old = {r["task_id"]: r for r in before}
    created = [r for r in after if r["task_id"] not in old]
    cancelled = [r for r in after if r["status"] == "cancelled"
                 and old.get(r["task_id"], {}).get("status") not in (None, "cancelled")]
    if not created and not cancelled:
        return
    detail = {
        "created": len(created), "cancelled": len(cancelled),
        "created_tasks": {r["task_id"]: r["owner"] for r in created[:AUDIT_IDS]},
        "cancelled_tasks": {r["task_id"]: r["status_reason"] for r in cancelled[:AUDIT_IDS]},
        "listed_all": len(created) <= AUDIT_IDS and len(cancelled) <= AUDIT_IDS,
    }
    audit.append(ws, [audit.entry("tasks_stage", key_id=None, role="stage:tasks",
                                  method="STAGE", route="tasks", detail=detail)])
