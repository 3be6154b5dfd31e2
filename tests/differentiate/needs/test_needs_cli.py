"""The contract of the needs commands, from outside (Typer's runner on a copy of the demo)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from idic.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def ws(small_demo: Path, tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("needs-cli") / "ws"
    shutil.copytree(small_demo, p)
    return p


def test_segments_run_json(ws: Path) -> None:
    from idic.workspace import Workspace

    with Workspace.open(ws, read_only=True) as w:
        last = w.to_pandas(w.table("orders").select("ordered_at"))["ordered_at"].max()
    then = (last - pd.Timedelta(days=180)).date().isoformat()
    r = runner.invoke(app, ["segments", "run", "--workspace", str(ws), "--k", "5",
                            "--compare-to", then, "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    # the migration matrix: most customers segmented at both dates keep their segment
    m = d["migration"]["matrix"]
    labels = [s["segment"] for s in d["segments"]]
    both = sum(m.get(a, {}).get(b, 0) for a in labels for b in labels)
    kept = sum(m.get(a, {}).get(a, 0) for a in labels)
    assert d["migration"]["from"] == then and both > 100 and kept / both > 0.8
    assert m.get("new")  # customers who bought first after that date
    assert d["k"] == 5 and d["method"].startswith("dirichlet-multinomial")
    assert len(d["segments"]) == 5
    assert all({"segment", "size"} <= set(s) for s in d["segments"])
    assert sum(s["size"] for s in d["segments"]) + d["undetermined"] == d["customers"]


def test_export_segments(ws: Path, tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    r = runner.invoke(app, ["export", "segments", "--workspace", str(ws), "-o", str(f)])
    assert r.exit_code == 0, r.output
    with f.open() as fh:
        rows = list(csv.DictReader(fh))
    assert {"customer_id", "segment", "probability"} <= set(rows[0])
    assert {r["segment"] for r in rows} >= {"S1", "S2", "S3", "S4", "S5"}


@pytest.mark.parametrize("name", ["personas.html", "personas.md"])
def test_personas(ws: Path, tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    r = runner.invoke(app, ["personas", "--workspace", str(ws), "-o", str(f)])
    assert r.exit_code == 0, r.output
    text = f.read_text()
    for word in ("Size", "Value", "Channel", "Pain points", "Scenario", "S1"):
        assert word in text
    assert text.count("<section" if name.endswith("html") else "\n## ") == 5


def test_recommend_json(ws: Path) -> None:
    with (ws / "models" / "needs.json").open():
        pass
    from idic.workspace import Workspace

    with Workspace.open(ws, read_only=True) as w:
        cid = w.to_pandas("recommendations")["customer_id"].iloc[0]
    r = runner.invoke(app, ["recommend", "--workspace", str(ws), "--customer", cid, "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["customer_id"] == cid and d["items"]
    assert all(set(i) == {"item", "score"} for i in d["items"])
    assert [i["score"] for i in d["items"]] == sorted((i["score"] for i in d["items"]),
                                                       reverse=True)


def test_journeys_map_and_funnel_take_the_segment(ws: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["journeys", "map", "--workspace", str(ws), "--segment", "S1",
                            "-o", str(tmp_path / "m.html")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["journeys", "funnel", "--workspace", str(ws), "--steps",
                            "Product Viewed,Added To Cart,Order Completed",
                            "--breakdown", "segments.segment", "--json"])
    assert r.exit_code == 0, r.output
    assert "S1" in json.loads(r.stdout)["breakdown"]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(k="²")
@example(k="9")
@given(k=st.text(max_size=6) | st.sampled_from(["²", "٥", " 5 ", "9", "1", "auto "]))
def test_bad_k_is_one_clear_error(ws: Path, k: str) -> None:
    try:  # a valid --k is skipped ('²' passes isdigit() but is no number: it must fail)
        valid = k == "auto" or 2 <= int(k) <= 8
    except ValueError:
        valid = False
    if valid:
        return
    r = runner.invoke(app, ["segments", "run", "--workspace", str(ws), "--k", k, "--json"])
    assert r.exit_code == 2
    assert "--k" in r.output


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cid=st.text(min_size=1, max_size=20).filter(lambda s: not s.startswith("-")))
def test_unknown_customer_is_one_clear_error(ws: Path, cid: str) -> None:
    r = runner.invoke(app, ["recommend", "--workspace", str(ws), "--customer", cid, "--json"])
    assert r.exit_code == 2
    assert "unknown customer" in r.output


def test_funnel_of_one_segment(ws: Path) -> None:
    r = runner.invoke(app, ["journeys", "funnel", "--workspace", str(ws), "--steps",
                            "Product Viewed,Added To Cart,Order Completed", "--segment", "S2",
                            "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["steps"][0]["count"] > 0


def test_cross_sell_gaps_are_segment_categories_never_bought(ws: Path) -> None:
    from idic.workspace import Workspace

    with Workspace.open(ws, read_only=True) as w:
        gaps = w.to_pandas("cross_sell_gaps")
        f = w.to_pandas("needs_features")
    assert len(gaps) and (gaps["segment_share"] >= 0.15).all()
    g = gaps.merge(f, on="customer_id")
    for cat in g["category"].unique()[:3]:
        assert (g.loc[g["category"] == cat, f"spend_{cat}"] == 0).all()
