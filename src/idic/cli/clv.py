"""``idic clv``: fit the buy-till-you-die models on a transactions file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from idic.cli.common import EngineOpt, JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out

app = typer.Typer(help="Predictive customer lifetime value (BG/NBD, Pareto/NBD, Gamma-Gamma, sBG).",
                  no_args_is_help=True)


@app.callback()
def clv() -> None:
    """Predictive customer lifetime value (BG/NBD, Pareto/NBD, Gamma-Gamma, sBG)."""


@app.command("fit")
@command
def fit(
    file: Annotated[Path, typer.Argument(help="Transactions file (CSV or Parquet)")],
    customer_col: Annotated[str, typer.Option("--customer-col", help="Customer id column")],
    date_col: Annotated[str, typer.Option("--date-col", help="Purchase date/time column")],
    calibration_end: Annotated[str, typer.Option("--calibration-end",
                                                 help="Last day of the calibration period")],
    amount_col: Annotated[str | None, typer.Option("--amount-col",
                                                   help="Amount column (spend)")] = None,
    holdout_end: Annotated[str | None, typer.Option("--holdout-end",
                                                    help="Last day of the holdout period")] = None,
    time_unit: Annotated[str, typer.Option("--time-unit",
                                           help="D (days), W (weeks) or M (months)")] = "W",
    model: Annotated[str, typer.Option("--model",
                                       help="bgnbd | paretonbd | gammagamma | sbg")] = "bgnbd",
    date_format: Annotated[str | None, typer.Option(
        "--date-format", help="strptime format of text dates, e.g. %Y%m%d")] = None,
    json_: JsonOpt = False,
) -> None:
    """Fit MODEL on FILE and print its parameters (and a holdout check)."""
    from idic.differentiate.value.clv.fit_file import fit_file

    result = fit_file(file, customer_col=customer_col, date_col=date_col,
                      amount_col=amount_col, calibration_end=calibration_end,
                      holdout_end=holdout_end, time_unit=time_unit, model=model.lower(),
                      date_format=date_format)
    if json_:
        emit_json(result)
        return
    from rich.table import Table

    table = Table(title=f"{result['model']} — {result['n_customers']} customers, "
                        f"log-likelihood {result['log_likelihood']:.2f}")
    table.add_column("parameter")
    table.add_column("estimate", justify="right")
    table.add_column("std. error", justify="right")
    for k, v in result["params"].items():
        table.add_row(k, f"{v:.4f}", f"{result['standard_errors'].get(k, float('nan')):.4f}")
    out.print(table)
    if "holdout" in result:
        h = result["holdout"]
        pred = h["predicted_repeat_transactions"]
        out.print(f"holdout repeat transactions: actual {h['actual_repeat_transactions']:.0f}"
                  + ("" if pred is None else f", predicted {pred:.1f}"))


@app.command("run")
@command
def run_cmd(
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    model: Annotated[str, typer.Option("--model", help="bgnbd | paretonbd")] = "bgnbd",
    horizon: Annotated[float, typer.Option(
        "--horizon", help="Months of the clv column (expected purchases and spend too)")] = 12.0,
    lifetime_months: Annotated[float, typer.Option(
        "--lifetime-months", help="Months of the lifetime_value column (customer equity)")
    ] = 120.0,
    discount_rate: Annotated[float, typer.Option(
        "--discount-rate", help="Monthly discount rate (0.01 = about 12.7% a year)")] = 0.01,
    time_unit: Annotated[str, typer.Option("--time-unit", help="D, W or M")] = "W",
    margin: Annotated[float | None, typer.Option(
        "--margin", help="Share of revenue kept [default: from the orders' margins, else 1]")
    ] = None,
    calibration_end: Annotated[str | None, typer.Option(
        "--calibration-end", help="Fit on orders up to this day [default: all]")] = None,
    json_: JsonOpt = False,
) -> None:
    """Fit the workspace's orders and write the clv table (one row per customer)."""
    from idic.differentiate.value.clv.stage import run

    with open_ws(workspace, engine=engine) as ws:
        summary = run(ws, model=model.lower(), horizon=horizon, discount_rate=discount_rate,
                      time_unit=time_unit, margin=margin, calibration_end=calibration_end,
                      lifetime_months=lifetime_months)
    if json_:
        emit_json(summary)
        return
    params = ", ".join(f"{k} {v:.4g}" for k, v in summary["params"].items())
    out.print(f"{summary['model']}: {summary['n_customers']:,} customers; {params}")
    if summary["n_customers"]:
        out.print(f"CLV over {summary['horizon_months']:g} months: "
                  f"{summary['total_clv']:,.2f}; lifetime value "
                  f"({summary['lifetime_months']:g} months, = customer equity): "
                  f"{summary['total_lifetime_value']:,.2f}; expected purchases "
                  f"{summary['total_expected_purchases']:,.0f}")
