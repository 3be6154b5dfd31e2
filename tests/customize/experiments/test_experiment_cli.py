"""The `idic experiment` contract: size, srm, analyze (JSON keys, exit codes, saved
results in the workspace)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from idic.cli.main import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(2)
    n = 6000
    arm = np.where(rng.random(n) < 0.5, "control", "new")
    pre = rng.gamma(2.0, 20.0, n)
    y = 0.7 * pre + rng.normal(0, 12, n) + (arm == "new") * 1.5
    f = tmp_path_factory.mktemp("exp") / "results.parquet"
    pq.write_table(pa.table({"arm": arm, "revenue": y, "pre": pre}), f)
    return f


def test_size_contract() -> None:
    res = invoke("experiment", "size", "--baseline", "0.10", "--mde", "0.02", "--power", "0.8",
                 "--alpha", "0.05", "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["per_arm"] == pytest.approx(3834.6, abs=0.05)
    human = invoke("experiment", "size", "--baseline", "0.10", "--mde", "0.02")
    assert "3,835 units per arm" in human.stdout
    bad = invoke("experiment", "size", "--baseline", "1.5", "--mde", "0.02")
    assert bad.exit_code == 2 and "baseline" in bad.stderr


def test_srm_contract() -> None:
    res = invoke("experiment", "srm", "--counts", "5000,5200", "--weights", "0.5,0.5", "--json")
    assert json.loads(res.stdout)["p_value"] == pytest.approx(0.04767, abs=5e-6)
    bad = invoke("experiment", "srm", "--counts", "5000,x")
    assert bad.exit_code == 2 and "--counts" in bad.stderr


def test_analyze_contract_and_saved_result(results: Path, tmp_path: Path) -> None:
    res = invoke("experiment", "analyze", str(results), "--variant-col", "arm", "--value-col",
                 "revenue", "--control", "control", "--pre-col", "pre", "--method", "bayesian",
                 "--json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    new = got["variants"]["new"]
    assert {"n", "mean", "absolute", "relative", "chance_to_win"} <= set(new)
    assert set(new["absolute"]) >= {"effect", "ci", "p_value"}
    assert len(new["relative"]["ci"]) == 2 and "p_value" in got["srm"]
    lo, hi = new["absolute"]["ci"]
    assert lo < 1.5 < hi and new["chance_to_win"] > 0.95  # the planted +1.5
    chart = tmp_path / "effects.html"
    human = invoke("experiment", "analyze", str(results), "--variant-col", "arm",
                   "--value-col", "revenue", "--control", "control", "--pre-col", "pre",
                   "--chart", str(chart))
    assert "Sample-ratio mismatch" in human.stdout and "CUPED" in human.stdout
    assert "change against control (%)" in chart.read_text()
    ws = tmp_path / "ws"
    assert invoke("init", "--workspace", str(ws)).exit_code == 0
    for _ in range(2):  # saving again replaces the experiment's rows
        saved = invoke("experiment", "analyze", str(results), "--variant-col", "arm",
                       "--value-col", "revenue", "--control", "control", "--workspace",
                       str(ws), "--name", "checkout", "--json")
        assert saved.exit_code == 0, saved.output
    out = tmp_path / "experiments.csv"
    exp = invoke("export", "experiments", "-o", str(out), "--workspace", str(ws), "--json")
    assert json.loads(exp.stdout)["rows"] == 2


def test_analyze_errors_exit_2_and_name_the_problem(results: Path) -> None:
    res = invoke("experiment", "analyze", str(results), "--variant-col", "arm", "--value-col",
                 "revenu", "--control", "control")
    assert res.exit_code == 2 and "closest: 'revenue'" in res.stderr
    res = invoke("experiment", "analyze", str(results), "--variant-col", "arm", "--value-col",
                 "revenue", "--control", "control", "--method", "magic")
    assert res.exit_code == 2 and "unknown method" in res.stderr


def test_mde_inverts_size() -> None:
    res = invoke("experiment", "mde", "--baseline", "0.10", "--per-arm", "3834.605", "--json")
    assert json.loads(res.stdout)["mde"] == pytest.approx(0.02, abs=1e-6)


def test_analyze_a_workspace_table(results: Path, tmp_path: Path) -> None:
    from idic.workspace import Workspace

    ws_dir = tmp_path / "ws"
    with Workspace.init(ws_dir) as ws:
        ws.engine.create_table("checkout_units", pq.read_table(results))
    by_table = invoke("experiment", "analyze", "--table", "checkout_units", "--workspace",
                      str(ws_dir), "--variant-col", "arm", "--value-col", "revenue",
                      "--control", "control", "--json")
    assert by_table.exit_code == 0, by_table.output
    by_file = invoke("experiment", "analyze", str(results), "--variant-col", "arm",
                     "--value-col", "revenue", "--control", "control", "--json")
    a, b = json.loads(by_table.stdout), json.loads(by_file.stdout)
    x, y = a["variants"]["new"]["absolute"], b["variants"]["new"]["absolute"]
    assert x["ci"] == pytest.approx(y["ci"]) and x["p_value"] == pytest.approx(y["p_value"])
    neither = invoke("experiment", "analyze", "--variant-col", "arm", "--value-col", "y",
                     "--control", "c")
    assert neither.exit_code == 2 and "--table" in neither.stderr
