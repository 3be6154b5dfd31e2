"""``idic privacy``: data-subject export and erasure, consents, audit log.

Works while ``idic serve`` runs on the same workspace (see :mod:`idic.service.access`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, out

app = typer.Typer(help="Data-subject rights (export, erasure), consents, audit log.",
                  no_args_is_help=True)

EmailOpt = Annotated[str | None, typer.Option(help="The person's e-mail")]
PhoneOpt = Annotated[str | None, typer.Option(help="The person's phone (E.164)")]
CustOpt = Annotated[str | None, typer.Option("--customer-id", help="A customer id")]
SourceOpt = Annotated[str | None, typer.Option(help="Source system (with --source-record-id)")]
RecordOpt = Annotated[str | None, typer.Option("--source-record-id", help="Record id in source")]


def _path(workspace: Path | None) -> Path:
    from idic.config import get_settings

    return Path(workspace or get_settings().workspace)


def _audit(ws, action: str, target: str | None, detail: dict[str, Any]) -> None:
    from idic.privacy.audit import record_cli

    record_cli(ws, action, target, detail)


@app.command("export", help="Everything held on a person, as JSON (GDPR arts. 15, 20).")
@command
def export_cmd(workspace: WorkspaceOpt = None, email: EmailOpt = None, phone: PhoneOpt = None,
               customer_id: CustOpt = None, source: SourceOpt = None,
               source_record_id: RecordOpt = None,
               output: Annotated[Path | None, typer.Option("--output", "-o",
                                                           help="Write to FILE.json")] = None,
               json_: JsonOpt = False) -> None:
    from idic.cli.common import output_file
    from idic.privacy.dsr import export_subject
    from idic.service.access import open_workspace

    if output:
        output_file(output)
    with open_workspace(_path(workspace)) as ws:
        data = export_subject(ws, email=email, phone=phone, customer_id=customer_id,
                              source=source, source_record_id=source_record_id)
        _audit(ws, "dsr_export", data["request_id"], {"tables": data["counts"]})
    if output:  # personal data: readable by its owner only
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, indent=2, default=str))
    if json_ and not output:
        emit_json(data)
    elif json_:
        emit_json({"output": str(output), "counts": data["counts"]})
    else:
        where = f" to {output}" if output else ""
        out.print(f"exported {sum(data['counts'].values()):,} rows from "
                  f"{len(data['counts'])} tables{where}")
        if not output:
            out.print_json(json.dumps(data, default=str))


@app.command("erase", help="Erase a person from every table and file (GDPR art. 17); "
             "keeps hashed tombstones so re-ingest cannot recreate them.")
@command
def erase_cmd(workspace: WorkspaceOpt = None, email: EmailOpt = None, phone: PhoneOpt = None,
              customer_id: CustOpt = None, source: SourceOpt = None,
              source_record_id: RecordOpt = None,
              compact_db: Annotated[bool, typer.Option(
                  "--compact/--no-compact",
                  help="Rewrite the database file so no freed block keeps the data")] = True,
              dry_run: Annotated[bool, typer.Option(
                  "--dry-run", help="List what would be removed, per table and file; "
                  "change nothing")] = False,
              json_: JsonOpt = False) -> None:
    from idic.privacy.dsr import compact, erase_subject
    from idic.service.access import open_workspace

    path = _path(workspace)
    with open_workspace(path, read_only=dry_run) as ws:
        receipt = erase_subject(ws, email=email, phone=phone, customer_id=customer_id,
                                source=source, source_record_id=source_record_id,
                                dry_run=dry_run)
        if not dry_run:
            _audit(ws, "dsr_erasure", receipt["request_id"],
                   {"tables": receipt["tables"], "files": len(receipt["files"]),
                    "rows_removed": receipt["rows_removed"]})
        if compact_db and not dry_run:  # still announced by our request marker
            ws.close()
            compact(path)
            receipt["compacted"] = True
    if json_:
        emit_json(receipt)
        return
    _print_receipt(receipt)


def _print_receipt(r: dict[str, Any]) -> None:
    verb = "would remove" if r["dry_run"] else "erased"
    head = f"{verb}: {r['rows_removed']:,} rows"
    out.print(head + ("" if r["dry_run"] else f"; request {r['request_id']}"), highlight=False)
    sections = (("rows removed", {**r["tables"], **r["files"]}),
                ("their side of a link cleared", r["unlinked"]),
                ("mentions redacted (rows of tables; values in files)",
                 {**r["redacted"], **r["files_redacted"]}))
    for title, items in sections:
        if items:
            out.print(f"  {title}:", highlight=False)
            for name, n in items.items():
                out.print(f"    {name}: {n:,}", highlight=False)
    shared = r["subject"].get("shared_identifiers_kept") or {}
    if shared:
        out.print("  kept (shared with other customers): " + ", ".join(
            f"{n} {k}" for k, n in shared.items()), highlight=False)
    for f in r["files_not_swept"]:
        out.print(f"  [yellow]not swept[/]: {f['file']} ({f['reason']})", highlight=False)
    if r.get("report_rebuilt"):
        out.print(f"  rebuilt: {r['report_rebuilt']}", highlight=False)


@app.command("consents", help="Current consents (and history) of a customer.")
@command
def consents_cmd(customer_id: Annotated[str, typer.Argument(help="Customer id")],
                 workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.privacy.consent import consents_of
    from idic.service.access import open_workspace
    from idic.service.customers360 import _j, records_of

    with open_workspace(_path(workspace), read_only=True) as ws:
        keys = sorted({customer_id, *(f"{s}:{r}" for s, r in records_of(ws, customer_id))})
        c = consents_of(ws, keys)
    data = {k: [{f: _j(v) for f, v in r.items()} for r in rows] for k, rows in c.items()}
    if json_:
        emit_json({"customer_id": customer_id, **data})
        return
    for r in data["current"]:
        out.print(f"{r['purpose']}: {r['status']} at {r['recorded_at']} ({r['source']}, "
                  f"proof {r['proof']})")


@app.command("audit", help="The audit log, newest first.")
@command
def audit_cmd(workspace: WorkspaceOpt = None,
              limit: Annotated[int, typer.Option(help="Entries to show")] = 50,
              json_: JsonOpt = False) -> None:
    from idic.privacy import audit
    from idic.service.access import open_workspace

    with open_workspace(_path(workspace), read_only=True) as ws:
        rows = audit.read(ws, limit=limit)
    if json_:
        emit_json({"entries": rows})
        return
    for r in rows:
        out.print(f"{r['at']} {r['role'] or '-'} {r['key_id'] or '-'} {r['action']} "
                  f"{r['method']} {r['route']} {r['target'] or ''} {r['status']}")


def _register_rights() -> None:  # restriction, objection, rectification, purge
    from idic.cli.rights import register

    register(app)


_register_rights()
