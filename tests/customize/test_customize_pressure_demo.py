"""The planted opt-out-vs-pressure effect of the demo is found by the pressure measure."""

from __future__ import annotations

import json

from idic.customize.pressure import optout_by_pressure, pressure
from idic.workspace import Workspace


def test_optout_rate_rises_with_pressure_as_planted(small_demo):
    truth = json.loads((small_demo / "demo-data" / "truth" / "params.json").read_text())
    cp = truth["contact_pressure"]
    h0, h1 = cp["optout_h0"], cp["optout_h1"]
    with Workspace.open(small_demo, read_only=True) as ws:
        rows = optout_by_pressure(ws)
        per = pressure(ws, days=30)
        assert per is not None and int(per.count().execute()) > 0

    def pooled(lo, hi):
        sel = [r for r in rows if lo <= r["load"] <= hi]
        n, k = sum(r["contacts"] for r in sel), sum(r["optouts"] for r in sel)
        planted = sum(r["contacts"] * (h0 + h1 * (r["load"] - 1)) for r in sel) / n
        return k / n, planted, n

    low, _, n_low = pooled(1, 2)
    high, high_planted, n_high = pooled(7, 20)
    assert n_low > 300 and n_high > 300
    assert high > 2 * low
    # within 4 binomial standard errors of the planted rate at high pressure
    se = (high_planted * (1 - high_planted) / n_high) ** 0.5
    assert abs(high - high_planted) < 4 * se + 0.005
    assert sum(cp["sends_by_load"].values()) > 0 and sum(cp["optouts_by_load"].values()) > 0
