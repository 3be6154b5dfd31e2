"""The voice stage on the demo workspace: DuckDB, and the same labels on Spark."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from idic.cli.voice import app
from idic.ingest.loader import ingest_file
from idic.interact.voice import scores
from idic.interact.voice.stage import run
from idic.workspace import Workspace

runner = CliRunner()


def _expected_nps(surveys: Path) -> dict:
    vals = [float(r["score"]) for r in csv.DictReader(surveys.open(encoding="utf-8"))
            if r["survey"] == "nps" and r["score"]]
    return scores.nps_from_counts(sum(v >= 9 for v in vals), sum(7 <= v < 9 for v in vals),
                                  sum(v < 7 for v in vals))


@pytest.fixture(scope="module")
def voice_ws(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice") / "ws"
    shutil.copytree(small_demo, path)
    res = runner.invoke(app, ["run", "--workspace", str(path), "--json"])
    assert res.exit_code == 0, res.output
    (path / "voice_summary.json").write_text(res.stdout)
    return path


def test_stage_tables_on_duckdb(voice_ws: Path) -> None:
    s = json.loads((voice_ws / "voice_summary.json").read_text())
    exp = _expected_nps(voice_ws / "demo-data" / "surveys.csv")
    assert s["nps"]["nps"] == pytest.approx(exp["nps"]) and s["nps"]["n"] == exp["n"]
    assert s["nps"]["se"] == pytest.approx(exp["se"])
    assert s["accuracy_on_labelled"] >= 0.97 and s["negative_recall_on_labelled"] >= 0.95
    ws = Workspace.open(voice_ws)
    try:
        ns = ws.table("nps_summary").to_pyarrow().to_pylist()
        ms = ws.table("mentions_scored").to_pyarrow()
    finally:
        ws.close()
    dims = {r["dimension"] for r in ns}
    assert {"all", "month", "touchpoint", "channel", "value_category"} <= dims
    for dim in ("month", "touchpoint", "channel"):  # groups partition the answers
        assert sum(r["n"] for r in ns if r["dimension"] == dim) == exp["n"]
    assert ms.num_rows == sum(1 for _ in csv.DictReader(
        (voice_ws / "demo-data" / "social.csv").open(encoding="utf-8")))
    assert set(ms.column("sentiment").to_pylist()) <= {"negative", "neutral", "positive"}


@pytest.mark.spark
def test_same_labels_on_spark(voice_ws: Path, spark_workspace: Workspace) -> None:
    ingest_file(spark_workspace, "social", voice_ws / "demo-data" / "social.csv")
    s = run(spark_workspace)
    assert "nps" not in s  # no survey answers in this workspace: no nps_summary

    def labels(ws: Workspace) -> dict[str, str]:
        t = ws.table("mentions_scored").select("mention_id", "sentiment").to_pyarrow()
        return dict(zip(t.column(0).to_pylist(), t.column(1).to_pylist(), strict=True))

    duck = Workspace.open(voice_ws)
    try:
        assert labels(spark_workspace) == labels(duck)
    finally:
        duck.close()
