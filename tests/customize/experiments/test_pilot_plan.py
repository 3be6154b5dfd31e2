"""Pilot plans on a small hand-made workspace: the SMD against a hand computation, the
stratified split (exact overall share, share per stratum, waves), determinism, back-dating
(only orders before the start describe a unit), balance, and the saved tables."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from idic.customize.experiments.pilots.balance import balance_table, smd
from idic.customize.experiments.pilots.plan import assign_waves, make_plan
from idic.customize.experiments.pilots.store import load_pilots, load_plan, save_plan
from idic.errors import InputError
from idic.workspace import Workspace


def test_smd_matches_a_hand_computation() -> None:
    t, c = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 6.0])
    # means 2.5 and 4; sample variances 5/3 and 4: (2.5 - 4) / sqrt((5/3 + 4) / 2)
    assert smd(t, c) == pytest.approx(-1.5 / math.sqrt((5 / 3 + 4) / 2))
    # 0/1: p(1 - p) variances, 0.5 vs 0.25: 0.25 / sqrt((0.25 + 0.1875) / 2)
    assert smd(np.array([1, 0, 1, 0.0]), np.array([1, 0, 0, 0.0]), binary=True) == \
        pytest.approx(0.25 / math.sqrt((0.25 + 0.1875) / 2))
    assert smd(np.ones(3), np.ones(4)) == 0.0
    rows = balance_table(pd.DataFrame({"x": [1.0, 2, 3, 4], "g": list("aabb")}),
                         np.array([True, True, False, False]), ["x"], ["g"])
    assert [(r["covariate"], r["level"]) for r in rows] == [("x", None), ("g", "a"),
                                                             ("g", "b")]
    assert rows[1]["smd"] is None and not rows[1]["balanced"]  # a level only in one group


def test_stratified_split_exact_share_per_stratum_and_waves() -> None:
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(1000)]})
    strata = pd.Series(np.repeat(["a", "b", "c", "d"], [400, 300, 200, 100]))
    w = assign_waves(units, strata, 0.2, 4, "salt")
    assert (w == 1).sum() == 200
    for s, n in (("a", 400), ("b", 300), ("c", 200), ("d", 100)):
        assert ((w == 1) & (strata == s)).sum() == round(0.2 * n)
    assert sorted(np.unique(w)) == [1, 2, 3, 4]
    later = np.bincount(w)[2:]
    assert later.max() - later.min() <= 4  # the rest dealt evenly to waves 2..4
    assert (assign_waves(units, strata, 0.2, 4, "salt") == w).all()
    assert (assign_waves(units, strata, 0.2, 4, "other") != w).any()


def test_plan_is_balanced_backdated_and_saved(pilot_ws: Path) -> None:
    with Workspace.open(pilot_ws) as ws:
        plan = make_plan(ws, name="p-2026", share=0.25, waves=3, seed=7,
                         stratify="value_tier", start="2026-01-01")
        again = make_plan(ws, name="p-2026", share=0.25, waves=3, seed=7,
                          stratify=["value_tier"], start=date(2026, 1, 1))
        orders = ws.engine.to_pandas(ws.customer_orders())
        save_plan(ws, plan)
        saved, units = load_plan(ws, "p-2026")
        listed = load_pilots(ws)
    assert (again.units.wave == plan.units.wave).all()
    before = orders[pd.to_datetime(orders.ordered_at, utc=True) < pd.Timestamp("2026-01-01",
                                                                             tz="UTC")]
    assert set(plan.units.unit_id) == set(before.customer_id)
    rev = before.groupby("customer_id").amount.sum().astype(float)
    got = plan.units.set_index("unit_id").revenue_pre
    assert np.allclose(got.loc[rev.index], rev.to_numpy())
    d = plan.to_dict()
    assert d["test_units"] == round(0.25 * d["units"]) and d["balanced"]
    assert all(abs(r["smd"]) < 0.1 for r in d["balance"])
    assert {r["covariate"] for r in d["balance"]} >= {"orders_pre", "revenue_pre",
                                                      "recency_days", "value_tier"}
    assert saved["start"] == date(2026, 1, 1) and len(units) == d["units"]
    assert listed[0]["name"] == "p-2026" and listed[0]["evaluation"] is None


@pytest.mark.parametrize(("opts", "msg"), [
    ({"share": 0.0}, "--share"), ({"share": 1.0}, "--share"), ({"share": float("nan")}, "--share"),
    ({"waves": 1}, "--waves"), ({"waves": 21}, "--waves"), ({"seed": -1}, "--seed"),
    ({"unit": "store"}, "unknown unit"), ({"stratify": "value_teir"}, "closest: 'value_tier'"),
    ({"name": " "}, "bad pilot name"), ({"name": "a/b"}, "bad pilot name"),
    ({"start": "2024-01-01"}, "no customer has an order before"),
    ({"start": "yesterday"}, "bad --start"), ({"share": 0.001}, "no test or no control"),
])
def test_bad_options_are_input_errors(pilot_ws: Path, opts: dict, msg: str) -> None:
    kw = {"name": "x", **opts}
    with Workspace.open(pilot_ws, read_only=True) as ws, pytest.raises(InputError, match=msg):
        make_plan(ws, **kw)
