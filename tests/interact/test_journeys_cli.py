"""`idic journeys` sub-app through Typer's runner (the contract's commands, flags and keys)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from idic.cli.journeys import app

from . import synth
from .helpers import ev, load

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    return result


@pytest.fixture
def shop_dir(workspace):
    load(workspace, synth.shop(400))
    path = workspace.path
    workspace.close()
    return path


def test_funnel_json_contract(workspace) -> None:
    load(workspace, [ev("p", "A", 0), ev("p", "B", 1), ev("p", "C", 2), ev("q", "A", 0)])
    workspace.close()
    r = invoke("funnel", "--workspace", str(workspace.path), "--steps", "A,B,C",
               "--window", "14d", "--mode", "ordered", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [(s["event"], s["count"]) for s in doc["steps"]] == [("A", 2), ("B", 1), ("C", 1)]
    assert all("median_seconds_from_previous" in s for s in doc["steps"])
    assert doc["steps"][0]["median_seconds_from_previous"] is None
    assert doc["steps"][1]["median_seconds_from_previous"] == 3600


def test_funnel_breakdown_by_a_customer_table_column(workspace) -> None:
    load(workspace, [ev("p", "A", 0), ev("p", "B", 1), ev("q", "A", 0), ev("r", "A", 0),
                     ev("r", "B", 2)])
    # a segment table keyed by customer: persons are source:user_id before identify runs
    workspace.engine.create_table("rfm", pd.DataFrame({
        "customer_id": ["web:p", "web:q", "web:r"], "segment": ["Champions", "Lost", "Lost"]}))
    workspace.close()
    r = invoke("funnel", "--workspace", str(workspace.path), "--steps", "A,B",
               "--breakdown", "rfm.segment", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["breakdown_by"] == "rfm.segment"
    counts = {k: [s["count"] for s in v] for k, v in doc["breakdown"].items()}
    assert counts == {"Champions": [1, 1], "Lost": [2, 1]}
    bad = invoke("funnel", "--workspace", str(workspace.path), "--steps", "A,B",
                 "--breakdown", "rfm.nothing", "--json")
    assert bad.exit_code == 2
    assert "unknown column 'nothing' in table 'rfm'; closest: " in bad.stderr
    bad = invoke("funnel", "--workspace", str(workspace.path), "--steps", "A,B",
                 "--breakdown", "rfm.segmnt", "--json")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: unknown column 'segmnt' in table 'rfm'; closest: "
                                 "'segment'")
    bad = invoke("funnel", "--workspace", str(workspace.path), "--steps", "A,B",
                 "--breakdown", "rfn.segment", "--json")
    assert bad.exit_code == 2 and "no table 'rfn' in this workspace; closest: 'rfm'" in bad.stderr


def test_funnel_unknown_step_or_column_exits_2_naming_the_closest(workspace) -> None:
    load(workspace, [ev("p", "Product Viewed", 0), ev("p", "Added To Cart", 1),
                     ev("p", "Order Completed", 2)])
    workspace.close()
    r = invoke("funnel", "--workspace", str(workspace.path), "--steps",
               "Product Viewed,Add To Cart,Order Completed")
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "error: unknown event 'Add To Cart' in the funnel steps; closest: 'Added To Cart'",
        "hint: known (3): Added To Cart, Order Completed, Product Viewed"]
    r = invoke("funnel", "--workspace", str(workspace.path), "--steps",
               "Product Viewed,Added To Cart", "--breakdown", "chanel")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: unknown breakdown column 'chanel' in the events; "
                               "closest: 'channel'")
    r = invoke("attribute", "--workspace", str(workspace.path), "--model", "markow")
    assert r.exit_code == 2
    assert r.stderr.startswith("error: unknown attribution model 'markow'; closest: 'markov'")


def test_funnel_bad_input_exits_with_one_line(workspace) -> None:
    workspace.close()
    r = invoke("funnel", "--workspace", str(workspace.path), "--steps", "A,B",
               "--mode", "sideways", "--json")
    assert r.exit_code == 2
    assert "funnel mode" in r.output


def test_paths_export_then_attribute_the_file(shop_dir, tmp_path) -> None:
    out = tmp_path / "paths.csv"
    r = invoke("paths", "--workspace", str(shop_dir), "-o", str(out))
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert list(df.columns) == ["path", "conversions", "nulls", "value"]
    assert df["path"].str.contains(" > ").any()
    total = df["conversions"].sum()
    for model in ("first", "last", "linear", "position", "markov", "shapley"):
        r = invoke("attribute", str(out), "--model", model, "--json")
        assert r.exit_code == 0, r.output
        credits = json.loads(r.stdout)["credits"]
        assert sum(credits.values()) == pytest.approx(total)
    r = invoke("attribute", str(out), "--model", "time_decay", "--json")
    assert r.exit_code == 2 and "touch" in r.output


def test_attribute_the_workspace_with_time_decay(shop_dir) -> None:
    r = invoke("attribute", "--workspace", str(shop_dir), "--model", "time_decay", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    r2 = invoke("attribute", "--workspace", str(shop_dir), "--model", "last", "--json")
    total = sum(json.loads(r2.stdout)["credits"].values())
    assert sum(doc["credits"].values()) == pytest.approx(total)
    assert set(doc["credits"]) <= {"web", "email", "social", "store"}


def test_attribute_toy_file(tmp_path) -> None:
    p = tmp_path / "toy.csv"
    p.write_text("path,conversions,nulls,value\nA > B > C,1,0,0\nA > C,0,1,0\nB,1,1,0\n"
                 "C > A,1,0,0\n")
    r = invoke("attribute", str(p), "--model", "markov", "--json")
    credits = json.loads(r.stdout)["credits"]
    assert credits == pytest.approx({"A": 96 / 85, "B": 81 / 85, "C": 78 / 85})
    bad = tmp_path / "bad.csv"
    bad.write_text("route,n\na,1\n")
    r = invoke("attribute", str(bad), "--json")
    assert r.exit_code == 2 and "missing column" in r.output


def test_build_then_map(shop_dir, tmp_path) -> None:
    r = invoke("build", "--workspace", str(shop_dir), "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["journeys"] > 0 and summary["touchpoints"] > 0
    owners = summary["touch_share_by_owner"]  # Lemon & Verhoef's four owners
    assert set(owners) <= {"brand-owned", "partner-owned", "customer-owned", "social/external"}
    assert sum(owners.values()) == pytest.approx(1, abs=1e-3) and owners["brand-owned"] > 0.5
    html, table = tmp_path / "map.html", tmp_path / "map.csv"
    r = invoke("map", "--workspace", str(shop_dir), "-o", str(html), "--table", str(table),
               "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [s["stage"] for s in doc["stages"]][:3] == ["awareness", "consideration", "purchase"]
    text = html.read_text()
    assert "Moments of truth" in text and "Opportunities" in text
    assert "<script" not in text  # HTML and SVG only: nothing to load
    assert pd.read_csv(table)["stage"].tolist()[0] == "awareness"
