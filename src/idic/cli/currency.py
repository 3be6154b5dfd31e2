"""``idic currency``: the reporting currency and the exchange rates of workspace.json
(:mod:`idic.money`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out

app = typer.Typer(name="currency", no_args_is_help=True,
                  help="One reporting currency: orders in other currencies are converted "
                       "at the rates set here before anything is summed.")


def _print(res: dict) -> None:
    t = Table("currency", "orders", f"{res['currency'] or '-'} per unit")
    for c, n in sorted(res["orders"].items()):
        rate = "1 (reporting)" if c == res["currency"] else (
            res["rates_text"].get(c, "[red]missing[/red]"))
        t.add_row(c, f"{n:,}", rate)
    out.print(t)
    if res["missing"]:
        out.print("Set the missing rates: idic currency set --rate "
                  + " --rate ".join(f"{c}=<rate>" for c in res["missing"]))


@app.command("show", help="Order currencies, their counts and the rates in use.")
@command
def show_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.money import summary

    with open_ws(workspace) as ws:
        res = summary(ws)
    if json_:
        emit_json(res)
    else:
        _print(res)


@app.command("set", help="Set the reporting currency and/or exchange rates (CODE=units of "
                         "the reporting currency per unit); with --from, dated rates.")
@command
def set_cmd(currency: Annotated[str | None, typer.Option(
                "--currency", help="Reporting currency (ISO 4217)")] = None,
            rate: Annotated[list[str] | None, typer.Option(
                "--rate", help="CODE=NUMBER, e.g. GBP=1.1765 (repeat)")] = None,
            from_: Annotated[str | None, typer.Option(
                "--from", help="YYYY-MM-DD: the rates apply to orders from this day on "
                               "(dated rates; before the first date the first rate)")] = None,
            workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.money import configure, parse_rate

    parsed = dict(parse_rate(r) for r in rate or [])
    with open_ws(workspace) as ws:
        res = configure(ws, currency=currency, rates_=parsed, from_=from_)
    if json_:
        emit_json(res)
    else:
        _print(res)
