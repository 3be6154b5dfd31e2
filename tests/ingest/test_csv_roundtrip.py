"""CSV round trip: whatever Python's csv module or pandas writes, ingest then export gives back.

Text fields hold quotes, doubled quotes, delimiters, newlines, tabs, a BOM, unicode; the file
is written with `,` `;` or tab, minimal or full quoting, with or without a leading BOM. The
only change allowed is the documented one: values are trimmed of spaces, blank becomes null.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from idic.workspace import Workspace

TEXT_COLS = ("first_name", "last_name", "address", "city", "region", "loyalty_id")
PIECES = ['"', '""', ",", ";", "\n", "\r\n", "\t", "\ufeff", " ", "\xa0", "\u3000", "é", "日本",
          "🙂", "'", "\\", "|", "#", "NULL", 'He said "great", thanks']
hostile = st.lists(
    st.sampled_from(PIECES) | st.text(st.characters(exclude_categories=("Cs",),
                                                     exclude_characters="\x00"), max_size=8),
    max_size=6).map("".join)
rows_st = st.lists(st.fixed_dictionaries({c: hostile for c in TEXT_COLS}), min_size=1,
                   max_size=6)
writer_st = st.sampled_from([
    ("csv", ",", csv.QUOTE_MINIMAL, "utf-8"), ("csv", ";", csv.QUOTE_MINIMAL, "utf-8"),
    ("csv", "\t", csv.QUOTE_MINIMAL, "utf-8"), ("csv", ",", csv.QUOTE_ALL, "utf-8-sig"),
    ("pandas", ",", csv.QUOTE_MINIMAL, "utf-8"), ("pandas", ";", csv.QUOTE_MINIMAL, "utf-8-sig"),
    ("pandas", "\t", csv.QUOTE_ALL, "utf-8"),
])
_n = itertools.count()
SPACES = "".join(c for c in map(chr, range(0x110000)) if unicodedata.category(c) == "Zs")


def expected(v: str) -> str | None:
    """The documented normalisation: trimmed of spaces (Unicode Zs), blank -> null."""
    return v.strip(SPACES) or None


def lone_cr_free(records: list[dict[str, str]]) -> list[dict[str, str]]:
    """pandas ends lines with \n and so writes a CR alone unquoted: every CSV reader
    (Python's csv module too) takes that as a line break. Its rows hold none."""
    return [{k: re.sub(r"\r(?!\n)", "", v) for k, v in r.items()} for r in records]


def write(path: Path, records: list[dict[str, str]], how: tuple) -> None:
    tool, sep, quoting, encoding = how
    if tool == "csv":
        with open(path, "w", newline="", encoding=encoding) as f:
            w = csv.DictWriter(f, fieldnames=list(records[0]), delimiter=sep, quoting=quoting)
            w.writeheader()
            w.writerows(records)
    else:
        pd.DataFrame(records).to_csv(path, index=False, sep=sep, quoting=quoting,
                                     encoding=encoding)


def round_trip(ws: Workspace, tmp: Path, rows: list[dict[str, str]], how: tuple) -> None:
    source = f"s{next(_n)}"
    records = [{"source": source, "source_record_id": f"R{i}", **r} for i, r in enumerate(rows)]
    if how[0] == "pandas":
        records = lone_cr_free(records)
    src = tmp / f"{source}.csv"
    write(src, records, how)
    r = ws.ingest("identities", src)
    assert (r.received, r.accepted, r.quarantined) == (len(rows), len(rows), 0), how

    out = tmp / f"{source}-out.csv"
    t = ws.table("identities")
    ws.engine.export(t.filter(t.source == source).select("source_record_id", *TEXT_COLS), out)
    with open(out, newline="", encoding="utf-8") as f:
        got = {row["source_record_id"]: {c: row[c] or None for c in TEXT_COLS}
               for row in csv.DictReader(f)}
    want = {rec["source_record_id"]: {c: expected(rec[c]) for c in TEXT_COLS}
            for rec in records}
    assert got.keys() == want.keys(), how
    diff = [(k, c, got[k][c], want[k][c]) for k in want for c in TEXT_COLS
            if got[k][c] != want[k][c]]
    assert not diff, (how, diff)


@pytest.fixture(scope="module")
def duck_ws() -> Iterator[tuple[Workspace, Path]]:
    with tempfile.TemporaryDirectory() as d:
        ws = Workspace.init(Path(d) / "ws")
        yield ws, Path(d)
        ws.close()


def test_doubled_quotes_are_kept(duck_ws: tuple[Workspace, Path]) -> None:
    ws, tmp = duck_ws
    f = tmp / "quoted.csv"
    f.write_text('source,source_record_id,first_name,city\n'
                 'web,Q1,"He said ""great"", thanks",Paris\n'
                 'web,Q2,plain,"a\nb"\n'
                 'web,,"He said ""great"", thanks",Rome\n')
    r = ws.ingest("identities", f)
    assert (r.received, r.accepted, r.quarantined, r.warnings) == (3, 2, 1, 0)
    # the quarantine keeps the whole raw row, uncut
    record = ws.table("quarantine").to_pyarrow().column("record").to_pylist()
    assert [json.loads(x) for x in record] == [{
        "source": "web", "source_record_id": None, "first_name": 'He said "great", thanks',
        "city": "Rome"}]
    t = ws.table("identities")
    got = t.filter(t.source_record_id.isin(["Q1", "Q2"])).select(
        "source_record_id", "first_name", "city").order_by("source_record_id").to_pyarrow()
    assert got.to_pylist() == [
        {"source_record_id": "Q1", "first_name": 'He said "great", thanks', "city": "Paris"},
        {"source_record_id": "Q2", "first_name": "plain", "city": "a\nb"}]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_st, how=writer_st)
