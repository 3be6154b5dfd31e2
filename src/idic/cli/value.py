"""``idic value``: differentiate customers by value (RFM, ABC/Pareto, the value stage).

``rfm`` and ``abc`` work on a plain file (CSV, Parquet, JSON lines) without a workspace;
``run`` computes the value tables of a workspace. The logic lives in
:mod:`idic.differentiate.value`; this module only parses options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import ibis.expr.types as ir
import pyarrow as pa
import typer
from rich.table import Table

from idic.cli.common import (
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    command,
    emit_json,
    need_columns,
    open_file,
    open_ws,
    out,
    output_file,
    write_csv,
)
from idic.differentiate.value._common import input_error
from idic.engine.text import trim

app = typer.Typer(
    name="value",
    help="Differentiate customers by value: RFM, ABC/Pareto, actual and potential value.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="Orders file (.csv, .parquet, .jsonl)")]
CustomerCol = Annotated[str, typer.Option("--customer-col", help="Column holding the customer id")]
AmountCol = Annotated[str, typer.Option("--amount-col", help="Column holding the order amount")]
OutOpt = Annotated[Path | None, typer.Option("--output", "-o",
                                             help="Write the CSV here (default: stdout)")]


def _typed(eng, raw: ir.Table, path: Path, *, customer: str, amount: str,
           date: str | None = None, date_format: str | None = None,
           order: str | None = None) -> ir.Table:
    """Cast the needed columns, check them in one pass, and materialise the typed input."""
    need_columns(raw, path, customer, amount, date, order)
    cols = {"customer_id": raw[customer].cast("string"),
            "amount": trim(raw[amount].cast("string")).try_cast("decimal(18, 2)"),
            "_amount_text": raw[amount].cast("string")}
    if date is not None:
        text = trim(raw[date].cast("string"))
        ts = (text.as_timestamp(date_format) if date_format
              else text.try_cast("timestamp('UTC')"))
        cols["ordered_at"] = ts.cast("timestamp('UTC')")
        cols["_date_text"] = raw[date].cast("string")
    if order is not None:
        cols["order_id"] = raw[order].cast("string")
    try:
        eng.create_table("value_input", raw.select(**cols))
    except Exception as exc:
        raise input_error(f"{path}: cannot parse the file: {str(exc).splitlines()[0]}",
                         hint="check --date-format and the columns given") from None
    t = eng.table("value_input")
    checks = {"n": t.count(), "no_customer": t.customer_id.isnull().sum(),
              "bad_amount": t.amount.isnull().sum(),
              "bad_amount_eg": t._amount_text.min(where=t.amount.isnull())}
    if date is not None:
        checks["bad_date"] = t.ordered_at.isnull().sum()
        checks["bad_date_eg"] = t._date_text.min(where=t.ordered_at.isnull())
    r = t.aggregate(**checks).execute().iloc[0]
    if int(r["n"]) == 0:
        raise input_error(f"{path}: the file has no rows")
    if int(r["no_customer"] or 0):
        raise input_error(f"{path}: {int(r['no_customer'])} rows have no {customer}")
    if int(r["bad_amount"] or 0):
        raise input_error(f"{path}: {int(r['bad_amount'])} rows have an {amount} that is not "
                         f"a number (e.g. {r['bad_amount_eg']!r})",
                         hint="amounts are plain decimals such as 59.90")
    if date is not None and int(r["bad_date"] or 0):
        raise input_error(f"{path}: {int(r['bad_date'])} rows have a {date} that is not a "
                         f"date (e.g. {r['bad_date_eg']!r})",
                         hint="use ISO dates (2024-03-01 or 2024-03-01T12:30:00Z) "
                              "or give --date-format, e.g. '%d/%m/%Y'")
    return t


def _json_needs_file(json_out: bool, output: Path | None) -> None:
    if json_out and output is None:
        raise input_error("--json prints a summary: give -o FILE for the table itself",
                          hint="e.g. -o rfm.csv --json")


def _print_counts(title: str, counts: list[tuple[str, int]], total: int) -> None:
    tab = Table(title=title)
    tab.add_column("group")
    tab.add_column("customers", justify="right")
    tab.add_column("share", justify="right")
    for name, n in counts:
        tab.add_row(str(name), f"{n:,}", f"{n / total:.1%}" if total else "-")
    out.print(tab)


def _group_counts(arrow: pa.Table, col: str) -> list[tuple[str, int]]:
    vc = arrow.column(col).value_counts().to_pylist()
    return sorted(((d["values"], d["counts"]) for d in vc), key=lambda x: (-x[1], str(x[0])))


@app.command("rfm")
@command
def rfm_cmd(
    file: FileArg,
    customer_col: CustomerCol,
    date_col: Annotated[str, typer.Option("--date-col", help="Column holding the order date")],
    amount_col: AmountCol,
    order_col: Annotated[str | None, typer.Option(
        "--order-col", help="Order id column; rows are order lines. Without it each row is "
                            "one order")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="As-of date (YYYY-MM-DD); orders after it are ignored "
                        "[default: the date of the latest order]")] = None,
    output: OutOpt = None,
    segments: Annotated[Path | None, typer.Option(
        "--segments", help="Segment map CSV (rfm_code,segment) replacing the built-in one")] = None,
    date_format: Annotated[str | None, typer.Option(
        "--date-format", help="strptime format of the dates, e.g. '%d/%m/%Y' [default: ISO]")] = None,
    json_out: JsonOpt = False,
) -> None:
    """RFM scores (1-5) and named segments, one row per customer.

    Writes customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment.
    """
    from idic.differentiate.value.rfm import RFM_COLUMNS, load_segment_map, rfm

    _json_needs_file(json_out, output)
    if output is not None:
        output_file(output)
    seg_map = load_segment_map(segments)
    eng, raw = open_file(file)
    try:
        t = _typed(eng, raw, file, customer=customer_col, amount=amount_col, date=date_col,
                   date_format=date_format, order=order_col)
        expr = rfm(t, as_of=as_of, order_col="order_id" if order_col else None,
                   segments=seg_map).order_by("customer_id")
        result = eng.to_arrow(expr).select(list(RFM_COLUMNS))
    finally:
        eng.close()
    write_csv(result, output)
    counts = _group_counts(result, "segment")
    if json_out:
        emit_json({"customers": result.num_rows, "output": output,
                   "segments": {str(k): v for k, v in counts}})
    elif output is not None:
        out.print(f"wrote {result.num_rows:,} customers to {output}")
        _print_counts("RFM segments", counts, result.num_rows)


@app.command("abc")
@command
def abc_cmd(
    file: FileArg,
    customer_col: CustomerCol,
    amount_col: AmountCol,
    output: OutOpt = None,
    cutoffs: Annotated[str, typer.Option(
        "--cutoffs", help="Cumulative value shares ending class A and B")] = "0.8,0.95",
    json_out: JsonOpt = False,
) -> None:
    """ABC / Pareto classes: customers by total amount, A = first 80% of value, B = next 15%.

    Writes customer_id, value, abc_class (most valuable first).
    """
    from idic.differentiate.value.abc import (
        ABC_COLUMNS,
        abc,
        customer_values,
        gini,
        share_of_customers_making,
    )

    _json_needs_file(json_out, output)
    if output is not None:
        output_file(output)
    try:
        cuts = tuple(float(x) for x in cutoffs.split(","))
    except ValueError:
        raise input_error(f"bad --cutoffs {cutoffs!r}", hint="e.g. --cutoffs 0.8,0.95") from None
    eng, raw = open_file(file)
    try:
        t = _typed(eng, raw, file, customer=customer_col, amount=amount_col)
        values = customer_values(t, value_col="amount")
        expr = abc(values, cutoffs=cuts).order_by("value_rank")  # type: ignore[arg-type]
        result = eng.to_arrow(expr).select(list(ABC_COLUMNS))
        g = gini(values)
        top = share_of_customers_making(values, 0.80)
    finally:
        eng.close()
    write_csv(result, output)
    counts = sorted(_group_counts(result, "abc_class"))
    if json_out:
        emit_json({"customers": result.num_rows, "output": output,
                   "classes": dict(counts), "gini": g, "share_of_customers_making_80pct": top})
    elif output is not None:
        out.print(f"wrote {result.num_rows:,} customers to {output}; "
                  f"{top:.1%} of customers make 80% of value; Gini {g:.3f}")
        _print_counts("ABC classes", counts, result.num_rows)


@app.command("run")
@command
def run_cmd(
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="As-of date [default: the date of the latest order]")] = None,
    compare_to: Annotated[str | None, typer.Option(
        "--compare-to", help="Earlier date: also write value_migration (migrators)")] = None,
    margin_rate: Annotated[float, typer.Option(help="Margin rate where margin is unknown")] = 0.30,
    discount_rate: Annotated[float, typer.Option(help="Annual discount rate")] = 0.10,
    target_soc: Annotated[float, typer.Option(help="Target share of customer")] = 0.50,
    json_out: JsonOpt = False,
) -> None:
    """Compute the workspace's value tables: rfm, abc, value."""
    from idic.differentiate.value import stage

    with open_ws(workspace, engine=engine) as ws:
        summary = stage.run(ws, as_of=as_of, compare_to=compare_to, margin_rate=margin_rate,
                            discount_rate=discount_rate, target_soc=target_soc)
    if json_out:
        emit_json(summary)
        return
    n = summary["customers"]
    out.print(f"value as of {summary['as_of']}: {n:,} customers; "
              f"{summary['share_of_customers_making_80pct']:.1%} make 80% of revenue; "
              f"Gini {summary['gini']:.3f}; {summary['dormant']:,} dormant")
    _print_counts("RFM segments", sorted(summary["rfm_segments"].items(),
                                         key=lambda x: -x[1]), n)
    _print_counts("ABC classes", sorted(summary["abc_classes"].items()), n)
    _print_counts("Value categories", sorted(summary["value_categories"].items()), n)
