import math

import pytest

from idic.measure.stage import read_kpis, run
from idic.workspace import Workspace


def test_stage_writes_kpis_and_cohorts_and_roc_adds_up(small_ws_path):
    with Workspace.open(small_ws_path) as ws:
        summary = run(ws)
        assert {"kpis", "cohorts"} <= set(ws.tables())
        k = read_kpis(ws)
        assert summary["period"]["days"] == 365
        for m in ("active_customers", "retention_rate", "churn_rate", "new_customers",
                  "win_back_rate", "revenue", "cash_flow"):
            assert m in k.index, m
        cur = k["current"]
        assert cur["retention_rate"] + cur["churn_rate"] == pytest.approx(1.0)
        if "roc" in k.index and not math.isnan(cur["roc"]):
            # ROC = (cash flow + change in equity) / equity at the start
            expect = (cur["cash_flow"] + cur["equity_end"] - cur["equity_start"]) \
                / cur["equity_start"]
            assert cur["roc"] == pytest.approx(expect)
            parts = (cur["equity_start"] + cur["equity_acquired"] + cur["equity_grown"]
                     + cur["equity_declined"])
            assert parts == pytest.approx(cur["equity_end"])
            # equity at the end is the sum of the clv table's lifetime values (the CLV
            # stage's own fit), which exceed the 12-month CLVs
            clv = ws.table("clv").execute()
            assert cur["equity_end"] == pytest.approx(clv.lifetime_value.sum())
            assert (clv.lifetime_value >= clv.clv - 1e-9).all()
            assert clv.lifetime_value.sum() > 1.5 * clv.clv.sum()
        # idempotent (to rounding: DuckDB sums in parallel, in no fixed order)
        again = run(ws)
        assert again.keys() == summary.keys()
        for key, v in summary.items():
            if isinstance(v, float) and not math.isnan(v):
                assert again[key] == pytest.approx(v, rel=1e-9), key
            elif not isinstance(v, float):
                assert again[key] == v, key
        c = ws.engine.to_pandas(ws.table("cohorts"))
        assert (c[c.months_since_first == 0].retention == 1.0).all()


def test_stage_on_an_empty_workspace(workspace):
    summary = run(workspace)
    assert "period" not in summary
    assert workspace.engine.count("kpis") == 0
