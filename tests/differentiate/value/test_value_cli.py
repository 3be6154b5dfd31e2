"""The `idic value` contract, checked from outside through Typer's runner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from idic.cli.value import app

runner = CliRunner()

RFM_HEADER = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
              "m_score", "segment"]

ROWS = [  # one row per order; same data as the hand-checked RFM test
    ("c1", "2024-06-01T10:00:00Z", "100.00"),
    ("c1", "2024-06-20T09:00:00Z", "50"),
    ("c2", "2024-06-20 09:00:00", "150.00"),
    ("c3", "2024-01-15", "20"),
    ("c3", "2024-02-15", "20"),
    ("c3", "2024-03-15", "20.00"),
    ("c4", "2024-06-30T23:00:00Z", "5"),
    ("c5", "2023-12-31T08:00:00Z", "300"),
    ("c5", "2024-07-01T00:00:00Z", "999"),
    ("c6", "2024-05-05", "80"),
    ("c6", "2024-05-06", "80"),
    ("c7", "2024-04-01", "150"),
]


def write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames or []), list(r)


@pytest.fixture
def orders_csv(tmp_path: Path) -> Path:
    return write(tmp_path / "orders.csv", ["cust", "when", "total"], ROWS)


def test_rfm_contract(orders_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "rfm.csv"
    res = runner.invoke(app, ["rfm", str(orders_csv), "--customer-col", "cust", "--date-col",
                              "when", "--amount-col", "total", "--as-of", "2024-06-30",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    header, rows = read(out)
    assert header == RFM_HEADER
    got = {r["customer_id"]: r for r in rows}
    assert len(got) == 7
    assert got["c1"] == {"customer_id": "c1", "recency_days": "10", "frequency": "2",
                         "monetary": "150.00", "r_score": "4", "f_score": "4", "m_score": "3",
                         "segment": "Need Attention"}
    assert (got["c5"]["frequency"], got["c5"]["monetary"], got["c5"]["segment"]) == \
        ("1", "300.00", "At Risk")
    assert got["c6"]["segment"] == "Loyal"
    assert "7 customers" in res.output


def test_rfm_with_order_lines_and_stdout(tmp_path: Path) -> None:
    f = write(tmp_path / "lines.csv", ["customer", "order", "date", "amount"], [
        ("a", "1", "2024-01-01", "1.10"), ("a", "1", "2024-01-01", "2.20"),
        ("a", "2", "2024-01-05", "3.30"), ("b", "3", "2024-01-02", "4")])
    res = runner.invoke(app, ["rfm", str(f), "--customer-col", "customer", "--date-col", "date",
                              "--amount-col", "amount", "--order-col", "order",
                              "--as-of", "2024-01-10"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[0] == ",".join(RFM_HEADER)
    assert lines[1].startswith("a,5,2,6.60,")


def test_rfm_json_and_date_format(tmp_path: Path) -> None:
    f = write(tmp_path / "eu.csv", ["c", "d", "a"], [("x", "31/12/2023", "10"),
                                                     ("y", "01/01/2024", "20")])
    out = tmp_path / "o.csv"
    res = runner.invoke(app, ["rfm", str(f), "--customer-col", "c", "--date-col", "d",
                              "--amount-col", "a", "--date-format", "%d/%m/%Y", "-o", str(out),
                              "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["customers"] == 2
    _, rows = read(out)
    assert {r["customer_id"]: r["recency_days"] for r in rows} == {"x": "1", "y": "0"}


def test_abc_contract(tmp_path: Path) -> None:
    f = write(tmp_path / "o.csv", ["customer", "amount"], [
        ("x", "40"), ("x", "20"), ("y", "30"), ("z", "6"), ("w", "4")])
    out = tmp_path / "abc.csv"
    res = runner.invoke(app, ["abc", str(f), "--customer-col", "customer", "--amount-col",
                              "amount", "-o", str(out)])
    assert res.exit_code == 0, res.output
    header, rows = read(out)
    assert header == ["customer_id", "value", "abc_class"]
    assert [(r["customer_id"], r["value"], r["abc_class"]) for r in rows] == [
        ("x", "60.00", "A"), ("y", "30.00", "A"), ("z", "6.00", "B"), ("w", "4.00", "C")]
    # Rich wraps at the console width, and the output names a temporary path of any length
    assert "50.0% of customers make 80% of value" in " ".join(res.output.split())


def test_abc_cutoffs_and_json(tmp_path: Path) -> None:
    f = write(tmp_path / "o.csv", ["c", "a"], [("x", "60"), ("y", "30"), ("z", "6"), ("w", "4")])
    res = runner.invoke(app, ["abc", str(f), "--customer-col", "c", "--amount-col", "a",
                              "--cutoffs", "0.5,0.7", "-o", str(tmp_path / "o2.csv"), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["classes"] == {"A": 1, "B": 1, "C": 2}


@pytest.mark.parametrize("args,msg", [
    (["--customer-col", "nope", "--date-col", "when", "--amount-col", "total"], "not found"),
    (["--customer-col", "cust", "--date-col", "when", "--amount-col", "total",
      "--as-of", "yesterday"], "as-of"),
])
def test_rfm_errors_are_one_line_with_exit_2(orders_csv: Path, args: list[str],
                                             msg: str) -> None:
    res = runner.invoke(app, ["rfm", str(orders_csv), *args])
    assert res.exit_code == 2
    assert msg in res.output


def test_bad_values_are_reported(tmp_path: Path) -> None:
    f = write(tmp_path / "bad.csv", ["c", "d", "a"], [("x", "2024-01-01", "ten"),
                                                      ("y", "2024-01-02", "3")])
    res = runner.invoke(app, ["rfm", str(f), "--customer-col", "c", "--date-col", "d",
                              "--amount-col", "a"])
    assert res.exit_code == 2 and "'ten'" in res.output
    f2 = write(tmp_path / "bad2.csv", ["c", "d", "a"], [("x", "someday", "1")])
    res = runner.invoke(app, ["rfm", str(f2), "--customer-col", "c", "--date-col", "d",
                              "--amount-col", "a"])
    assert res.exit_code == 2 and "someday" in res.output
    res = runner.invoke(app, ["abc", str(tmp_path / "missing.csv"), "--customer-col", "c",
                              "--amount-col", "a"])
    assert res.exit_code == 2 and "no such file" in res.output


def test_quoting_and_json_needs_a_file(orders_csv: Path, tmp_path: Path) -> None:
    seg = tmp_path / "seg.csv"
    seg.write_text("rfm_code,segment\n443,\"Attention, please\"\n")
    out = tmp_path / "q.csv"
    res = runner.invoke(app, ["rfm", str(orders_csv), "--customer-col", "cust", "--date-col",
                              "when", "--amount-col", "total", "--as-of", "2024-06-30",
                              "--segments", str(seg), "-o", str(out)])
    assert res.exit_code == 0, res.output
    _, rows = read(out)
    assert {r["customer_id"]: r["segment"] for r in rows}["c1"] == "Attention, please"
    assert '"Attention, please"' in out.read_text()
    res = runner.invoke(app, ["rfm", str(orders_csv), "--customer-col", "cust", "--date-col",
                              "when", "--amount-col", "total", "--json"])
    assert res.exit_code == 2 and "-o" in res.output
