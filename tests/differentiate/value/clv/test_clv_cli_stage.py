"""The `idic clv fit` contract (via CliRunner on the sub-app), the workspace stage, the
validation tables and charts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
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


# Fader & Hardie (2007), survivors of 1,000 subscribers over 7 annual renewals
SBG_COHORTS = {
    "regular": ([1000, 631, 468, 382, 326, 289, 262, 241], {"alpha": 0.704, "beta": 1.182}),
    "high end": ([1000, 869, 743, 653, 593, 551, 517, 491], {"alpha": 0.668, "beta": 3.806}),
}


def _cohort_csv(path: Path, n_alive: list[int], unit: str, start: date) -> list[date]:
    """One payment per period: a subscriber who churned in period t paid at periods
    0..t-1; the survivors paid at every period 0..k. Returns the renewal dates."""
    k = len(n_alive) - 1
    if unit == "M":
        dates = [(pd.Timestamp(start) + pd.DateOffset(months=j)).date() for j in range(k + 1)]
    else:
        dates = [start + timedelta(days={"D": 1, "W": 7}[unit] * j) for j in range(k + 1)]
    lost = [n_alive[t - 1] - n_alive[t] for t in range(1, k + 1)]
    paid = [t for t in range(1, k + 1) for _ in range(lost[t - 1])] + [k + 1] * n_alive[k]
    rows = [(f"s{i}", dates[j].isoformat()) for i, n in enumerate(paid) for j in range(n)]
    path.write_text("sub,paid_on\n" + "".join(f"{s},{d}\n" for s, d in rows))
    return dates


@pytest.mark.parametrize("cohort", list(SBG_COHORTS))
@pytest.mark.parametrize(("unit", "start", "after_last"), [
    ("W", date(2020, 1, 6), 0),    # calibration end exactly on the last renewal date
    ("W", date(2020, 1, 6), 3),    # ... or part-way through the next period
    ("D", date(2020, 1, 6), 0),
    ("M", date(2021, 1, 31), 0),   # calendar months, month ends clipped (Feb 28, Apr 30)
    ("M", date(2020, 8, 1), 0),    # the last period is February: 28 days, 0.92 average months
    ("M", date(2021, 1, 31), 12),
])
def test_cli_sbg_gives_the_published_cohort_parameters(tmp_path, cohort, unit, start,
                                                       after_last):
    """`idic clv fit --model sbg` with --calibration-end on the last renewal date used to
    count that renewal's non-payers as still active: alpha/beta came out 12-27% low."""
    n_alive, ref = SBG_COHORTS[cohort]
    path = tmp_path / "cohort.csv"
    dates = _cohort_csv(path, n_alive, unit, start)
    end = dates[-1] + timedelta(days=after_last)
    res = runner.invoke(app, ["fit", str(path), "--customer-col", "sub", "--date-col",
                              "paid_on", "--calibration-end", end.isoformat(), "--time-unit",
                              unit, "--model", "sbg", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n_customers"] == 1000
    assert out["params"] == pytest.approx(ref, abs=5e-4)
    if cohort == "high end":
        assert out["log_likelihood"] == pytest.approx(-1611.2, abs=0.05)


def test_sbg_renewals_boundary_rule():
    from idic.differentiate.value.clv.fit_file import renewals

    # weeks: last payment 7 days before the end (renewal due on the end, unpaid): churned
    # after x + 1 periods; 6 days before: not yet due, active after x periods
    x, t_x, T = np.array([2.0, 2.0, 0.0]), np.array([2.0, 2.0, 0.0]), np.array([3.0, 20 / 7, 0.0])
    periods, churned = renewals(x, t_x, T, date(2024, 3, 31), "W")
    assert churned.tolist() == [True, False, False] and periods.tolist() == [3.0, 2.0, 0.0]
    # calendar months: a renewal falls due one calendar month after the last payment,
    # whatever that is in average months (30.44 days)
    m = 365.25 / 12
    for end, gap, expect in ((date(2024, 3, 29), 29, True),    # Feb 29 -> due Mar 29
                             (date(2024, 3, 28), 28, False),   # Feb 29 -> not due yet
                             (date(2023, 3, 1), 28, True),     # Feb 1 -> due Mar 1 (0.92 m)
                             (date(2024, 2, 28), 29, False)):  # Jan 30 -> due Feb 29 (0.95 m)
        _, churned = renewals(np.array([1.0]), np.array([1.0]), np.array([1.0 + gap / m]),
                              end, "M")
        assert churned.tolist() == [expect], (end, gap)
