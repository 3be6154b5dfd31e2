"""The tasks stage and a task's life: created behind the gates, kept, cancelled when the
action changes, closed by people and never reopened; assign and close validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idic.customize import rights
from idic.customize.tasks import stage, store
from idic.errors import InputError, NotFoundError

from .conftest import NBA, T0, set_nba


def by_customer(ws, status=None):
    return {r["customer_id"]: r for r in store.read_all(ws)
            if status is None or r["status"] in status}


def test_tasks_only_for_customers_the_rules_and_gates_allow(tws):
    res = stage.run(tws, at=T0)
    got = by_customer(tws)
    # c1 retain MVC, c2 service recovery, c5 B2B contact; c6 no rule; c3/c4/c7 gated
    assert sorted(got) == ["c1", "c2", "c5"]
    assert res["created"] == 3 and res["gated"] == 3
    c1, c2, c5 = got["c1"], got["c2"], got["c5"]
    assert (c1["team"], c1["owner"], c1["status"]) == ("retention", "Chen Wei", "assigned")
    assert (c2["owner"], c2["status"], c2["priority"]) == ("queue:service", "open", "high")
    assert c2["due_at"] == T0 + timedelta(days=2)
    assert (c5["owner"], c5["account_id"], c5["status"]) == ("Priya Shah", "ACC-1", "assigned")
    assert c1["task_id"] == store.make_id("c1", "retain", 0)
    assert c1["reason"] == "retain because test c1" and c1["expected_value"] == 10.0


def test_rerun_changes_nothing(tws):
    stage.run(tws, at=T0)
    first = store.read_all(tws)
    res = stage.run(tws, at=T0 + timedelta(hours=5))
    assert store.read_all(tws) == first  # same ids, owners, timestamps: no duplicates
    assert res["created"] == 0 and res["kept"] == 3 and res["cancelled"] == 0


def test_changed_action_cancels_the_old_task_with_a_reason(tws):
    stage.run(tws, at=T0)
    old = by_customer(tws)["c1"]
    set_nba(tws, {**NBA, "c1": ("win_back", "email", "email_marketing")})
    t1 = T0 + timedelta(days=1)
    res = stage.run(tws, at=t1)
    rows = [r for r in store.read_all(tws) if r["customer_id"] == "c1"]
    assert len(rows) == 2 and res["cancelled"] == 1 and res["created"] == 1
    gone = next(r for r in rows if r["task_id"] == old["task_id"])
    assert gone["status"] == "cancelled" and gone["closed_at"] == t1
    assert gone["status_reason"] == "the next best action changed to win_back"
    new = next(r for r in rows if r["task_id"] != old["task_id"])
    assert new["action"] == "win_back" and new["status"] == "assigned"
    # the least loaded retention member: Chen Wei's retain task was cancelled, so 0:0 -> Chen
    assert new["owner"] == "Chen Wei"
    # back to retain: a new task (seq 1), the cancelled one stays as it was
    set_nba(tws, NBA)
    stage.run(tws, at=t1 + timedelta(days=1))
    rows = {r["task_id"]: r for r in store.read_all(tws) if r["customer_id"] == "c1"}
    assert rows[old["task_id"]] == gone
    assert store.make_id("c1", "retain", 1) in rows
    assert rows[store.make_id("c1", "retain", 1)]["status"] == "assigned"


def test_a_new_objection_or_restriction_cancels_open_tasks(tws):
    stage.run(tws, at=T0)
    # recorded through the rights API: cancelled at once
    assert rights.record(tws, "c5", "objection", at=T0 + timedelta(minutes=1))[
        "tasks_cancelled"] == 1
    got = by_customer(tws)
    assert got["c5"]["status"] == "cancelled"
    assert got["c5"]["status_reason"] == "objection recorded"
    # written to the ledger another way (a restored or bulk-loaded ledger): the stage cancels
    import pyarrow as pa

    tws.engine.append(rights.RESTRICTIONS, pa.Table.from_pylist([{
        "customer_id": "c2", "right": "restriction", "status": "active",
        "recorded_at": T0 + timedelta(minutes=1), "reason": None}], schema=rights.SCHEMA))
    set_nba(tws, NBA)  # even if the next best actions still named them (a stale table)
    res = stage.run(tws, at=T0 + timedelta(hours=1))
    got = by_customer(tws)
    assert res["cancelled"] == 1 and res["created"] == 0 and res["gated"] == 5
    assert got["c5"]["status_reason"] == "objection recorded"  # untouched since
    assert got["c2"]["status"] == "cancelled"
    assert got["c2"]["status_reason"].startswith("the customer is now restricted (art. 18), "
                                                 "objects (art. 21) or was erased")
    assert got["c1"]["status"] == "assigned"


def test_closed_tasks_are_final_and_cool_down(tws):
    stage.run(tws, at=T0)
    tid = by_customer(tws)["c2"]["task_id"]
    done = store.close(tws, tid, "success", value="42.456", note='said "thanks" ✓',
                       at=T0 + timedelta(days=1))
    assert (done["status"], done["outcome"], done["value_realised"]) == ("done", "success", 42.46)
    with pytest.raises(store.TaskStateError, match=f"task '{tid}' is already done"):
        store.close(tws, tid, "failure")
    with pytest.raises(store.TaskStateError, match="cannot be assigned"):
        store.assign(tws, tid, "queue:service")
    # the action still asks for a person: within the cooldown, no new task
    res = stage.run(tws, at=T0 + timedelta(days=2))
    assert res["cooling_down"] == 1 and len(store.read_all(tws)) == 3
    closed = store.get(tws, tid)
    assert closed["note"] == 'said "thanks" ✓' and closed["status"] == "done"
    # after it: a new task (seq 1); the done one is kept unchanged
    res = stage.run(tws, at=T0 + timedelta(days=40))
    assert res["created"] == 1 and store.get(tws, tid) == closed
    assert store.get(tws, store.make_id("c2", "service_recovery", 1))["status"] == "open"


def test_assign_and_close_validation(tws):
    stage.run(tws, at=T0)
    tid = by_customer(tws)["c2"]["task_id"]
    with pytest.raises(InputError, match=r"unknown owner 'Chen Wie'.*closest: 'Chen Wei'"):
        store.assign(tws, tid, "Chen Wie")
    with pytest.raises(NotFoundError, match="unknown task 'tsk_0000000000000000'"):
        store.assign(tws, "tsk_0000000000000000", "Chen Wei")
    with pytest.raises(InputError, match="is not a task id"):
        store.close(tws, "tsk_' OR 1=1 --", "success")
    with pytest.raises(InputError, match=r"unknown outcome 'sucess'.*closest: 'success'"):
        store.close(tws, tid, "sucess")
    with pytest.raises(InputError, match="not a finite amount"):
        store.close(tws, tid, "success", value=float("nan"))
    r = store.assign(tws, tid, "  Dana Müller ")
    assert (r["owner"], r["status"], r["previous_owner"]) == ("Dana Müller", "assigned",
                                                              "queue:service")
    assert store.assign(tws, tid, "Tom Becker")["owner"] == "Tom Becker"  # an account owner
    r = store.assign(tws, tid, "queue:service")
    assert store.get(tws, tid)["status"] == "open" and r["previous_owner"] == "Tom Becker"
    rows, total = store.query(tws, owner="Priya Shah")
    assert total == 1 and rows[0]["customer_id"] == "c5"
    rows, total = store.query(tws, status="assigned", limit=1)
    assert total == 2 and len(rows) == 1
    with pytest.raises(InputError, match="unknown status 'opne'"):
        store.query(tws, status="opne")


def test_no_nba_table_skips_and_keeps_tasks(tws):
    stage.run(tws, at=T0)
    before = store.read_all(tws)
    tws.engine.drop_table("next_best_action")
    assert "skipped" in stage.run(tws, at=T0)
    assert store.read_all(tws) == before


def test_erasure_removes_the_customers_tasks_and_they_do_not_come_back(tws):
    from idic.privacy.dsr import erase_subject

    stage.run(tws, at=T0)
    erase_subject(tws, customer_id="c1", files=False)
    assert "c1" not in by_customer(tws) and set(by_customer(tws)) == {"c2", "c5"}
    set_nba(tws, NBA)  # a stale next best action naming c1 again makes no task
    res = stage.run(tws, at=T0 + timedelta(days=1))
    assert "c1" not in by_customer(tws) and res["created"] == 0 and res["kept"] == 2


def test_the_stages_own_changes_are_in_the_audit_log(tws):
    """Who gave a task to whom and who cancelled it: for the stage's own changes the audit
    log says it (role stage:tasks), with the task ids, owners and reasons; a run that
    changes nothing adds no entry."""
    from idic.privacy import audit

    def entries():
        return [e for e in audit.read(tws, limit=100) if e["action"] == "tasks_stage"]

    stage.run(tws, at=T0)
    first = entries()
    assert len(first) == 1 and first[0]["role"] == "stage:tasks"
    d = first[0]["detail"]
    assert (d["created"], d["cancelled"], d["listed_all"]) == (3, 0, True)
    assert d["created_tasks"][store.make_id("c1", "retain", 0)] == "Chen Wei"
    assert d["created_tasks"][store.make_id("c2", "service_recovery", 0)] == "queue:service"
    stage.run(tws, at=T0 + timedelta(hours=1))
    assert len(entries()) == 1  # nothing changed, nothing logged
    set_nba(tws, {**NBA, "c1": ("win_back", "email", "email_marketing")})
    stage.run(tws, at=T0 + timedelta(days=1))
    d = next(e["detail"] for e in entries() if e["detail"]["cancelled"])
    assert d["cancelled_tasks"] == {
        store.make_id("c1", "retain", 0): "the next best action changed to win_back"}
    assert list(d["created_tasks"]) == [store.make_id("c1", "win_back", 0)]
