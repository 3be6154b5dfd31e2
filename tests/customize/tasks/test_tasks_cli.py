"""``idic tasks``: list, assign, close with strict validation; every change audited."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from idic.cli.main import app
from idic.customize.tasks.store import make_id
from idic.privacy import audit
from idic.workspace import Workspace

runner = CliRunner()
C2 = make_id("c2", "service_recovery", 0)


def idic(*args):
    return runner.invoke(app, [*map(str, args)])


def test_list_filters_and_json(tws_path):
    r = idic("tasks", "list", "--workspace", tws_path, "--json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert got["total"] == 3 and {t["customer_id"] for t in got["tasks"]} == {"c1", "c2", "c5"}
    assert got["tasks"][0]["task_id"] == C2  # due first: service recovery (high, 2 days)
    assert {"task_id", "customer_id", "action", "reason", "expected_value", "owner", "status",
            "due_at", "created_at", "updated_at", "outcome", "value_realised"} <= set(
        got["tasks"][0])
    r = idic("tasks", "list", "--workspace", tws_path, "--json", "--owner", "Priya Shah")
    assert [t["customer_id"] for t in json.loads(r.stdout)["tasks"]] == ["c5"]
    r = idic("tasks", "list", "--workspace", tws_path, "--json", "--status", "open")
    assert [t["task_id"] for t in json.loads(r.stdout)["tasks"]] == [C2]
    r = idic("tasks", "list", "--workspace", tws_path, "--status", "closed")
    assert r.exit_code == 2 and "unknown status 'closed'" in r.output
    r = idic("tasks", "list", "--workspace", tws_path)
    assert r.exit_code == 0 and C2 in r.stdout and "3 of 3 tasks" in r.stdout


def test_assign_close_and_the_audit_trail(tws_path):
    r = idic("tasks", "assign", C2, "--owner", "Dana Müller", "--workspace", tws_path,
             "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["owner"] == "Dana Müller"
    r = idic("tasks", "close", C2, "--outcome", "success", "--value", "120.5", "--note",
             "Rang back; \"happy\" now — merci", "--workspace", tws_path, "--json")
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert (got["status"], got["outcome"], got["value_realised"]) == ("done", "success", 120.5)
    assert got["note"] == "Rang back; \"happy\" now — merci"
    r = idic("tasks", "close", C2, "--outcome", "failure", "--workspace", tws_path)
    assert r.exit_code == 2 and f"task '{C2}' is already done (outcome success)" in r.output
    r = idic("tasks", "outcomes", "--workspace", tws_path, "--json")
    assert json.loads(r.stdout)["service_recovery"]["success"] == 1
    with Workspace.open(tws_path, read_only=True) as ws:
        log = {e["action"]: e for e in audit.read(ws)}
    assert log["task_assign"]["target"] == C2
    assert log["task_assign"]["detail"] == {"owner": "Dana Müller",
                                            "previous_owner": "queue:service"}
    assert log["task_close"]["detail"] == {"outcome": "success", "value_realised": 120.5,
                                           "note_chars": 30}
    assert log["task_close"]["role"].startswith("cli:")


def test_errors_name_the_bad_value(tws_path):
    for args, code, needle in (
        (("assign", "tsk_ffffffffffffffff", "--owner", "Chen Wei"), 3,
         "unknown task 'tsk_ffffffffffffffff'"),
        (("assign", "nope", "--owner", "Chen Wei"), 2, "'nope' is not a task id"),
        (("assign", C2, "--owner", "Mallory"), 2, "unknown owner 'Mallory'"),
        (("assign", C2, "--owner", "   "), 2, "the owner is empty"),
        (("close", C2, "--outcome", "won"), 2, "unknown outcome 'won'"),
        (("close", C2, "--outcome", "success", "--value", "inf"), 2, "not a finite amount"),
        (("close", C2, "--outcome", "success", "--note", "x" * 2001), 2, "at most 2,000"),
    ):
        r = idic("tasks", *args, "--workspace", tws_path)
        assert r.exit_code == code and needle in r.output, (args, r.output)
    with Workspace.open(tws_path, read_only=True) as ws:
        assert not [e for e in audit.read(ws) if e["action"].startswith("task_")]


def test_run_command_is_the_stage(tws_path):
    r = idic("tasks", "run", "--workspace", tws_path, "--json")
    got = json.loads(r.stdout)
    assert r.exit_code == 0 and got["kept"] == 3 and got["created"] == 0
