"""``idic clv``: fit the buy-till-you-die models on a transactions file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from idic.cli.common import JsonOpt, command, emit_json, out

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
