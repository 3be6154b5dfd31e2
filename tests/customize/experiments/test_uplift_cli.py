"""The `idic uplift` contract: evaluate (JSON keys, scikit-uplift's example) and fit."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from idic.cli.main import app
from idic.datasets.uplift import randomised_campaign

runner = CliRunner()
ROWS = [(1, 1, .9), (0, 0, .8), (1, 1, .7), (1, 0, .65), (0, 1, .6), (0, 0, .5), (1, 1, .45),
        (0, 1, .4), (0, 0, .3), (1, 0, .2), (0, 1, .1), (0, 0, .05)]


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_evaluate_contract(tmp_path: Path) -> None:
    f = tmp_path / "scored.csv"
    f.write_text("y,t,s\n" + "".join(f"{y},{t},{s}\n" for y, t, s in ROWS))
    res = invoke("uplift", "evaluate", str(f), "--outcome-col", "y", "--treatment-col", "t",
                 "--score-col", "s", "--json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["qini_curve"] == pytest.approx(
        [0, 1, 1, 2, 1, 0.5, 1, 1.6667, 1.3333, 1.75, 1, 0.6, 1], abs=5e-5)
    assert got["qini_auc"] == pytest.approx(0.3127660, abs=5e-8)
    chart = tmp_path / "qini.html"
    human = invoke("uplift", "evaluate", str(f), "--outcome-col", "y", "--treatment-col", "t",
                   "--score-col", "s", "--chart", str(chart))
    assert "0.3128" in human.stdout
    assert "Qini coefficient 0.313" in chart.read_text()


@pytest.mark.parametrize(("text", "message"), [
    ("y,t,s\n1,1,.9\n0,2,.8\n", "row 2, column 't': '2' is not 0 or 1"),
    ("y,t,s\n1,1,.9\n0,0,\n", "row 2, column 's': empty is not a number"),
    ("y,t,score\n1,1,.9\n", "unknown column 's'"),
])
def test_evaluate_errors(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    res = invoke("uplift", "evaluate", str(f), "--outcome-col", "y", "--treatment-col", "t",
                 "--score-col", "s")
    assert res.exit_code == 2 and message in res.stderr


def test_fit_writes_scores_and_evaluates_on_the_holdout(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    d = randomised_campaign(8000, seed=9)
    f = tmp_path / "campaign.parquet"
    pq.write_table(pa.table({"y": d.outcome, "t": d.treatment,
                             **{f"x{i}": d.x[:, i] for i in range(4)}}), f)
    out = tmp_path / "scores.parquet"
    res = invoke("uplift", "fit", str(f), "--outcome-col", "y", "--treatment-col", "t",
                 "--features", "x0,x1,x2,x3", "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["holdout"]["qini_auc"] > 0.1
    scores = pq.read_table(out)
    assert scores.num_rows == 8000 and "uplift_score" in scores.column_names
