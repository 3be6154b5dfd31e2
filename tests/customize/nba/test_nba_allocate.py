"""Budget and capacity: the exact allocation is the brute-force optimum on small problems,
the greedy one is feasible and within its dual bound, the inputs are parsed strictly, and
on the demo the limits hold and moved customers get their next-best permitted action."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.customize.nba import allocate as al
from idic.customize.nba import stage
from idic.customize.nba.priors import DEFAULT_PRIORS
from idic.errors import InputError
from idic.workspace import Workspace

P = DEFAULT_PRIORS
ACTS = ("retain", "win_back", "cross_sell", "service_recovery")


@st.composite
def problems(draw):
    n = draw(st.integers(1, 5))
    cust, act, ev, cost = [], [], [], []
    for c in range(n):
        for a in draw(st.lists(st.sampled_from(ACTS), min_size=1, max_size=3, unique=True)):
            cust.append(c)
            act.append(a)
            ev.append(draw(st.floats(0.01, 100)))
            cost.append(P[a].cost)
    budget = draw(st.one_of(st.none(), st.floats(0, 40)))
    cap = draw(st.dictionaries(st.sampled_from(["email", "call_centre", "win_back"]),
                               st.integers(0, 3), max_size=2))
    return (np.array(cust), np.array(act, dtype=object), np.array(ev), np.array(cost),
            al.Limits(budget, cap))


def _feasible(take, cust, act, cost, limits) -> bool:
    if len(set(cust[take])) != take.sum():
        return False
    if limits.budget is not None and cost[take].sum() > limits.budget + 1e-6:
        return False
    keys = al.capacity_keys(P)
    return all(np.isin(act[take], sorted(keys[g])).sum() <= c for g, c in limits.capacity.items())


def _brute(cust, act, ev, cost, limits) -> float:
    best = 0.0
    for take in itertools.product([False, True], repeat=len(ev)):
        t = np.array(take, bool)
        if _feasible(t, cust, act, cost, limits):
            best = max(best, ev[t].sum())
    return best


def _best(cust, ev) -> np.ndarray:
    out = np.zeros(len(ev), bool)
    for c in set(cust):
        i = np.flatnonzero(cust == c)
        out[i[np.argmax(ev[i])]] = True
    return out


@settings(max_examples=60, deadline=None)
@given(problems())
def test_exact_is_the_optimum_and_greedy_within_its_bound(prob) -> None:
    cust, act, ev, cost, limits = prob
    best = _best(cust, ev)
    res = al.allocate(cust, act, ev, cost, best, limits, P)
    opt = _brute(cust, act, ev, cost, limits)
    assert _feasible(res.chosen, cust, act, cost, limits)
    assert res.value == pytest.approx(opt, abs=1e-6)
    if res.method == "unconstrained":
        assert (res.chosen == best).all()
    greedy = al._greedy(cust, ev, cost, limits, al._groups(limits, P, act))
    assert _feasible(greedy, cust, act, cost, limits)
    bound = al._dual_bound(cust, ev, cost, limits, al._groups(limits, P, act))
    assert ev[greedy].sum() <= opt + 1e-6 <= bound + 1e-4


@given(st.text(max_size=20))
def test_budget_text_is_a_number_or_a_clear_error(text: str) -> None:
    try:
        v = al.parse_budget(text)
    except InputError:
        return
    assert v is not None and 0 <= v == float(text)


@given(st.lists(st.text(alphabet="=,abcdeilmnoprtw_ 0123456789x-.", max_size=25),
                max_size=3))
def test_capacity_text_is_parsed_or_a_clear_error(items: list[str]) -> None:
    try:
        caps = al.parse_capacity(items, P)
    except InputError:
        return
    keys = al.capacity_keys(P)
    assert all(k in keys and isinstance(v, int) and v >= 0 for k, v in caps.items())


def test_capacity_examples() -> None:
    assert al.parse_capacity(["call=200", "email=5000, win_back=3"], P) == {
        "call_centre": 200, "email": 5000, "win_back": 3}
    assert al.parse_capacity({"service_recovery": 4}, P) == {"service_recovery": 4}
    for bad in (["call=2.5"], ["call=-1"], ["call"], ["fax=3"], ["call=1,call=2"], ["a=b=c"]):
        with pytest.raises(InputError):
            al.parse_capacity(bad, P)
    assert al.parse_budget("2500.50") == 2500.5 and al.parse_budget(None) is None
    for bad in ("-5", "1e3", "5,000", "inf", "", "5000 EUR"):
        with pytest.raises(InputError):
            al.parse_budget(bad)


def test_greedy_gap_is_small_on_a_large_problem() -> None:
    rng = np.random.default_rng(1)
    n = 1_500
    k = rng.integers(1, 4, n)
    cust = np.repeat(np.arange(n), k)
    act = rng.choice(np.array(ACTS, dtype=object), len(cust))
    cost = np.array([P[a].cost for a in act])
    ev = rng.gamma(1.0, 6.0, len(cust))
    limits = al.Limits(0.2 * cost.sum() / 2, {"call_centre": 100})
    groups = al._groups(limits, P, act)
    take = al._greedy(cust, ev, cost, limits, groups)
    assert _feasible(take, cust, act, cost, limits)
    exact, _ = al._exact(cust, ev, cost, limits, groups)
    bound = al._dual_bound(cust, ev, cost, limits, groups)
    assert ev[take].sum() <= ev[exact].sum() + 1e-6 <= bound + 1e-4
    assert (bound - ev[take].sum()) / bound < 0.01  # greedy within 1% of the bound


@pytest.fixture(scope="module")
def copy(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("nba-alloc") / "ws"
    shutil.copytree(small_demo, p)
    return p


def test_demo_budget_and_capacity_hold(copy: Path) -> None:
    from typer.testing import CliRunner

    from idic.cli.main import app

    r = CliRunner().invoke(app, ["nba", "run", "--workspace", str(copy), "--budget", "100",
                                 "--capacity", "call=1", "--capacity", "email=30", "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["total_cost"] <= 100 and res["allocation"]["method"] == "exact"
    assert res["allocation"]["gap"] == pytest.approx(0, abs=0.01)
    a = res["actions"]
    assert a["service_recovery"] <= 1
    assert a["retain"] + a["win_back"] + a["cross_sell"] + a["up_sell"] <= 30
    with Workspace.open(copy) as ws:
        nba = ws.engine.to_pandas(ws.table(stage.TABLE))
    moved = nba[nba.action != nba.unconstrained_action]
    assert len(moved) > 20
    for row in moved.itertuples():
        alts = {x["action"]: x for x in json.loads(row.alternatives)}
        assert f"{row.unconstrained_action} (EV " in row.reason and "not taken" in row.reason
        if row.action != "dont_contact":  # the next best permitted action, never a gated one
            assert alts[row.action]["allowed"] and row.expected_value > 0
            assert row.expected_value <= alts[row.unconstrained_action]["expected_value"]
    assert res["total_expected_value"] == pytest.approx(res["allocation"]
                                                        ["total_expected_value"], abs=0.05)
    r = CliRunner().invoke(app, ["nba", "run", "--workspace", str(copy), "--budget", "lots"])
    assert r.exit_code != 0 and "not an amount" in r.output
