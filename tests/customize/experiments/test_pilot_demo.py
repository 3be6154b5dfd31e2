"""The demo's back-dated pilot: its plan is balanced (every |SMD| < 0.1), its planted orders
belong to test customers only, the evaluation recovers the planted incremental cash flow per
test customer within its bootstrap 95% interval, and ROC / equity follow the repo's
definitions (idic.measure.roc)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from idic.cli.main import app
from idic.customize.experiments.pilots.store import load_pilots
from idic.datasets import demo_pilot as dpi
from idic.measure.roc import return_on_customer
from idic.workspace import Workspace


@pytest.fixture(scope="module")
def truth(small_demo: Path) -> dict:
    return json.loads((small_demo / "demo-data" / dpi.TRUTH_FILE).read_text())


@pytest.fixture(scope="module")
def saved(small_demo: Path) -> dict:
    with Workspace.open(small_demo, read_only=True) as ws:
        return {p["name"]: p for p in load_pilots(ws)}[dpi.NAME]


def test_plan_is_balanced_and_backdated(saved: dict, truth: dict) -> None:
    plan = saved["plan"]
    assert plan["start"] == truth["start"] == "2026-04-01" and truth["stream"] == 17
    assert plan["balanced"] and plan["max_abs_smd"] < 0.1
    assert all(abs(r["smd"]) < 0.1 for r in plan["balance"])
    assert plan["test_units"] == truth["test_customers"] == round(0.2 * plan["units"])
    assert plan["wave_sizes"]["1"] == plan["test_units"] and len(plan["wave_sizes"]) == 3


def test_planted_orders_belong_to_test_customers(small_demo: Path, truth: dict) -> None:
    orders = pd.read_csv(small_demo / "demo-data" / dpi.FILE, dtype=str)
    assert len(orders) == truth["incremental_orders"] > 10
    assert (orders.ordered_at >= truth["start"]).all()
    assert round(orders.margin.astype(float).sum(), 2) == truth["incremental_cash_flow"]
    with Workspace.open(small_demo, read_only=True) as ws:
        im = ws.engine.to_pandas(ws.table("identity_map"))
        t = ws.table("pilot_units")
        units = ws.engine.to_pandas(t.filter(t.pilot == dpi.NAME))
    who = orders.merge(im, left_on=["source", "source_customer_id"],
                       right_on=["source", "source_record_id"])
    assert len(who) == len(orders)
    test = set(units.unit_id[units.wave == 1])
    assert set(who.customer_id) <= test
    assert (units.customer_id == units.unit_id).all()  # found by erasure like other tables


def test_evaluation_recovers_the_planted_cash_flow(saved: dict, truth: dict) -> None:
    ev = saved["evaluation"]
    cf = ev["effects"]["cash_flow_per_unit"]
    lo, hi = cf["ci"]
    assert lo <= truth["cash_flow_per_test_unit"] <= hi, (cf, truth)
    assert ev["pre_period"] == ["2025-12-31", "2026-03-31"]
    assert ev["post_period"] == ["2026-04-01", "2026-06-30"]
    for arm in ev["arms"].values():  # the repo's ROC, per arm and period
        assert arm["roc_post"] == pytest.approx(return_on_customer(
            arm["cash_flow_post"], arm["equity_start"], arm["equity_end"]))
        assert arm["roc_pre"] == pytest.approx(return_on_customer(
            arm["cash_flow_pre"], arm["equity_pre_start"], arm["equity_start"]))
    t, c = ev["arms"]["test"], ev["arms"]["control"]
    assert ev["effects"]["roc"]["did"] == pytest.approx(
        (t["roc_post"] - c["roc_post"]) - (t["roc_pre"] - c["roc_pre"]))
    per = {k: (t[k] / t["units"] - c[k] / c["units"]) for k in ("cash_flow_post", "cash_flow_pre")}
    assert cf["did"] == pytest.approx(per["cash_flow_post"] - per["cash_flow_pre"])
    for e in ev["effects"].values():
        assert e["ci"][0] <= e["did"] <= e["ci"][1] and 0 <= e["p_value"] <= 1


def test_cli_evaluate_and_the_report_section(small_demo: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(small_demo, ws)
    r = CliRunner().invoke(app, ["pilot", "evaluate", "--workspace", str(ws), "--name",
                                 dpi.NAME, "--bootstrap", "200", "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert set(got["effects"]) == {"roc", "equity_change_per_unit", "cash_flow_per_unit",
                                   "value_created_per_unit"}
    assert got["bootstrap"]["replicates"] == 200
    r = CliRunner().invoke(app, ["pilot", "list", "--workspace", str(ws), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["pilots"][0]["name"] == dpi.NAME
    from idic.customize.experiments.section import experiments

    with Workspace.open(ws, read_only=True) as w:
        s = experiments(w)
    tables = dict(s.tables)
    assert s.available and dpi.NAME in set(tables["Pilots (picket fence)"].Pilot)
    assert "checkout-test" in set(tables["Effects against control"].Experiment)


def test_region_pilot_plan_and_evaluate(small_demo: Path, tmp_path: Path) -> None:
    from idic.customize.experiments.pilots.evaluate import evaluate
    from idic.customize.experiments.pilots.plan import make_plan
    from idic.customize.experiments.pilots.store import save_plan

    ws_path = tmp_path / "ws"
    shutil.copytree(small_demo, ws_path)
    with Workspace.open(ws_path) as ws:
        plan = make_plan(ws, name="cities", unit="region", share=0.3, start="2026-04-01")
        save_plan(ws, plan)
        cities = ws.engine.to_pandas(ws.table("customers")).city.dropna().nunique()
        ev = evaluate(ws, "cities", boot=200)
    d = plan.to_dict()
    assert d["region_col"] == "city" and cities <= d["units"] <= cities + 1  # + (unknown)
    assert d["test_units"] == round(0.3 * d["units"])
    assert sum(ev["arms"][a]["units"] for a in ("test", "control")) == d["units"]
    t = ev["arms"]["test"]
    assert t["roc_post"] == pytest.approx(return_on_customer(
        t["cash_flow_post"], t["equity_start"], t["equity_end"]))