def test_round_trip_duckdb(duck_ws: tuple[Workspace, Path], rows: list[dict[str, str]],
                           how: tuple) -> None:
    round_trip(*duck_ws, rows, how)


@pytest.fixture(scope="module")
def spark_ws() -> Iterator[tuple[Workspace, Path]]:
    pytest.importorskip("pyspark")
    with tempfile.TemporaryDirectory() as d:
        ws = Workspace.init(Path(d) / "ws", engine="spark")
        yield ws, Path(d)
        ws.close()


@pytest.mark.spark
@example(rows=[dict.fromkeys(TEXT_COLS, '\xa0He said "great", thanks\r\n\ufeff;\t"\u3000 ')],
         how=("csv", ";", csv.QUOTE_MINIMAL, "utf-8-sig"))
@settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_st, how=writer_st)
def test_round_trip_spark(spark_ws: tuple[Workspace, Path], rows: list[dict[str, str]],
                          how: tuple) -> None:
    round_trip(*spark_ws, rows, how)


def test_quoted_line_break_keeps_rows_and_line_numbers(duck_ws: tuple[Workspace, Path]) -> None:
    # DuckDB's parallel reader refuses short-row padding next to a quoted line break: the
    # engine then reads the file serially; numbering stays by record (header = line 1)
    ws, tmp = duck_ws
    f = tmp / "long.csv"
    two_lines = '"two\nlines"'
    rows = [f"web,L{i},{two_lines if i == 1000 else 'plain'}," for i in range(2000)]
    rows[1500] = "web,,missing id,"
    f.write_text("source,source_record_id,first_name,city\n" + "\n".join(rows) + "\n")
    r = ws.ingest("identities", f)
    assert (r.received, r.accepted, r.quarantined) == (2000, 1999, 1)
    t = ws.table("identities")
    assert t.filter(t.source_record_id == "L1000").first_name.execute().tolist() == [
        "two\nlines"]
    q = ws.table("quarantine")
    assert q.filter(q.file == str(f)).line.execute().tolist() == [1502]
    # the reading view is dropped after the load
    views = "SELECT count(*) FROM duckdb_views() WHERE view_name LIKE '\\_idic\\_csv%' ESCAPE '\\'"
    assert ws.engine.raw.execute(views).fetchone()[0] == 0


@pytest.mark.spark
def test_overlong_rows_quarantined_on_spark(spark_ws: tuple[Workspace, Path]) -> None:
    """Spark, like DuckDB, keeps the first fields of an over-long row: the loader
    quarantines it on both engines (the DuckDB case: tests/ingest/test_loader.py)."""
    ws, tmp = spark_ws
    f = tmp / "overlong.csv"
    f.write_text("source,source_record_id,first_name,last_name,email\n"
                 "crm,S1,Ann,Lee,ann@example.com\n"
                 "crm,S2,John,Smith, Jr,john@example.com\n"
                 "crm,S3,Bo,Ek,bo@example.com,\n")
    r = ws.ingest("identities", f)
    assert (r.received, r.accepted, r.quarantined) == (3, 2, 1)
    q = ws.table("quarantine")
    got = ws.engine.to_pandas(q.filter(q.file == str(f)).select("line", "column", "value"))
    assert got.values.tolist() == [[3, "(row)", "6 fields"]]
