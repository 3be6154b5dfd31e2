"""Per-customer uplift from a randomised campaign: the planted uplifts of the demo's
win-back campaign are recovered, and choosing by them captures more planted value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from idic.cli.main import app
from idic.customize.nba import campaigns, stage
from idic.datasets import demo_winback as dw
from idic.errors import InputError
from idic.workspace import Workspace

FILE = "demo-data/winback_campaign.csv"


def _campaign(features: tuple[str, ...] = ("segment", "value_tier")) -> campaigns.Campaign:
    return campaigns.Campaign("win_back", FILE, "arm", "control", "reactivated", features)


def test_recovers_the_planted_uplifts_of_a_large_campaign(tmp_path: Path) -> None:
    """12,000 units drawn by the demo's own campaign function: the out-of-fold uplift per
    segment and value tier is within 0.025 of the planted one."""
    rng = np.random.default_rng(5)
    n = 12_000
    seg = rng.integers(0, len(dw.SEG_UPLIFT), n)
    wallet = rng.lognormal(6, 0.8, n)
    table, truth = dw.make_winback(rng, seg, wallet, np.ones(n, bool), list(dw.SEG_UPLIFT))
    with Workspace.init(tmp_path / "ws") as ws:
        (tmp_path / "ws" / "demo-data").mkdir()
        pacsv.write_csv(table, tmp_path / "ws" / FILE)
        fit = campaigns.fit(ws, _campaign())
    assert fit.units == n and fit.better and not fit.used  # (no customer to score)
    for s, planted in truth["uplift_by_segment"].items():
        assert fit.by_level["segment"][s] == pytest.approx(planted, abs=0.025), s
    for tier, planted in truth["uplift_by_value_tier"].items():
        assert fit.by_level["value_tier"][tier] == pytest.approx(planted, abs=0.025), tier
    assert fit.average == pytest.approx(truth["uplift_overall"], abs=0.015)
    assert fit.qini_auc is not None and fit.qini_auc > 0.1
    assert fit.predictions.empty  # no customer key in this file: nobody to score


@pytest.fixture(scope="module")
def demo(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    p = tmp_path_factory.mktemp("nba-camp") / "ws"
    shutil.copytree(small_demo, p)
    units = pd.read_csv(p / FILE)
    truth = json.loads((p / "demo-data/truth/params.json").read_text())["winback_campaign"]
    units["planted"] = units.segment.map(dw.SEG_UPLIFT) + units.value_tier.map(dw.TIER_UPLIFT)
    return {"path": p, "units": units, "truth": truth}


@pytest.mark.parametrize("method", ["two-model", "class-transformation"])
def test_a_campaign_with_one_outcome_in_an_arm_falls_back_to_the_average(
        tmp_path: Path, method: str) -> None:
    """A small campaign where no control unit responded (`idic demo --customers 100`
    crashed in scikit-learn: "needs samples of at least 2 classes"): no two-model fit, the
    average."""
    rng = np.random.default_rng(3)
    n = 40
    seg = rng.integers(0, len(dw.SEG_UPLIFT), n)
    table, _ = dw.make_winback(rng, seg, rng.lognormal(6, 0.8, n), np.ones(n, bool),
                               list(dw.SEG_UPLIFT))
    df = table.to_pandas()
    df.loc[df.arm == "control", "reactivated"] = 0
    df.loc[df.arm != "control", "reactivated"] = (np.arange((df.arm != "control").sum()) % 2)
    with Workspace.init(tmp_path / "ws") as ws:
        (tmp_path / "ws" / "demo-data").mkdir()
        df.to_csv(tmp_path / "ws" / FILE, index=False)
        c = campaigns.Campaign("win_back", FILE, "arm", "control", "reactivated",
                               ("segment", "value_tier"), method)
        fit = campaigns.fit(ws, c)
    treated = df[df.arm != "control"].reactivated.mean()
    assert fit.units == n and not fit.used
    # two models need both outcomes in each arm; the transformed class still has both
    assert (fit.loss_model is None) == (method == "two-model")
    assert fit.average == pytest.approx(treated)  # control rate 0


def test_cli_registers_the_demo_campaign_and_run_uses_it(demo: dict) -> None:
    p, truth, units = demo["path"], demo["truth"], demo["units"]
    run = CliRunner()
    r = run.invoke(app, ["nba", "campaign", "win_back", str(p / FILE), "--variant-col", "arm",
                         "--control", "control", "--outcome-col", "reactivated",
                         "--features", "segment,value_tier", "--workspace", str(p), "--json"])
    assert r.exit_code == 0, r.output
    js = json.loads(r.output)
    assert js["units"] == truth["units"] == 429 and js["matched"] == 429
    lo, hi = js["average"]["ci"]
    assert lo <= truth["uplift_overall"] <= hi
    saved = json.loads((p / "workspace.json").read_text())["nba"]["campaigns"]["win_back"]
    assert saved["file"] == FILE and saved["features"] == ["segment", "value_tier"]
    # every segment's and tier's mean predicted uplift is within 1.96 standard errors of
    # its planted uplift (the standard error of that group's own treated-minus-control)
    for col in ("segment", "value_tier"):
        for level, g in units.groupby(col):
            t, c = g[g.arm == "winback"].reactivated, g[g.arm == "control"].reactivated
            se = np.sqrt(t.var() / len(t) + c.var() / len(c))
            assert abs(js["by_level"][col][level] - g.planted.mean()) < 1.96 * se, level
    r = run.invoke(app, ["nba", "run", "--workspace", str(p), "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["uplift_models"]["win_back"]["model_used"] is True
    with Workspace.open(p) as ws:
        nba = ws.engine.to_pandas(ws.table(stage.TABLE))
        up = ws.engine.to_pandas(ws.table(campaigns.UPLIFT_TABLE))
    assert len(up) == 429 and up.customer_id.is_unique
    wb = nba[nba.action == "win_back"]
    assert set(wb.uplift_source) <= {"measured_model", "measured_average"}
    model = wb[wb.uplift_source == "measured_model"]
    assert len(model) > 30 and model.customer_id.isin(up.customer_id).all()
    assert model.reason.str.contains("from measured_model: two-model uplift model on "
                                     "campaign winback_campaign.csv").all()
    u = up.set_index("customer_id").uplift
    assert np.allclose(model.uplift, u[model.customer_id].to_numpy())
    avg = wb[wb.uplift_source == "measured_average"]
    assert avg.reason.str.contains("from measured_average: campaign winback_campaign.csv").all()
    assert np.allclose(avg.uplift, res["uplift_models"]["win_back"]["average"]["uplift"])


def _planted_total(ws: Workspace) -> float:
    """Total expected value of the choice, with the planted uplift in place of the
    estimate for every campaign customer given win_back."""
    from idic.customize.nba.campaigns import read_units

    keyed = read_units(ws, _campaign())
    keyed["planted"] = keyed.segment.map(dw.SEG_UPLIFT) + keyed.value_tier.map(dw.TIER_UPLIFT)
    truth = keyed.drop_duplicates("customer_id").set_index("customer_id").planted
    nba = ws.engine.to_pandas(ws.table(stage.TABLE)).set_index("customer_id")
    inp = stage.inputs(ws).set_index("customer_id")
    v = nba.expected_value.copy()
    wb = (nba.action == "win_back") & nba.index.isin(truth.index)
    ids = nba.index[wb]
    v[wb] = truth[ids] * 2 * inp.loc[ids, "revenue"] / inp.loc[ids, "orders"] - 2
    return float(v.sum())


def test_model_uplift_captures_more_planted_value_under_a_budget(demo: dict) -> None:
    got = {}
    with Workspace.open(demo["path"]) as ws:
        for label, feats in (("model", ("segment", "value_tier")), ("average", ())):
            campaigns.register(ws, _campaign(feats))
            res = stage.run(ws, budget=150)
            assert res["total_cost"] <= 150
            got[label] = _planted_total(ws)
    # measured on this demo: 808.53 vs 798.75 EUR (docs/nba.md; 790.63 vs 777.60 before the
    # demo's GBP orders were converted and its pilot's orders loaded)
    assert got["model"] > got["average"] + 5


def test_bad_campaigns_are_clear_errors(demo: dict) -> None:
    with Workspace.open(demo["path"]) as ws:
        with pytest.raises(InputError, match="no unit in the control arm"):
            campaigns.fit(ws, campaigns.Campaign("win_back", FILE, "arm", "holdout",
                                                 "reactivated"))
        with pytest.raises(InputError, match="neither columns of the file nor"):
            campaigns.fit(ws, _campaign(("segment", "shoe_size")))
        with pytest.raises(InputError, match="does not exist"):
            campaigns.fit(ws, campaigns.Campaign("win_back", "nope.csv", "arm", "control",
                                                 "reactivated"))
    with pytest.raises(InputError, match="unknown action"):
        campaigns.campaign_of("dont_contact", {}, ("win_back",))
    with pytest.raises(InputError, match="missing file"):
        campaigns.campaign_of("win_back", {"variant_col": "a", "control": "c",
                                           "outcome_col": "y"}, ("win_back",))
