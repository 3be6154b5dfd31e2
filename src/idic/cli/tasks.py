"""``idic tasks``: follow-up tasks for people (list, assign, close; the stage; outcomes).

The logic lives in :mod:`idic.customize.tasks`; this module parses flags and prints. Every
change (assign, close) is written to the audit log like the other privileged commands.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out

app = typer.Typer(name="tasks", no_args_is_help=True,
                  help="Follow-up tasks for people: next best actions that need a person "
                       "(a call, service recovery, the B2B account owner), with owner, due "
                       "date, status and outcome.")

TaskArg = Annotated[str, typer.Argument(help="Task id (tsk_ and 16 hex digits)")]


@app.command("run", help="Create, keep or cancel tasks from the current next best actions "
             "(the pipeline stage `tasks`).")
@command
def run_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize.tasks.stage import run

    with open_ws(workspace) as ws:
        res = run(ws)
    if json_:
        emit_json(res)
    elif "skipped" in res:
        out.print(f"skipped: {res['skipped']}")
    else:
        out.print(f"{res['created']:,} created, {res['kept']:,} kept, {res['cancelled']:,} "
                  f"cancelled; {res['tasks']:,} tasks: " + ", ".join(
                      f"{s} {n:,}" for s, n in res["by_status"].items()))


@app.command("list", help="Tasks, due first (filters: --owner, --status).")
@command
def list_cmd(
    owner: Annotated[str | None, typer.Option("--owner", help="Owner (a person or "
                                              "queue:<team>)")] = None,
    status: Annotated[str | None, typer.Option(
        "--status", help="open, assigned, done or cancelled")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N tasks")] = None,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    from idic.customize.tasks import store

    with open_ws(workspace, read_only=True) as ws:
        rows, total = store.query(ws, owner=owner, status=status, limit=limit)
    if json_:
        emit_json({"tasks": [store.jsonable(r) for r in rows], "total": total})
        return
    t = Table("task", "customer", "action", "owner", "status", "priority", "due",
              "expected value", "outcome")
    for r in rows:
        t.add_row(r["task_id"], r["customer_id"], r["action"], r["owner"] or "", r["status"],
                  r["priority"], r["due_at"].strftime("%Y-%m-%d"),
                  f"{r['expected_value']:,.2f}", r["outcome"] or "")
    out.print(t)
    out.print(f"{len(rows):,} of {total:,} tasks")


@app.command("assign", help="Give an open or assigned task to a person (or back to a team "
             "queue, queue:<team>).")
@command
def assign_cmd(
    task_id: TaskArg,
    owner: Annotated[str, typer.Option("--owner", help="A known owner: tasks.members in "
                                       "workspace.json, a B2B account owner, queue:<team>")],
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    from idic.customize.tasks import store
    from idic.privacy.audit import record_cli

    with open_ws(workspace) as ws:
        row = store.assign(ws, task_id, owner)
        record_cli(ws, "task_assign", row["task_id"], store.audit_detail("task_assign", row))
    if json_:
        emit_json(store.jsonable(row))
    else:
        out.print(f"{row['task_id']} ({row['action']}, {row['customer_id']}) -> "
                  f"{row['owner']} ({row['status']})", markup=False)


@app.command("close", help="Close a task with its outcome (success, failure, no_answer, "
             "declined), the value it realised and a note.")
@command
def close_cmd(
    task_id: TaskArg,
    outcome: Annotated[str, typer.Option("--outcome", help="success, failure, no_answer or "
                                         "declined")],
    value: Annotated[float | None, typer.Option("--value", help="Value realised (workspace "
                                                "currency)")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Free text (at most 2,000 "
                                             "characters)")] = None,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    from idic.customize.tasks import store
    from idic.privacy.audit import record_cli

    with open_ws(workspace) as ws:
        row = store.close(ws, task_id, outcome, value=value, note=note)
        record_cli(ws, "task_close", row["task_id"], store.audit_detail("task_close", row))
    if json_:
        emit_json(store.jsonable(row))
    else:
        v = "" if row["value_realised"] is None else f", value {row['value_realised']:,.2f}"
        out.print(f"{row['task_id']} closed: {row['outcome']}{v}", markup=False)


@app.command("outcomes", help="Measured response rate per action from the closed tasks "
             "(Wilson 95% intervals).")
@command
def outcomes_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize.tasks.outcomes import observed_response

    with open_ws(workspace, read_only=True) as ws:
        res = observed_response(ws)
    if json_:
        emit_json(res)
        return
    t = Table("action", "closed", "success", "response rate", "95% CI", "reach rate",
              "value realised")
    for a, r in res.items():
        t.add_row(a, f"{r['closed']:,}", f"{r['success']:,}", f"{r['response_rate']:.1%}",
                  f"{r['ci'][0]:.1%} - {r['ci'][1]:.1%}", f"{r['reach_rate']:.1%}",
                  f"{r['value_realised']:,.2f}")
    out.print(t)
