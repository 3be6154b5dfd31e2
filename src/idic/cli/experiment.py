"""``idic experiment``: design an A/B test, analyse its results, check the split.

The logic lives in :mod:`idic.customize.experiments`; this module parses options and prints.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, console, emit_json, out
from idic.errors import InputError

app = typer.Typer(
    name="experiment",
    help="A/B tests: sample size, analysis (Welch, CUPED, Bayesian), sample-ratio mismatch.",
    no_args_is_help=True,
)


def _num(v: float | None, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:,.{digits}g}" if abs(v) >= 1e5 or (v and abs(v) < 1e-3) else f"{v:,.{digits}f}"


def _pct(v: float | None, digits: int = 1) -> str:
    return "-" if v is None or not math.isfinite(v) else f"{v:+.{digits}%}"


def _p(v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    return "<0.0001" if v < 1e-4 else f"{v:.4f}"


@app.command("size")
@command
def size_cmd(
    baseline: Annotated[float, typer.Option("--baseline", help="Control's rate (0.10) or mean")],
    mde: Annotated[float, typer.Option(
        "--mde", help="Smallest effect worth detecting, absolute (0.02 = 2 points)")],
    power: Annotated[float, typer.Option("--power", help="Chance to detect the MDE")] = 0.8,
    alpha: Annotated[float, typer.Option("--alpha", help="False-positive rate, two-sided")] = 0.05,
    sd: Annotated[float | None, typer.Option(
        "--sd", help="Standard deviation of the outcome: sizes a mean (t test), not a rate")
    ] = None,
    arms: Annotated[int, typer.Option("--arms", help="Number of arms, control included")] = 2,
    daily_traffic: Annotated[float | None, typer.Option(
        "--daily-traffic", help="New units per day: also print the duration in days")] = None,
    share: Annotated[float, typer.Option(
        "--share", help="Share of the traffic that enters the test")] = 1.0,
    json_out: JsonOpt = False,
) -> None:
    """Units per arm for a two-sided test: a rate (Cohen's h, normal approximation) or,
    with --sd, a mean (two-sample t test). JSON: per_arm (exact), per_arm_whole, total,
    days."""
    from idic.customize.experiments.design import design

    d = design(baseline, mde, alpha=alpha, power=power, sd=sd, arms=arms,
               daily_units=daily_traffic, share=share)
    if json_out:
        emit_json(d.to_dict())
        return
    what = (f"rate {baseline:.2%} -> {baseline + mde:.2%}" if sd is None
            else f"mean {baseline:,.2f} -> {baseline + mde:,.2f} (sd {sd:,.2f})")
    out.print(f"[bold]{d.per_arm_whole:,}[/] units per arm ({d.per_arm:,.1f} exact), "
              f"{d.total:,} in all, to detect {what} with {power:.0%} power at "
              f"alpha {alpha:g} (two-sided).")
    if d.days is not None:
        out.print(f"Duration: [bold]{d.days}[/] day(s) at {daily_traffic:,.0f} units a day"
                  + (f", {share:.0%} of them in the test." if share < 1 else "."))


@app.command("mde")
@command
def mde_cmd(
    baseline: Annotated[float, typer.Option("--baseline", help="Control's rate (0.10) or mean")],
    per_arm: Annotated[float, typer.Option("--per-arm", help="Units per arm available")],
    power: Annotated[float, typer.Option("--power", help="Chance to detect the MDE")] = 0.8,
    alpha: Annotated[float, typer.Option("--alpha", help="False-positive rate, two-sided")] = 0.05,
    sd: Annotated[float | None, typer.Option(
        "--sd", help="Standard deviation of the outcome: a mean (t test), not a rate")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Minimum detectable effect (absolute, upwards) for a given number of units per arm.
    JSON: mde, relative_mde."""
    from idic.customize.experiments.design import mde_mean, mde_proportion

    m = (mde_proportion(baseline, per_arm, alpha=alpha, power=power) if sd is None
         else mde_mean(per_arm, sd, alpha=alpha, power=power))
    rel = m / abs(baseline) if baseline else None
    if json_out:
        emit_json({"mde": m, "relative_mde": rel, "per_arm": per_arm, "baseline": baseline,
                   "alpha": alpha, "power": power, "sd": sd})
        return
    shown = f"{m * 100:.2f} points" if sd is None else f"{m:,.4g}"
    out.print(f"With {per_arm:,.0f} units per arm the smallest detectable lift is [bold]{shown}"
              f"[/]" + (f" ({rel:.1%} relative)" if rel is not None else "")
              + f", at {power:.0%} power and alpha {alpha:g} (two-sided).")


def _counts(text: str, what: str) -> list[float]:
    try:
        vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"bad --{what} {text!r}",
                         hint=f"numbers separated by commas, e.g. --{what} 5000,5200") from None
    return vals


