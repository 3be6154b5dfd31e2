"""``idic pilot``: plan a picket-fence pilot (who gets the new treatment first, balanced
against a control) and evaluate it as return on customer and customer-equity change.

The logic lives in :mod:`idic.customize.experiments.pilots`; this module parses and prints.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, console, emit_json, open_ws, out

app = typer.Typer(
    name="pilot", no_args_is_help=True,
    help="Pilots (picket fence): a stratified, balanced roll-out plan in waves, and its "
         "evaluation as return on customer and equity change of test vs control.")


def _n(v: float | None, fmt: str = ",.2f") -> str:
    return "-" if v is None or not math.isfinite(v) else format(v, fmt)


@app.command("plan")
@command
def plan_cmd(
    workspace: WorkspaceOpt = None,
    unit: Annotated[str, typer.Option(
        "--unit", help="customer, or region (the customers' --region-col, city by default)")
    ] = "customer",
    share: Annotated[float, typer.Option(
        "--share", help="Share of the units in the pilot (wave 1)")] = 0.2,
    waves: Annotated[int, typer.Option(
        "--waves", help="Waves of the roll-out, the pilot included (2-20)")] = 3,
    stratify: Annotated[str | None, typer.Option(
        "--stratify", help="Columns to balance on, comma-separated (customer default: "
        "value_tier,country; region: country,size_tier)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Randomisation seed")] = 0,
    name: Annotated[str | None, typer.Option(
        "--name", help="Pilot name (default pilot-UNIT-START)")] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="Start date (default: the day after the latest order); only orders "
        "before it describe the units")] = None,
    region_col: Annotated[str, typer.Option(
        "--region-col", help="Customers column naming a unit's region (--unit region)")
    ] = "city",
    json_out: JsonOpt = False,
) -> None:
    """Which units get the treatment first (stratified randomisation, rerandomised until
    every |SMD| < 0.1), the waves that follow, and the balance table. Saved in the tables
    'pilots' and 'pilot_units'. JSON: name, units, test_units, wave_sizes, max_abs_smd,
    balanced, balance."""
    from idic.customize.experiments.pilots.plan import _start, make_plan
    from idic.customize.experiments.pilots.store import save_plan

    with open_ws(workspace) as ws:
        if name is None:
            name = f"pilot-{unit}-{_start(ws, start).isoformat()}"
        plan = make_plan(ws, name=name, unit=unit, share=share, waves=waves,
                         stratify=stratify, seed=seed, start=start, region_col=region_col)
        save_plan(ws, plan)
    d = plan.to_dict()
    if json_out:
        emit_json(d)
        return
    sizes = ", ".join(f"wave {k}: {v:,}" for k, v in d["wave_sizes"].items())
    out.print(f"[bold]{d['name']}[/]: {d['units']:,} {unit} units from {d['start']}, "
              f"{d['test_units']:,} in the pilot (wave 1); {sizes}; {d['strata']} strata "
              f"on {', '.join(d['stratify']) or 'nothing'}; draw {d['draw']}.")
    _print_balance(d)
    console.print(f"[dim]saved pilot {d['name']!r} (tables 'pilots', 'pilot_units'); "
                  f"evaluate it later: idic pilot evaluate --name {d['name']!r}[/]")


def _print_balance(d: dict[str, Any]) -> None:
    t = Table("covariate", "level", "mean test", "mean control", "SMD", "",
              title="Balance (standardised mean differences)")
    for r in d["balance"]:
        t.add_row(r["covariate"], r["level"] or "", _n(r["mean_test"], ",.3f"),
                  _n(r["mean_control"], ",.3f"), _n(r["smd"], "+.3f"),
                  "ok" if r["balanced"] else "[red]imbalanced[/]")
    out.print(t)
    verdict = ("[green]balanced[/] (every |SMD| < 0.1)" if d["balanced"] else
               f"[bold red]not balanced[/]: largest |SMD| {d['max_abs_smd']:.3f} "
               "(few units or many strata)")
    out.print(f"Balance: {verdict}.")


@app.command("evaluate")
@command
def evaluate_cmd(
    name: Annotated[str, typer.Option("--name", help="The pilot's name")],
    workspace: WorkspaceOpt = None,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", help="Bootstrap replicates of the interval")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Bootstrap seed")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Test vs control since the start: return on customer, equity change, cash flow and
    value created per unit, each as a difference-in-differences against the pre-period with
    a bootstrap 95% interval. Saved with the pilot (report section "Experiments"). JSON:
    arms, effects {roc, equity_change_per_unit, cash_flow_per_unit,
    value_created_per_unit: {did, ci, p_value}}."""
    from idic.customize.experiments.pilots.evaluate import evaluate
    from idic.customize.experiments.pilots.plan import check_name
    from idic.customize.experiments.pilots.store import save_evaluation
    from idic.errors import InputError

    if not 100 <= bootstrap <= 100_000:
        raise InputError(f"--bootstrap must be from 100 to 100,000, got {bootstrap}")
    if seed < 0:
        raise InputError(f"--seed must be a non-negative whole number, got {seed}")
    name = check_name(name)
    with open_ws(workspace) as ws:
        res = evaluate(ws, name, boot=bootstrap, seed=seed)
        save_evaluation(ws, name, res)
    if json_out:
        emit_json(res)
        return
    out.print(f"[bold]{name}[/]: {res['unit']} pilot, post-period {res['post_period'][0]} to "
              f"{res['post_period'][1]} ({res['days']} days) against the pre-period "
              f"{res['pre_period'][0]} to {res['pre_period'][1]}.")
    t = Table("arm", "units", "ROC pre", "ROC post", "equity start", "equity end",
              "cash flow post")
    for a, v in res["arms"].items():
        t.add_row(a, f"{v['units']:,}", _n(v["roc_pre"], ".2%"), _n(v["roc_post"], ".2%"),
                  _n(v["equity_start"]), _n(v["equity_end"]), _n(v["cash_flow_post"]))
    out.print(t)
    e = Table("effect (test - control, DiD)", "estimate", "95% interval", "p-value",
              title="Difference-in-differences, bootstrap over units")
    for k, v in res["effects"].items():
        fmt = "+.2%" if k == "roc" else "+,.2f"
        e.add_row(k.replace("_", " "), _n(v["did"], fmt),
                  f"{_n(v['ci'][0], fmt)} to {_n(v['ci'][1], fmt)}", _n(v["p_value"], ".3f"))
    out.print(e)


@app.command("list")
@command
def list_cmd(workspace: WorkspaceOpt = None, json_out: JsonOpt = False) -> None:
    """The saved pilots, newest first."""
    from idic.customize.experiments.pilots.store import load_pilots

    with open_ws(workspace, read_only=True) as ws:
        pilots = load_pilots(ws)
    rows = [{"name": p["name"], "unit": p["plan"]["unit"], "start": p["plan"]["start"],
             "units": p["plan"]["units"], "test_units": p["plan"]["test_units"],
             "balanced": p["plan"]["balanced"],
             "roc_did": (p["evaluation"] or {}).get("effects", {}).get("roc", {}).get("did")}
            for p in pilots]
    if json_out:
        emit_json({"pilots": rows})
        return
    t = Table("pilot", "unit", "start", "units", "in pilot", "balanced", "ROC DiD")
    for r in rows:
        t.add_row(r["name"], r["unit"], r["start"], f"{r['units']:,}", f"{r['test_units']:,}",
                  "yes" if r["balanced"] else "no", _n(r["roc_did"], "+.2%"))
    out.print(t)
