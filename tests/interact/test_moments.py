"""Pain points, love points and moments of truth: planted effects must be found."""

from __future__ import annotations

import numpy as np
import pytest

from idic.interact.journeys import run
from idic.interact.journeys.moments import moments, two_by_two
from idic.interact.journeys.sessions import touchpoints

from . import synth
from .helpers import load


def test_two_by_two_matches_hand_computation() -> None:
    # a=20 of 50 exposed convert, c=60 of 100 in the comparison group
    s = two_by_two(np.array([20]), np.array([30]), np.array([60]), np.array([40]))
    assert s["odds_ratio"][0] == pytest.approx((20 * 40) / (30 * 60))
    se = np.sqrt(1 / 20 + 1 / 30 + 1 / 60 + 1 / 40)
    assert s["or_low"][0] == pytest.approx(np.exp(np.log(800 / 1800) - 1.959964 * se), rel=1e-5)
    assert s["lift"][0] == pytest.approx(0.4 / 0.6)
    assert 0 < s["p_value"][0] < 0.05


def test_planted_effects_in_a_synthetic_shop(workspace) -> None:
    load(workspace, synth.shop(1500))
    tp = touchpoints(workspace.engine)
    conv = moments(tp, outcome="conversion").set_index("touchpoint")
    ret = moments(tp, outcome="retention").set_index("touchpoint")
    assert conv.loc[synth.PLANTED_PAIN_CONVERSION, "kind"] == "pain_point"
    assert conv.loc[synth.PLANTED_PAIN_CONVERSION, "or_high"] < 1
    assert conv.loc[synth.PLANTED_PAIN_CONVERSION, "moment_of_truth"]
    assert ret.loc[synth.PLANTED_PAIN_RETENTION, "kind"] == "pain_point"
    assert ret.loc[synth.PLANTED_LOVE_RETENTION, "kind"] == "love_point"
    # the unplanted awareness touches show no effect
    assert conv.loc["Ad Clicked", "kind"] == "neutral"
    # a touchpoint present in every converting journey is a process step, not a candidate
    assert conv.loc["Checkout Started", "kind"] == "step"


def test_planted_pain_points_and_moments_of_truth_of_the_demo(workspace, tmp_path) -> None:
    demo = pytest.importorskip("idic.datasets.demo")
    import json

    out = tmp_path / "demo"
    demo.generate(out, customers=1200, seed=11)
    truth = json.loads((out / "truth" / "params.json").read_text())
    workspace.ingest("events", out / "events.parquet")
    summary = run(workspace)
    m = workspace.engine.to_pandas(workspace.table("moments"))
    journey = m[m["unit"] == "journey"]
    conv = journey[journey["outcome"] == "conversion"].set_index("touchpoint")
    ret = journey[journey["outcome"] == "retention"].set_index("touchpoint")
    pains = set(truth["pain_points"])
    assert {"Checkout Error", "Delivery Delayed"} <= pains
    assert conv.loc["Checkout Error", "kind"] == "pain_point"
    assert conv.loc["Checkout Error", "or_high"] < 1
    assert ret.loc["Delivery Delayed", "kind"] == "pain_point"
    for name in truth["moments_of_truth"]:
        assert conv.loc[name, "kind"] == "love_point"
        assert name in summary["moments_of_truth"]
    assert "Checkout Error" in summary["pain_points_conversion"]
    assert "Delivery Delayed" in summary["pain_points_retention"]
