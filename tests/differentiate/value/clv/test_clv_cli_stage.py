"""The `idic clv fit` contract (via CliRunner on the sub-app), the workspace stage, the
validation tables and charts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from idic.charts import clv as charts
from idic.cli.clv import app
from idic.datasets.cdnow import CALIBRATION_END, HOLDOUT_END
from idic.differentiate.value.clv import BetaGeoModel, stage, validation

runner = CliRunner()


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory, cdnow_tx) -> Path:
    path = tmp_path_factory.mktemp("clv") / "cdnow.csv"
    t = cdnow_tx.select(["customer_id", "ordered_at", "amount"])
    # plain text dates as a user's file would have them
    t = t.set_column(1, "date", pa.array([d.strftime("%Y%m%d") for d in
                                          t["ordered_at"].to_pylist()]))
    pacsv.write_csv(t, path)
    return path


def _fit(path: Path, *extra: str):
    return runner.invoke(app, ["fit", str(path), "--customer-col", "customer_id",
                               "--date-col", "date", "--date-format", "%Y%m%d",
                               "--calibration-end", CALIBRATION_END, "--time-unit", "W",
                               *extra, "--json"])


@pytest.mark.parametrize(("model", "ref"), [
    ("bgnbd", {"r": 0.2426, "alpha": 4.4136, "a": 0.7930, "b": 2.4259}),
    ("paretonbd", {"r": 0.5533, "alpha": 10.5777, "s": 0.6062, "beta": 11.669}),
])
def test_cli_contract_purchase_models(cdnow_csv, model, ref):
    res = _fit(cdnow_csv, "--model", model, "--holdout-end", HOLDOUT_END)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"model", "params", "log_likelihood", "n_customers", "holdout"} <= set(out)
    assert out["model"] == model and out["n_customers"] == 2357
    assert list(out["params"]) == list(ref)
    for k, v in ref.items():
        assert out["params"][k] == pytest.approx(v, rel=2e-4)
    h = out["holdout"]
    assert set(h) == {"actual_repeat_transactions", "predicted_repeat_transactions"}
    assert h["actual_repeat_transactions"] == 1882
    assert 1400 < h["predicted_repeat_transactions"] < 2000


def test_cli_gammagamma_and_sbg(cdnow_csv):
    res = _fit(cdnow_csv, "--model", "gammagamma", "--amount-col", "amount")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n_customers"] == 946
    assert out["params"] == pytest.approx({"p": 6.2496, "q": 3.7442, "v": 15.4435}, abs=1e-4)
    res = _fit(cdnow_csv, "--model", "sbg")
    assert res.exit_code == 0, res.output
    assert set(json.loads(res.stdout)["params"]) == {"alpha", "beta"}


def test_cli_errors(cdnow_csv, tmp_path):
    res = runner.invoke(app, ["fit", str(cdnow_csv), "--customer-col", "nope", "--date-col",
                              "date", "--calibration-end", CALIBRATION_END])
    assert res.exit_code == 2
    assert "no column 'nope'" in res.output
    res = _fit(cdnow_csv, "--model", "gammagamma")  # no amount column
    assert res.exit_code == 2
    res = _fit(cdnow_csv, "--model", "nbd")
    assert res.exit_code == 2
    res = _fit(tmp_path / "missing.csv")
    assert res.exit_code == 2


def test_workspace_stage_writes_clv_table(workspace, cdnow_tx):
    n = cdnow_tx.num_rows
    orders = pa.table({
        "order_id": cdnow_tx["order_id"], "source": cdnow_tx["source"],
        "source_customer_id": cdnow_tx["customer_id"], "ordered_at": cdnow_tx["ordered_at"],
        "amount": cdnow_tx["amount"], "currency": cdnow_tx["currency"],
        "margin": pa.array([None] * n, pa.decimal128(18, 2)),
    })
    workspace.engine.append("orders", orders)
    res = stage.run(workspace, model="bgnbd", calibration_end=CALIBRATION_END, horizon=12,
                    discount_rate=0.01, time_unit="W")
    assert res["n_customers"] == 2357
    assert res["params"]["r"] == pytest.approx(0.2426, abs=1e-4)
    assert res["spend_model"]["model"] == "gammagamma"
    assert res["margin"] == 1.0
    t = workspace.engine.table("clv").to_pyarrow()
    assert t.num_rows == 2357
    for col in ("customer_id", "model", "frequency", "recency", "T", "p_alive",
                "expected_purchases", "expected_spend", "clv"):
        assert col in t.column_names
    clv = t["clv"].to_numpy()
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)
    assert res["total_clv"] == pytest.approx(clv.sum())
    # idempotent
    res2 = stage.run(workspace, model="bgnbd", calibration_end=CALIBRATION_END)
    assert res2["total_clv"] == pytest.approx(res["total_clv"])
    assert workspace.engine.count("clv") == 2357


def test_lifetime_value_is_the_clv_over_the_lifetime_horizon(workspace, cdnow_tx):
    orders = pa.table({
        "order_id": cdnow_tx["order_id"], "source": cdnow_tx["source"],
        "source_customer_id": cdnow_tx["customer_id"], "ordered_at": cdnow_tx["ordered_at"],
        "amount": cdnow_tx["amount"], "currency": cdnow_tx["currency"],
    })
    workspace.engine.append("orders", orders)
    # with the lifetime horizon equal to the CLV horizon, the two columns agree
    stage.run(workspace, calibration_end=CALIBRATION_END, horizon=12, lifetime_months=12)
    t = workspace.engine.table("clv").to_pyarrow()
    np.testing.assert_allclose(t["lifetime_value"].to_numpy(), t["clv"].to_numpy())
    # ten years: more value, finite, and each customer's 24-month CLV lies in between
    res = stage.run(workspace, calibration_end=CALIBRATION_END, horizon=24)
    assert res["lifetime_months"] == 120.0
    t = workspace.engine.table("clv").to_pyarrow()
    life, two_years = t["lifetime_value"].to_numpy(), t["clv"].to_numpy()
    assert np.all(np.isfinite(life))
    assert np.all(life >= two_years - 1e-9)
    assert res["total_lifetime_value"] == pytest.approx(life.sum())
    assert life.sum() > 1.5 * two_years.sum()


def test_clv_run_command_on_a_workspace(workspace, cdnow_tx):
    workspace.engine.append("orders", pa.table({
        "order_id": cdnow_tx["order_id"], "source": cdnow_tx["source"],
        "source_customer_id": cdnow_tx["customer_id"], "ordered_at": cdnow_tx["ordered_at"],
        "amount": cdnow_tx["amount"], "currency": cdnow_tx["currency"],
    }))
    workspace.close()
    r = runner.invoke(app, ["run", "--workspace", str(workspace.path), "--model", "paretonbd",
                            "--calibration-end", CALIBRATION_END, "--horizon", "6", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    # the published Pareto/NBD parameters of CDNOW, through the workspace stage
    assert doc["params"]["r"] == pytest.approx(0.5533, abs=1e-4)
    assert doc["params"]["beta"] == pytest.approx(11.669, rel=1e-3)
    assert doc["horizon_months"] == 6 and doc["lifetime_months"] == 120
    assert doc["n_customers"] == 2357 and doc["total_lifetime_value"] > doc["total_clv"] > 0
    bad = runner.invoke(app, ["run", "--workspace", str(workspace.path), "--model", "sbg"])
    assert bad.exit_code == 2 and "bgnbd or paretonbd" in bad.output


def test_stage_on_empty_workspace(workspace):
    res = stage.run(workspace)
    assert res["n_customers"] == 0
    assert workspace.engine.count("clv") == 0


def test_validation_tables_and_charts(cdnow_summary, rft, cdnow_tx):
    m = BetaGeoModel().fit(*rft)
    tab = validation.holdout_by_frequency(m, cdnow_summary)
    assert list(tab["label"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert tab["customers"].sum() == 2357
    # FHL 2005 fig. 4: the model tracks the conditional expectations closely
    assert np.all(np.abs(tab["predicted"] - tab["actual"]) < 1.5)
    totals = validation.holdout_totals(m, cdnow_summary)
    assert totals["actual_repeat_transactions"] == 1882
    alive = validation.alive_calibration(m, cdnow_summary)
    assert alive["customers"].sum() == 2357
    # cumulative tracking from the transactions (day numbers)
    days = (cdnow_tx["ordered_at"].cast(pa.int64()).to_numpy() // 86_400_000_000)
    cust = cdnow_tx["customer_id"].to_numpy(zero_copy_only=False)
    first = {}
    occasions = sorted(set(zip(cust, days, strict=True)), key=lambda cd: cd[1])
    rep = []
    for c, d in occasions:
        if c in first:
            rep.append(d)
        else:
            first[c] = d
    start = min(first.values())
    track = validation.cumulative_tracking(m, rep, list(first.values()), start_day=start,
                                           end_day=start + 77 * 7)
    assert len(track) == 77
    wk39 = track.iloc[38]
    assert wk39["predicted"] == pytest.approx(wk39["actual"], rel=0.05)
    for fig in (charts.holdout_by_frequency(tab), charts.alive_calibration(alive),
                charts.cumulative_purchases(track, calibration_period=39),
                charts.clv_distribution([1.0, 2.0])):
        assert fig.to_dict()["data"]
