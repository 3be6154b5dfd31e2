"""``idic nba``: next best action per customer (expected value behind the consent gate).

The logic lives in :mod:`idic.customize.nba`; this module opens the workspace and prints.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out
from idic.errors import InputError

app = typer.Typer(name="nba", no_args_is_help=True,
                  help="Next best action: per customer, the allowed action with the highest "
                       "expected value (uplift x value at stake - cost), with its reason.")


@app.command("run", help="Choose one action per customer; write the table next_best_action.")
@command
def run_cmd(workspace: WorkspaceOpt = None, json_out: JsonOpt = False) -> None:
    from idic.customize.nba.stage import run

    with open_ws(workspace) as ws:
        res = run(ws)
    if json_out:
        emit_json(res)
        return
    t = Table("action", "customers")
    for a, n in res["actions"].items():
        t.add_row(a, f"{n:,}")
    out.print(t)
    out.print(f"{res['customers']:,} customers, total expected value "
              f"{res['total_expected_value']:,.2f}; `idic export next_best_action -o F.csv`")


@app.command("show", help="The chosen action of one customer, its reason and alternatives.")
@command
def show_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id")],
    workspace: WorkspaceOpt = None,
    json_out: JsonOpt = False,
) -> None:
    from idic.customize.nba.stage import TABLE, for_customer

    with open_ws(workspace, read_only=True) as ws:
        if not ws.engine.has_table(TABLE):
            raise InputError("no next best action yet", hint="run `idic nba run` first")
        r = for_customer(ws, customer)
    if r is None:
        raise InputError(f"no next best action for customer {customer!r}",
                         hint="check the id with `idic export customers`")
    if json_out:
        emit_json(r)
        return
    out.print(f"[bold]{r['action']}[/bold] (expected value {r['expected_value']:,.2f}"
              f"{', ' + r['channel'] if r['channel'] else ''})")
    out.print(r["reason"], markup=False)
    if r["alternatives"]:
        t = Table("alternative", "expected value", "allowed")
        for a in r["alternatives"]:
            t.add_row(a["action"], f"{a['expected_value']:,.2f}", "yes" if a["allowed"] else "no")
        out.print(t)