@app.command("srm")
@command
def srm_cmd(
    counts: Annotated[str, typer.Option("--counts", help="Units per arm, e.g. 5000,5200")],
    weights: Annotated[str | None, typer.Option(
        "--weights", help="Planned split, e.g. 0.5,0.5 (default: equal)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Sample-ratio mismatch: Pearson's chi-squared of the counts against the planned
    weights. p < 0.001: the split is broken; do not trust the effects. JSON: p_value."""
    from idic.customize.experiments.analysis import SRM_ALARM
    from idic.customize.experiments.stats import srm_p_value

    c = [int(x) if x.is_integer() else x for x in _counts(counts, "counts")]
    w = None if weights is None else _counts(weights, "weights")
    p = srm_p_value(c, w)
    if json_out:
        emit_json({"p_value": p, "counts": c, "weights": w or [1.0] * len(c),
                   "mismatch": p < SRM_ALARM})
        return
    verdict = ("[bold red]mismatch[/]: the split is not the one planned"
               if p < SRM_ALARM else "[green]no mismatch[/] at the 0.001 alarm level")
    out.print(f"SRM chi-squared p = {_p(p)}: {verdict}.")


def _print_analysis(res: dict[str, Any], title: str) -> None:
    bayes = res["method"] == "bayesian"
    ci_name = "credible" if bayes else "CI"
    conf = f"{1 - res['alpha']:.0%}"
    prop = res["metric_type"] == "proportion"
    tab = Table(title=title)
    cols = ["variant", "units", "mean", "effect", f"{conf} {ci_name}", "relative",
            f"{conf} {ci_name} (rel.)", "p-value"]
    if bayes:
        cols += ["chance to beat control", "expected loss"]
    for c in cols:
        tab.add_column(c, justify="left" if c == "variant" else "right")
    for name, v in res["variants"].items():
        mean = f"{v['mean']:.2%}" if prop else _num(v["mean"])
        if v["is_control"]:
            tab.add_row(f"{name} (control)", f"{v['n']:,}", mean, *["" for _ in cols[3:]])
            continue
        a, r = v["absolute"], v["relative"]
        eff = (lambda x: "-" if x is None else f"{x * 100:+.2f} pts") if prop else (
            lambda x: "-" if x is None else f"{x:+,.4g}")
        row = [name, f"{v['n']:,}", mean, eff(a["effect"]),
               f"{eff(a['ci'][0])} to {eff(a['ci'][1])}", _pct(r["effect"], 2),
               f"{_pct(r['ci'][0])} to {_pct(r['ci'][1])}", _p(a["p_value"])]
        if bayes:
            row += [f"{v['chance_to_win']:.1%}", f"{v['expected_loss']:.3%}"]
        tab.add_row(*row)
    out.print(tab)
    srm = res["srm"]
    alarm = "[bold red]MISMATCH: do not trust these effects[/]" if srm["mismatch"] else "ok"
    out.print(f"Sample-ratio mismatch: p = {_p(srm['p_value'])} ({alarm}).")
    for name, v in res["variants"].items():
        if v.get("cuped"):
            cu = v["cuped"]
            out.print(f"CUPED on {res['pre_col']!r} ({name}): theta {cu['theta']:.4g}, "
                      f"variance reduced by {(cu['variance_reduction'] or 0):.1%}.")
    if bayes:
        pr = res["prior"]
        out.print("Prior on the relative effect: " + (
            "flat (improper)" if pr["kind"].startswith("flat")
            else f"normal(mean {pr['mean']:g}, sd {pr['sd']:g})") + ".")
    if "participation" in res:
        pa = res["participation"]
        rates = ", ".join(f"{k} {x:.1%}" for k, x in pa["rate"].items())
        out.print(f"Participation ({pa['column']}): {rates}; equal across arms p = "
                  f"{_p(pa['p_value'])}.")
    for col, g in res.get("guardrails", {}).items():
        for name, v in g["variants"].items():
            mark = "[bold red]HARM[/]" if v["status"] == "harm" else "[green]ok[/]"
            out.print(f"Guardrail {col} ({g['direction']}), {name}: "
                      f"{_pct(v['relative']['effect'])}, p = {_p(v['absolute']['p_value'])}"
                      f" {mark}")


@app.command("analyze")
@command
def analyze_cmd(
    file: Annotated[Path | None, typer.Argument(
        help="Per-unit results (.csv, .parquet, .jsonl); or --table with --workspace")] = None,
    *,
    variant_col: Annotated[str, typer.Option("--variant-col", help="Column naming the arm")],
    value_col: Annotated[str, typer.Option(
        "--value-col", help="Outcome column: 0/1 conversion, revenue, change in CLV")],
    control: Annotated[str, typer.Option("--control", help="The control arm's name")],
    pre_col: Annotated[str | None, typer.Option(
        "--pre-col", help="The same measure before the test: CUPED variance reduction")] = None,
    method: Annotated[str, typer.Option(
        "--method", help="frequentist (Welch t) or bayesian (chance to beat control)")
    ] = "frequentist",
    weights: Annotated[str | None, typer.Option(
        "--weights", help="Planned split for the SRM check: 0.5,0.5 (arms sorted by name) "
        "or control=0.5,new=0.5 (default: equal)")] = None,
    participation_col: Annotated[str | None, typer.Option(
        "--participation-col", help="0/1 column: did the unit take part")] = None,
    guardrail: Annotated[list[str] | None, typer.Option(
        "--guardrail", help="Metric that must not get worse: COL (higher is better) or "
        "COL:lower (lower is better); repeatable")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="1 - confidence level")] = 0.05,
    prior_mean: Annotated[float, typer.Option(
        "--prior-mean", help="Bayesian: prior mean of the relative effect")] = 0.0,
    prior_sd: Annotated[float | None, typer.Option(
        "--prior-sd", help="Bayesian: prior sd of the relative effect (default: flat)")] = None,
    table: Annotated[str | None, typer.Option(
        "--table", help="Read the units from this workspace table instead of a file")] = None,
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Also write the effects with their intervals as an offline HTML "
        "chart (Plotly)")] = None,
    workspace: WorkspaceOpt = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="With --workspace: save the result as experiment NAME (table "
        "'experiments', shown in the report)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Effect of every variant against control: absolute and relative (delta method) with
    intervals and Welch p-values, CUPED with --pre-col, Bayesian chance to beat control with
    --method bayesian, SRM check, participation and guardrails."""
    from idic.customize.experiments.analysis import analyze_file, analyze_table

    if (file is None) == (table is None):
        raise InputError("give a results FILE or --table NAME (with --workspace)")
    if chart is not None:
        _chart_path(chart)
    if name is not None and workspace is None:
        raise InputError("--name saves the result in a workspace: give --workspace too")
    opts: dict[str, Any] = {
        "variant": variant_col, "value": value_col, "control": control, "pre": pre_col,
        "method": method, "weights": weights, "participation": participation_col,
        "guardrails": guardrail or [], "alpha": alpha, "prior_mean": prior_mean,
        "prior_sd": prior_sd}
    if table is not None:
        from idic.cli.common import open_ws

        with open_ws(workspace, read_only=name is None) as ws:
            res = analyze_table(ws.engine, ws.table(table), source=f"table {table!r}", **opts)
    else:
        assert file is not None
        res = analyze_file(file, **opts)
    if workspace is not None and name is not None:
        _save(workspace, name, res)
    if chart is not None:
        from idic.charts.experiments import effects_figure

        fig = effects_figure({name or (file.name if file is not None else str(table)): res},
                             relative=res["variants"][control]["mean"] != 0)
        fig.write_html(chart, include_plotlyjs=True)
    if json_out:
        emit_json(res)
    else:
        _print_analysis(res, f"{value_col} by {variant_col} in "
                             f"{file.name if file is not None else table}")


def _chart_path(path: Path) -> Path:
    """Check an HTML chart path before any work."""
    from idic.cli.common import output_file

    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"{path}: a chart is written as .html")
    return output_file(path)


def _save(workspace: Path, name: str, res: dict[str, Any]) -> None:
    from idic.cli.common import open_ws
    from idic.customize.experiments.store import save_result

    with open_ws(workspace) as ws:
        rows = save_result(ws, name, res)
    console.print(f"[dim]saved experiment {name!r} ({rows} rows in table 'experiments')[/]")
