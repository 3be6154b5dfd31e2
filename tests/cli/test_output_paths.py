"""Every command that writes a file (-o and friends) fails with one line naming the path,
exit 2, before doing its work, when that path cannot be written; and output that goes to a
pipe or a file is not wrapped or truncated at 80 columns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from idic.cli.main import app

runner = CliRunner()
ORDERS = "cust,date,total\nc1,2024-01-02,10\nc1,2024-02-03,20\nc2,2024-03-04,5\n"


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("outputs")
    ws = root / "ws"
    assert runner.invoke(app, ["init", "--workspace", str(ws)]).exit_code == 0
    orders = root / "orders.csv"
    orders.write_text(ORDERS)
    a_file = root / "a-file.txt"
    a_file.write_text("not a folder")
    return {"root": root, "ws": ws, "orders": orders, "a_file": a_file}


def _commands(s: dict[str, Path], out: str) -> list[list[str]]:
    ws, orders = str(s["ws"]), str(s["orders"])
    return [
        ["export", "quarantine", "-o", out + ".csv", "--workspace", ws],
        ["value", "rfm", orders, "--customer-col", "cust", "--date-col", "date",
         "--amount-col", "total", "-o", out + ".csv"],
        ["value", "abc", orders, "--customer-col", "cust", "--amount-col", "total",
         "-o", out + ".csv"],
        ["journeys", "paths", "-o", out + ".csv", "--workspace", ws],
        ["journeys", "paths", "--sankey", out + ".html", "--workspace", ws],
        ["journeys", "map", "-o", out + ".html", "--workspace", ws],
        ["journeys", "map", "--table", out + ".csv", "--workspace", ws],
        ["report", "-o", out + ".html", "--workspace", ws],
    ]


@pytest.mark.parametrize("where", ["proc", "under_a_file", "a_folder"])
def test_unwritable_output_is_one_line_exit_2(setup, where: str) -> None:
    bad = {"proc": "/proc/self/x",  # the example: a traceback before
           "under_a_file": str(setup["a_file"] / "x"),
           "a_folder": str(setup["root"] / "folder")}[where]
    if where == "a_folder":
        for ext in (".csv", ".html"):
            Path(bad + ext).mkdir(exist_ok=True)
    for args in _commands(setup, bad):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output, res.exception)
        err = res.stderr.strip().splitlines()
        assert err[0].startswith(f"error: cannot write {bad}"), (args, err)
        assert len(err) == 2 and err[1].startswith("hint: "), (args, err)
        assert "Traceback" not in res.output


def test_missing_folders_are_created_and_existing_files_untouched(setup) -> None:
    out = setup["root"] / "new" / "deeper" / "q.csv"
    res = runner.invoke(app, ["export", "quarantine", "-o", str(out),
                              "--workspace", str(setup["ws"])])
    assert res.exit_code == 0, res.output
    assert out.read_text().startswith("batch_id,") or out.read_text().startswith("kind,")
    # the up-front check leaves no file behind when the command then fails
    gone = setup["root"] / "never.csv"
    res = runner.invoke(app, ["export", "no_such_table", "-o", str(gone),
                              "--workspace", str(setup["ws"])])
    assert res.exit_code == 3 and not gone.exists()
    # nor does it empty an existing file before the command fails
    kept = setup["root"] / "kept.csv"
    kept.write_text("precious\n")
    res = runner.invoke(app, ["export", "no_such_table", "-o", str(kept),
                              "--workspace", str(setup["ws"])])
    assert res.exit_code == 3 and kept.read_text() == "precious\n"


def test_piped_output_keeps_full_width(tmp_path: Path) -> None:
    """Rich wraps at 80 columns and cuts table cells with "…" when it cannot see a terminal;
    a pipe or a file gets every line whole."""
    ws = tmp_path / "ws"
    name = "orders_from_the_shop_tills_of_the_north_east_region_2024_q3_resend.csv"
    f = tmp_path / name
    f.write_text("order_id,source,source_customer_id,ordered_at,amount,currency\n"
                 "O1,store,S1,2024-01-02,10.50,EUR\nO2,store,S1,2024-01-03,oops,EUR\n")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    cli = [sys.executable, "-c", "from idic.cli.main import app; app()"]
    subprocess.run([*cli, "ingest", "orders", str(f), "--workspace", str(ws)], env=env,
                   check=True, capture_output=True)
    res = subprocess.run([*cli, "status", "--workspace", str(ws)], env=env, check=True,
                         capture_output=True, text=True)
    assert "…" not in res.stdout
    header = next(line for line in res.stdout.splitlines() if "quarantined" in line)
    assert all(c in header for c in ("kind", "file", "received", "accepted", "duplicates"))
    row = next(line for line in res.stdout.splitlines() if name in line)
    assert len(row) > 80 and "orders" in row
    assert any(line.startswith("quarantined orders.amount: 1 x ")
               for line in res.stdout.splitlines())


def test_an_os_error_naming_a_file_is_one_line_exit_2(tmp_path: Path) -> None:
    """The safety net for writes no command checked up front (e.g. a disk that fills up)."""
    import typer

    from idic.cli.common import command

    @command
    def writes() -> None:
        (tmp_path / "missing" / "deeper.json").write_text("{}")

    sub = typer.Typer()
    sub.command()(writes)
    res = runner.invoke(sub, [])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.stderr.strip() == (f"error: {tmp_path / 'missing' / 'deeper.json'}: "
                                  "No such file or directory")

    @command
    def bug() -> None:
        raise OSError("no file named: a programming error keeps its traceback")

    sub = typer.Typer()
    sub.command()(bug)
    assert isinstance(runner.invoke(sub, []).exception, OSError)
