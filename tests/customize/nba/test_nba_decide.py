"""Next best action, pure part: expected value by hand and a fuzz over random profiles."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.customize.nba.decide import candidates, choose
from idic.customize.nba.priors import ACTIONS, CONTACT_ACTIONS, DEFAULT_PRIORS

P = DEFAULT_PRIORS


def test_ev_by_hand_at_risk_customer() -> None:
    row = {"p_alive": 0.21, "clv": 1240.0, "orders": 4, "revenue": 400.0,
           "recent_complaints": 2, "value_category": "MVC", "unrealised_potential": 0.0}
    cands = {c.action: c.expected_value for c in candidates(row, P, "EUR")}
    assert cands["retain"] == pytest.approx(0.05 * 1240 - 2.0)  # 60.0
    assert cands["service_recovery"] == pytest.approx(0.10 * 1240 - 10.0)  # 114.0
    d = choose(row, dict.fromkeys(ACTIONS, True), P, "EUR")
    assert d.action == "service_recovery" and d.expected_value == pytest.approx(114.0)
    assert "2 recent complaints" in d.reason and "1,240 EUR" in d.reason
    # without the service recovery call allowed (cap reached), retain is next
    d = choose(row, {"retain": True}, P, "EUR")
    assert d.action == "retain" and "P(alive) fell to 0.21" in d.reason
    assert d.expected_value == pytest.approx(60.0)


def test_win_back_and_dont_contact() -> None:
    row = {"p_alive": 0.05, "dormant": True, "clv": 3.0, "orders": 5, "revenue": 250.0}
    (c,) = candidates(row, P)
    assert c.action == "win_back" and c.expected_value == pytest.approx(0.03 * 2 * 50 - 2)
    assert choose(row, {}, P).action == "dont_contact"  # not allowed by the gate
    assert "not allowed" in choose(row, {}, P).reason
    small = {**row, "revenue": 25.0}  # 0.03 x 10 - 2 < 0: no positive expected value
    assert choose(small, {"win_back": True}, P).action == "dont_contact"


def test_blocked_is_never_contacted() -> None:
    row = {"p_alive": 0.3, "clv": 5000.0, "orders": 9, "revenue": 900.0}
    d = choose(row, dict.fromkeys(ACTIONS, True), P, blocked=True)
    assert d.action == "dont_contact" and d.expected_value == 0


num = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                st.floats(min_value=0, max_value=1e6), st.text(max_size=3))
rows = st.fixed_dictionaries({
    "p_alive": num, "clv": num, "orders": num, "revenue": num, "recent_complaints": num,
    "n_complaints": num, "unrealised_potential": num, "cost_to_serve": num, "n_cases": num,
    "rec_score": num,
    "dormant": st.booleans(), "silent_dissatisfied": st.one_of(st.none(), st.booleans()),
    "falling_frequency": st.booleans(), "nps_drop": st.booleans(),
    "value_category": st.sampled_from(["MVC", "MGC", "LMC", "BZ", None]),
    "rec_item": st.one_of(st.none(), st.text(max_size=8)),
})


@settings(max_examples=300, deadline=None)
@given(rows, st.dictionaries(st.sampled_from(ACTIONS), st.booleans()), st.booleans())
def test_fuzz_choice_respects_gates(row, allowed, blocked) -> None:
    d = choose(row, allowed, P, "EUR", blocked=blocked)
    assert d.action in ACTIONS
    assert math.isfinite(d.expected_value)
    if blocked:
        assert d.action == "dont_contact"
    if d.action in CONTACT_ACTIONS:
        assert d.channel is not None and allowed.get(d.action) is True
    if d.action != "dont_contact":
        assert allowed.get(d.action) is True and d.expected_value > 0
        best = max(c.expected_value for c in candidates(row, P, "EUR") if allowed.get(c.action))
        assert d.expected_value == pytest.approx(best)
    else:
        assert d.expected_value == 0


def test_experiment_names_map_to_actions(tmp_path) -> None:
    from idic.customize.experiments.store import save_result
    from idic.customize.nba.priors import measured
    from idic.workspace import Workspace

    res = {"metric": "conversion", "method": "frequentist", "alpha": 0.05, "cuped": False,
           "srm": {"p_value": 0.5}, "variants": {
               "control": {"is_control": True, "n": 10, "mean": 0.1},
               "b": {"is_control": False, "n": 10, "mean": 0.2,
                     "absolute": {"effect": 0.1, "ci": [0.01, 0.19], "p_value": 0.03}},
               "c": {"is_control": False, "n": 10, "mean": 0.13,
                     "absolute": {"effect": 0.03, "ci": [-0.05, 0.11], "p_value": 0.4}}}}
    with Workspace.init(tmp_path / "ws") as ws:
        save_result(ws, "winback-2026-11", res)
        save_result(ws, "Cross Sell autumn", res)
        save_result(ws, "checkout-button", res)
        m = measured(ws)
    assert m["win_back"].uplift == 0.1 and m["win_back"].measured_by == "winback-2026-11"
    assert m["win_back"].ci == (0.01, 0.19)
    assert m["cross_sell"].measured_by == "Cross Sell autumn"
    assert m["retain"].measured_by is None and m["retain"].uplift == P["retain"].uplift


def test_empty_workspace_runs(tmp_path) -> None:
    from idic.customize.nba import stage
    from idic.workspace import Workspace

    with Workspace.init(tmp_path / "ws") as ws:
        res = stage.run(ws)
        assert res["customers"] == 0 and res["total_expected_value"] == 0
        assert ws.engine.count(stage.TABLE) == 0
        assert stage.for_customer(ws, "nobody") is None
