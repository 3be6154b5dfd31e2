"""``idic keys``: create, list, revoke API keys (only hashes are stored)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, out

app = typer.Typer(help="API keys and roles (admin, analyst, marketer, privacy, collector, "
                       "service).",
                  no_args_is_help=True)


def _path(workspace: Path | None) -> Path:
    from idic.config import get_settings

    return Path(workspace or get_settings().workspace)


@app.command("create", help="Create a key; it is printed once and only its hash is kept.")
@command
def create_cmd(
    role: Annotated[str, typer.Option(
        help="admin | analyst | marketer | privacy | collector | service")],
    workspace: WorkspaceOpt = None,
    label: Annotated[str | None, typer.Option(help="A note: who or what uses the key")] = None,
    owner: Annotated[str | None, typer.Option(
        help="service keys: the person whose follow-up tasks the key works (as in the "
             "tasks' owner)")] = None,
    json_: JsonOpt = False,
) -> None:
    from idic.privacy.keys import create_key

    k = create_key(_path(workspace), role, label=label, owner=owner)
    if json_:
        emit_json(k)
    else:
        from idic.cli.serve import workspace_flag

        where = ("API only: GET /v1/tasks lists the tasks of " + repr(k["owner"])
                 if k["role"] == "service" else "Dashboard: run "
                 f"`idic serve{workspace_flag(workspace)}` and sign in with it at "
                 "http://127.0.0.1:8000/")
        out.print(f"{k['key']}\n[dim]key id {k['key_id']}, role {k['role']}: store it now, "
                  f"it is not shown again. {where}[/]", highlight=False, soft_wrap=True)


@app.command("list", help="List keys (ids, roles, dates; never the keys).")
@command
def list_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.privacy.keys import list_keys

    keys = list_keys(_path(workspace))
    if json_:
        emit_json({"keys": keys})
        return
    t = Table(title="API keys")
    cols = ("key_id", "role", "owner", "label", "created_at", "revoked_at")
    for c in cols:
        t.add_column(c)
    for k in keys:
        t.add_row(*(str(k.get(c) or "") for c in cols))
    out.print(t)


@app.command("revoke", help="Revoke a key by its id; effective immediately.")
@command
def revoke_cmd(key_id: Annotated[str, typer.Argument(help="Key id (see `idic keys list`)")],
               workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.privacy.keys import revoke_key

    k = revoke_key(_path(workspace), key_id)
    if json_:
        emit_json(k)
    else:
        out.print(f"revoked {k['key_id']} ({k['role']})")
