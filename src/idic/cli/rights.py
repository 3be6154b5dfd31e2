"""Data-subject rights beyond access and erasure: rectification (art. 16), restriction
(art. 18), objection (art. 21); retention purge. Registered on ``idic privacy``."""

from __future__ import annotations

from typing import Annotated

import typer

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out

CustOpt = Annotated[str, typer.Option("--customer-id", help="The customer id")]
LiftOpt = Annotated[bool, typer.Option("--lift", help="Lift it instead (record the end)")]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Free text")]


def _block(right: str, customer_id: str, lift: bool, reason: str | None, workspace,
           json_: bool) -> None:
    from idic.customize import rights
    from idic.privacy.audit import record_cli

    with open_ws(workspace) as ws:
        row = rights.record(ws, customer_id, right, status="lifted" if lift else "active",
                            reason=reason)
        record_cli(ws, f"dsr_{right}", customer_id, {"status": row["status"]})
    res = {**row, "recorded_at": row["recorded_at"].isoformat()}
    if json_:
        emit_json(res)
    else:
        out.print(f"{right} of {customer_id}: {row['status']}")


def restrict_cmd(customer_id: CustOpt, lift: LiftOpt = False, reason: ReasonOpt = None,
                 workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    _block("restriction", customer_id, lift, reason, workspace, json_)


def object_cmd(customer_id: CustOpt, lift: LiftOpt = False, reason: ReasonOpt = None,
               workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    _block("objection", customer_id, lift, reason, workspace, json_)


def rectify_cmd(customer_id: CustOpt,
                field: Annotated[str, typer.Option("--field", help="Attribute to correct")],
                value: Annotated[str, typer.Option("--value", help="The correct value")],
                workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize.retention import rectify
    from idic.privacy.audit import record_cli

    with open_ws(workspace) as ws:
        res = rectify(ws, customer_id, field, value)
        record_cli(ws, "dsr_rectify", customer_id, {"field": field,
                                                   "request_id": res["request_id"]})
    if json_:
        emit_json(res)
    else:
        out.print(f"{field} of {customer_id} corrected (request {res['request_id']})")


def purge_cmd(dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count")] = False,
              workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize.retention import purge
    from idic.privacy.audit import record_cli

    with open_ws(workspace) as ws:
        res = purge(ws, dry_run=dry_run)
        if not dry_run:
            record_cli(ws, "retention_purge", res["request_id"],
                       {t: v["rows_removed"] for t, v in res["tables"].items()})
    if json_:
        emit_json(res)
    else:
        verb = "would remove" if dry_run else "removed"
        out.print(f"{verb} {res['rows_removed']:,} rows past retention: " + ", ".join(
            f"{t} {v['rows_removed']:,}" for t, v in res["tables"].items()))


def register(app: typer.Typer) -> None:
    for name, fn, help_ in (
        ("restrict", restrict_cmd, "Restrict processing of a customer (GDPR art. 18): kept, "
         "never in an audience, campaign or treatment; --lift ends it."),
        ("object", object_cmd, "Record an objection (GDPR art. 21): out of profiling and "
         "marketing; --lift ends it."),
        ("rectify", rectify_cmd, "Correct a golden-record attribute (GDPR art. 16); kept "
         "across re-runs."),
        ("purge", purge_cmd, "Delete rows past their retention period (privacy.retention in "
         "workspace.json); prints the receipt."),
    ):
        app.command(name, help=help_)(command(fn))
