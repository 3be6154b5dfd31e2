"""The CLI contract: init, ingest, status, export (JSON keys, exit codes, files)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from idic.cli.main import app

runner = CliRunner()
CSV = ("order_id,source,source_customer_id,ordered_at,amount,currency\n"
       "O1,web,W1,2024-01-02,10.50,EUR\n"
       "O2,web,W1,2024-02-02,oops,EUR\n"
       "O1,web,W1,2024-01-02,10.50,EUR\n")


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_ingest_status_export_contract(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    f = tmp_path / "orders.csv"
    f.write_text(CSV)
    assert invoke("init", "--workspace", ws, "--json").exit_code == 0

    res = invoke("ingest", "orders", str(f), "--workspace", ws, "--json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert {k: got[k] for k in ("received", "accepted", "quarantined", "duplicates")} == {
        "received": 3, "accepted": 1, "quarantined": 1, "duplicates": 1}

    res = invoke("status", "--workspace", ws, "--json")
    status = json.loads(res.stdout)
    assert status["tables"]["orders"] == 1 and status["tables"]["quarantine"] == 1
    assert status["recent_loads"][0]["received"] == 3
    assert status["quarantine"][0]["column"] == "amount"

    for ext in ("csv", "parquet"):
        out = tmp_path / f"q.{ext}"
        assert invoke("export", "quarantine", "--workspace", ws, "-o", str(out)).exit_code == 0
        q = pd.read_csv(out) if ext == "csv" else pd.read_parquet(out)
        assert q.line.tolist() == [3] and q.value.tolist() == ["oops"]
    out = tmp_path / "orders.csv.out.csv"
    invoke("export", "orders", "--workspace", ws, "-o", str(out))
    assert pd.read_csv(out).order_id.tolist() == ["O1"]


def test_ingest_creates_the_workspace_when_missing(tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_text(CSV)
    res = invoke("ingest", "orders", str(f), "--workspace", str(tmp_path / "new"), "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["accepted"] == 1


def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    invoke("init", "--workspace", ws)
    bad = tmp_path / "bad.csv"
    bad.write_text("id,amount\n1,2\n")
    res = invoke("ingest", "orders", str(bad), "--workspace", ws, "--json")
    assert res.exit_code == 2
    assert "bad.csv: missing required columns 'order_id', 'source'" in res.stderr
    assert "hint: map your columns with --map order_id=" in res.stderr
    res = invoke("ingest", "orders", str(tmp_path / "nope.csv"), "--workspace", ws)
    assert res.exit_code == 2 and "no such file" in res.stderr
    res = invoke("status", "--workspace", str(tmp_path / "elsewhere"))
    assert res.exit_code == 4 and "not an idic workspace" in res.stderr
    res = invoke("export", "nosuch", "--workspace", ws, "-o", str(tmp_path / "x.csv"))
    assert res.exit_code == 3 and "does not exist" in res.stderr


def test_all_quarantined_exits_5_and_hints_repeat_the_workspace(tmp_path: Path) -> None:
    ws = str(tmp_path / "my ws")
    f = tmp_path / "eu.csv"
    f.write_text("order_id;source;source_customer_id;ordered_at;amount;currency\n"
                 "O1;web;W1;01/07/2024 02:53;62,04;EUR\n"
                 "O2;web;W1;02/07/2024 10:00;1.062,04;EUR\n")
    res = invoke("ingest", "orders", str(f), "--workspace", ws)
    assert res.exit_code == 5, res.output
    stdout, stderr = " ".join(res.stdout.split()), " ".join(res.stderr.split())
    assert "received 2 = accepted 0 + quarantined 2" in stdout
    assert f"idic export quarantine -o quarantine.csv --workspace '{ws}'" in stdout
    assert "every row of" in stderr and "--decimal-comma" in stderr
    res = invoke("ingest", "orders", str(f), "--workspace", ws, "--json")
    assert res.exit_code == 5 and json.loads(res.stdout)["quarantined"] == 2

    res = invoke("ingest", "orders", str(f), "--workspace", ws, "--delimiter", ";",
                 "--decimal-comma", "--date-format", "%d/%m/%Y %H:%M", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["accepted"] == 2
    res = invoke("export", "orders", "--workspace", ws, "-o", str(tmp_path / "o.csv"))
    got = pd.read_csv(tmp_path / "o.csv")
    assert got.amount.tolist() == [62.04, 1062.04]
    assert got.ordered_at.tolist()[0].startswith("2024-07-01 02:53:00")


def test_bad_ingest_options_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "o.csv"
    f.write_text(CSV)
    ws = str(tmp_path / "ws")
    res = invoke("ingest", "orders", str(f), "--workspace", ws, "--delimiter", "ab")
    assert res.exit_code == 2 and "--delimiter 'ab': expected one character" in res.stderr
    res = invoke("ingest", "orders", str(f), "--workspace", ws, "--date-format", "%Y")
    assert res.exit_code == 2 and "--date-format '%Y': needs %d, %m and %Y" in res.stderr
    seg = tmp_path / "batch.csv"
    seg.write_text("a,b\n1,2\n")
    res = invoke("ingest", "segment", str(seg), "--workspace", ws)
    assert res.exit_code == 2 and "segment expects Segment-spec JSON" in res.stderr
    assert "Malformed" not in res.stderr
