"""``idic nba``: next best action per customer (expected value behind the consent gate).

The logic lives in :mod:`idic.customize.nba`; this module opens the workspace and prints.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
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
def run_cmd(
    workspace: WorkspaceOpt = None,
    budget: Annotated[str | None, typer.Option(
        "--budget", help="Total cost allowed (workspace currency); default nba.budget")] = None,
    capacity: Annotated[list[str] | None, typer.Option(
        "--capacity", help="Most customers per action or channel, KEY=N (call=200, "
                           "email=5000, win_back=300); repeat or comma-separate")] = None,
    json_out: JsonOpt = False,
) -> None:
    from idic.customize.nba.allocate import parse_budget
    from idic.customize.nba.stage import run

    b = parse_budget(budget)  # (checked before the workspace is opened)
    with open_ws(workspace) as ws:
        res = run(ws, budget=b, capacity=capacity or None)
    if json_out:
        emit_json(res)
        return
    t = Table("action", "customers")
    for a, n in res["actions"].items():
        t.add_row(a, f"{n:,}")
    out.print(t)
    out.print(f"{res['customers']:,} customers, total expected value "
              f"{res['total_expected_value']:,.2f}, cost {res['total_cost']:,.2f}; "
              "`idic export next_best_action -o F.csv`")
    if res.get("allocation"):
        a = res["allocation"]
        gap = "" if a["gap"] is None else f", at most {a['gap']:,.2f} below the optimum"
        out.print(f"allocation: {a['method']} under {', '.join(a['binding'])}{gap}")
    for m in res.get("uplift_models", {}).values():
        used = "per-customer uplift used" if m["model_used"] else (
            "the model did not beat the average out of fold: the average is used")
        out.print(f"{m['action']}: campaign {m['campaign']}, {m['units']:,} units, uplift "
                  f"{m['average']['uplift']:+.3f}; {used}")


@app.command("campaign", help="Register a randomised campaign whose uplift next best action "
                              "should use for ACTION (per customer, by an uplift model).")
@command
def campaign_cmd(
    action: Annotated[str, typer.Argument(help="The action the campaign tested (win_back, ...)")],
    file: Annotated[Path, typer.Argument(help="One row per unit (.csv, .parquet, .jsonl) with "
                                              "customer_id or source + source_customer_id")],
    variant_col: Annotated[str, typer.Option("--variant-col", help="The arm column")],
    control: Annotated[str, typer.Option("--control", help="The control arm's name")],
    outcome_col: Annotated[str, typer.Option("--outcome-col", help="Outcome: 0/1 or number")],
    features: Annotated[str, typer.Option(
        "--features", help="Model features, comma-separated: file or profile columns")] = "",
    method: Annotated[str, typer.Option(
        "--method", help="two-model or class-transformation")] = "two-model",
    workspace: WorkspaceOpt = None,
    json_out: JsonOpt = False,
) -> None:
    from idic.customize.nba.campaigns import campaign_of, fit, register
    from idic.customize.nba.priors import CONTACT_ACTIONS

    with open_ws(workspace) as ws:
        rel = file.resolve()
        with contextlib.suppress(ValueError):  # inside the workspace: a relative path
            rel = rel.relative_to(Path(ws.path).resolve())
        c = campaign_of(action, {"file": str(rel), "variant_col": variant_col,
                                 "control": control, "outcome_col": outcome_col,
                                 "features": features, "method": method}, CONTACT_ACTIONS)
        res = fit(ws, c).summary()  # (fails before anything is saved)
        register(ws, c)
    if json_out:
        emit_json(res)
        return
    a = res["average"]
    out.print(f"{action}: {res['units']:,} units ({res['matched']:,} matched to customers), "
              f"uplift {a['uplift']:+.3f} [{a['ci'][0]:.3f}, {a['ci'][1]:.3f}]; model "
              f"{'used' if res['model_used'] else 'not better than the average'}; "
              "saved in workspace.json (nba.campaigns); run `idic nba run`")


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
