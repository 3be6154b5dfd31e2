"""Outcomes fed back: Wilson intervals against Newcombe's published values; the measured
response rates recover the rates the demo planted (stream 16) within their intervals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from idic.customize.tasks import outcomes, simulate
from idic.datasets.demo_util import rng_for
from idic.workspace import Workspace


@pytest.mark.parametrize(("k", "n", "lo", "hi"), [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score)
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_matches_newcombe(k, n, lo, hi):
    got = outcomes.summarise({"retain": {"success": k, "failure": n - k}})["retain"]
    assert got["response_rate"] == pytest.approx(k / n)
    assert got["ci"] == pytest.approx([lo, hi], abs=5e-5)


def test_summary_counts_reach_and_value():
    got = outcomes.summarise({"win_back": {"success": 3, "failure": 4, "no_answer": 2,
                                           "declined": 1}}, {"win_back": 90.0})["win_back"]
    assert (got["closed"], got["success"], got["reached"]) == (10, 3, 8)
    assert got["reach_rate"] == 0.8 and got["response_rate_reached"] == 3 / 8
    assert (got["value_realised"], got["value_per_task"]) == (90.0, 9.0)
    assert outcomes.summarise({"retain": {}}) == {}


def test_measured_rates_recover_planted_rates_on_many_tasks():
    actions = [a for a in simulate.RESPONSE for _ in range(600)]
    drawn = simulate.draw(rng_for(11, simulate.STREAM), actions)
    counts: dict[str, dict[str, int]] = {}
    values: dict[str, list[float]] = {}
    for a, (o, v) in zip(actions, drawn, strict=True):
        if o is not None:
            counts.setdefault(a, {}).setdefault(o, 0)
            counts[a][o] += 1
            if v is not None:
                values.setdefault(a, []).append(v)
    got = outcomes.summarise(counts)
    for a, p in simulate.RESPONSE.items():
        lo, hi = got[a]["ci"]
        assert lo <= p <= hi, (a, p, got[a]["ci"])
        assert hi - lo < 0.1  # ~480 worked tasks per action: a tight interval
        assert got[a]["closed"] == pytest.approx(600 * simulate.P_WORKED, abs=45)
        assert got[a]["outcomes"]["no_answer"] / got[a]["closed"] == pytest.approx(
            simulate.NO_ANSWER, abs=0.07)
        mean = sum(values[a]) / len(values[a])
        assert mean == pytest.approx(simulate.VALUE_MEAN[a], rel=0.25)


def test_demo_outcomes_recover_the_truth(small_demo: Path):
    truth = json.loads((small_demo / "demo-data" / simulate.TRUTH_FILE).read_text())
    assert truth["stream"] == 16 and truth["response_rate"] == simulate.RESPONSE
    with Workspace.open(small_demo, read_only=True) as ws:
        obs = outcomes.observed_response(ws)
    assert sum(o["closed"] for o in obs.values()) == len(truth["closed"]) > 10
    for action, o in obs.items():
        lo, hi = o["ci"]
        assert lo <= truth["response_rate"][action] <= hi, (action, o)
    succ = sum(o == "success" for o in truth["closed"].values())
    assert sum(o["success"] for o in obs.values()) == succ


def test_chart_names_a_leader_only_when_the_intervals_separate():
    from idic.charts.tasks import response_figure

    clear = outcomes.summarise({"retain": {"success": 80, "failure": 20},
                                "win_back": {"success": 10, "failure": 90}})
    fig = response_figure(clear)
    assert fig.layout.title.text.startswith("retain tasks succeed most often (80%)")
    assert list(fig.data[0].x) == ["retain<br>80 of 100", "win_back<br>10 of 100"]
    assert fig.data[0].error_y.array[0] == pytest.approx(clear["retain"]["ci"][1] - 0.8)
    close = outcomes.summarise({"retain": {"success": 2, "failure": 2},
                                "win_back": {"success": 1, "failure": 3}})
    assert response_figure(close).layout.title.text.startswith(
        "No action is clearly ahead yet: the intervals of 8 closed tasks overlap")
