"""European files: `;` delimiter, decimal comma, day-first dates (--decimal-comma, --date-format)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import ibis
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.errors import InputError
from idic.ingest.formats import ParseOptions
from idic.ingest.validate import SPACES, parse, reason, text, valid
from idic.schema import TABLES
from idic.workspace import Workspace

EU_FMT = "%d/%m/%Y %H:%M"
AMOUNT = TABLES["orders"].column("amount")
ORDERED_AT = TABLES["orders"].column("ordered_at")
con = ibis.duckdb.connect()
con.raw_sql("SET TimeZone='UTC'")


def european_orders(path: Path, n: int = 300) -> Path:
    lines = ["order_id;source;source_customer_id;ordered_at;amount;currency"]
    lines += [f"O{i};web;W{i % 17};{(i % 28) + 1:02d}/07/2024 02:53;{i},04;EUR"
              for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_european_file_loads_with_its_options(workspace: Workspace, tmp_path: Path) -> None:
    f = european_orders(tmp_path / "eu.csv")
    plain = workspace.ingest("orders", f)  # the `;` is read from the header
    assert (plain.received, plain.accepted, plain.quarantined) == (300, 0, 300)
    q = workspace.table("quarantine").to_pandas()
    assert set(q.column) == {"ordered_at", "amount"}
    assert set(q[q.column == "amount"].reason) == {
        "not a number (expected decimal, e.g. 59.90)"}

    r = workspace.ingest("orders", f, decimal_comma=True, date_format=EU_FMT)
    assert (r.received, r.accepted, r.quarantined) == (300, 300, 0)
    o = workspace.table("orders").to_pandas().set_index("order_id")
    assert o.loc["O62", "amount"] == Decimal("62.04")
    assert o.loc["O0", "ordered_at"].to_pydatetime() == datetime(2024, 7, 1, 2, 53, tzinfo=UTC)
    assert o.loc["O27", "ordered_at"].to_pydatetime() == datetime(2024, 7, 28, 2, 53,
                                                                  tzinfo=UTC)


def run(col, values: list[str | None], options: ParseOptions) -> list[dict]:
    t = ibis.memtable({"v": values}, schema={"v": "string"})
    v = text(t.v)
    expr = t.select(value=parse(col, v, options=options), why=reason(col, v, options=options))
    return con.execute(expr).to_dict("records")


def test_decimal_comma_values_and_reasons() -> None:
    got = run(AMOUNT, ["62,04", "1.234,5", "-3", " 7,10 ", "1.5", "1.23,4", "abc", "12.345"],
              ParseOptions(decimal_comma=True))
    assert [g["value"] for g in got[:4]] == [Decimal("62.04"), Decimal("1234.50"),
                                             Decimal("-3.00"), Decimal("7.10")]
    assert got[7]["value"] == Decimal("12345.00")  # a dot groups thousands
    for g in got[4:7]:  # a dot decimal is ambiguous here ("1.500"): refused, not guessed
        assert g["value"] is None or g["value"] != g["value"]
        assert g["why"] == "not a number (expected decimal with a decimal comma, e.g. 59,90)"


def test_date_format_reads_day_first_and_still_iso() -> None:
    got = run(ORDERED_AT, ["1/7/2024 2:53", "01/07/2024 02:53", "2024-07-01T02:53:00Z",
                           "31/02/2024 10:00", "07/01/2024"], ParseOptions(date_format=EU_FMT))
    want = datetime(2024, 7, 1, 2, 53, tzinfo=UTC)
    assert [g["value"].to_pydatetime() for g in got[:3]] == [want] * 3
    assert got[3]["why"] == got[4]["why"] == (
        "not a timestamp (expected %d/%m/%Y %H:%M or ISO 8601, e.g. 2024-03-01T12:30:00Z)")


def test_date_column_reads_the_date_part_of_the_format(workspace: Workspace,
                                                       tmp_path: Path) -> None:
    f = tmp_path / "ids.csv"
    f.write_text("source;source_record_id;birth_date;first_seen\n"
                 "web;W1;12/04/1985;03/01/2024 09:15\n")
    r = workspace.ingest("identities", f, date_format=EU_FMT)
    assert (r.accepted, r.warnings) == (1, 0)
    row = workspace.table("identities").to_pandas().iloc[0]
    assert pd.Timestamp(row.birth_date) == pd.Timestamp("1985-04-12")
    assert row.first_seen.to_pydatetime() == datetime(2024, 1, 3, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize("fmt", ["%q", "%d/%m", "%d/%d/%Y"])
def test_bad_date_format_is_an_input_error(fmt: str) -> None:
    with pytest.raises(InputError, match="--date-format"):
        ParseOptions(date_format=fmt)


@settings(max_examples=40, deadline=None)
@given(cents=st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=20),
       grouped=st.booleans())
def test_decimal_comma_round_trip(cents: list[int], grouped: bool) -> None:
    def european(c: int) -> str:
        whole = f"{abs(c) // 100:,}".replace(",", ".") if grouped else str(abs(c) // 100)
        return ("-" if c < 0 else "") + f"{whole},{abs(c) % 100:02d}"

    got = run(AMOUNT, [european(c) for c in cents], ParseOptions(decimal_comma=True))
    assert [g["value"] for g in got] == [Decimal(c).scaleb(-2) for c in cents]


@settings(max_examples=40, deadline=None)
@given(ts=st.lists(st.datetimes(datetime(1901, 1, 1), datetime(2025, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)), min_size=1, max_size=20),
       fmt=st.sampled_from([EU_FMT, "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M", "%m-%d-%Y %H:%M"]))
def test_date_format_round_trip(ts: list[datetime], fmt: str) -> None:
    got = run(ORDERED_AT, [d.strftime(fmt) for d in ts], ParseOptions(date_format=fmt))
    assert [g["value"].to_pydatetime() for g in got] == [d.replace(tzinfo=UTC) for d in ts]


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.text(max_size=12) | st.none(), min_size=1, max_size=10))
def test_hostile_text_never_breaks_the_local_parsers(values: list[str | None]) -> None:
    values = [v.replace("\x00", "") if v else v for v in values]
    opts = ParseOptions(decimal_comma=True, date_format=EU_FMT)
    t = ibis.memtable({"v": values}, schema={"v": "string"})
    v = text(t.v)
    for col in (AMOUNT, ORDERED_AT):
        expr = t.select(ok=valid(col, parse(col, v, options=opts)),
                        why=reason(col, v, options=opts))
        got = con.execute(expr).to_dict("records")
        assert len(got) == len(values)
        for raw, g in zip(values, got, strict=True):
            if raw is None or not raw.strip(SPACES):
                assert not g["ok"] and g["why"] == "missing required value"
            else:  # usable, or a reason naming what was wrong: exactly one
                assert g["ok"] != (g["why"] is not None), (raw, g)


@pytest.mark.spark
def test_european_file_on_spark(spark_workspace: Workspace, tmp_path: Path) -> None:
    f = european_orders(tmp_path / "eu.csv", n=30)
    r = spark_workspace.ingest("orders", f, decimal_comma=True, date_format=EU_FMT)
    assert (r.received, r.accepted, r.quarantined) == (30, 30, 0)
    o = spark_workspace.table("orders").to_pandas().set_index("order_id")
    assert Decimal(str(o.loc["O29", "amount"])) == Decimal("29.04")
    assert spark_workspace.to_pandas("orders").amount.dtype == "float64"
    assert o.loc["O27", "ordered_at"].to_pydatetime().replace(tzinfo=UTC) == datetime(
        2024, 7, 28, 2, 53, tzinfo=UTC)
