"""Sound journey insights on the demo (issue 18): pain points lower the odds of the next stage
or of retention; navigation events are not pain points nor explanations of drop-off; the
planted Checkout Error and Delivery Delayed are found, and the moment of truth Live Chat
Resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.errors import InputError
from idic.interact.journeys.service import journey_map
from idic.interact.journeys.taxonomy import Taxonomy, load_rules
from idic.workspace import Workspace

NAVIGATION = ("Page Viewed", "Screen Viewed", "Product Viewed", "Email Opened",
              "Email Clicked")


@pytest.fixture(scope="module")
def demo_map(small_demo: Path):
    with Workspace.open(small_demo, read_only=True) as ws:
        jm = journey_map(ws)
        moments = ws.engine.to_pandas(ws.table("moments"))
    return jm, moments


def _names(cell: str) -> set[str]:
    return {x.strip() for x in str(cell or "").split(",") if x.strip()}


def test_navigation_events_are_recognised() -> None:
    tax = load_rules()
    assert all(tax.is_navigation(e) for e in NAVIGATION)
    for e in ("Checkout Error", "Delivery Delayed", "Ad Clicked", "Store Visit",
              "Added To Cart", "Order Completed", "Live Chat Resolved"):
        assert not tax.is_navigation(e), e


def test_planted_pain_points_and_moment_of_truth_on_the_map(demo_map, small_demo) -> None:
    jm, _ = demo_map
    truth = json.loads((small_demo / "demo-data" / "truth" / "params.json").read_text()) \
        if (small_demo / "demo-data" / "truth" / "params.json").exists() else None
    st_ = jm.stages.set_index("stage")
    assert "Checkout Error" in _names(st_.loc["purchase", "pain_points"])
    assert "Delivery Delayed" in _names(st_.loc["use", "pain_points"])
    assert "Live Chat Resolved" in _names(st_.loc["support", "moments_of_truth"])
    if truth is not None:
        assert {"Checkout Error", "Delivery Delayed"} <= set(truth["pain_points"])
    # every pain point lowers the odds: its whole 95% interval lies below 1
    m = jm.moments
    pains = m[m["kind"] == "pain_point"]
    assert len(pains) and (pains["or_high"] < 1).all()
    ce = m.set_index("touchpoint").loc["Checkout Error"]
    assert ce["or_high"] < 1 and ce["baseline"] == "same stage and channel"


def test_no_navigation_event_is_a_pain_point_or_an_explanation(demo_map) -> None:
    jm, stored = demo_map
    tax = load_rules()
    for cell in jm.stages["pain_points"]:
        assert not any(tax.is_navigation(n) for n in _names(cell)), cell
    for cell in jm.stages["love_points"]:
        assert not any(tax.is_navigation(n) for n in _names(cell)), cell
    for o in jm.opportunities:
        for e in o["explained_by"]:
            assert not tax.is_navigation(e["touchpoint"]), o
            assert e["or_high"] < 1
    journey = stored[stored["unit"] == "journey"]
    nav = journey[journey["touchpoint"].isin(NAVIGATION)]
    assert len(nav) and (nav["kind"] == "navigation").all()
    # the demo's e-mail sends go to the people the firm chose (contact-pressure slice): their
    # association is the targeting - never a pain point, love point or moment of truth
    sent = stored[stored["touchpoint"] == "Email Sent"]
    assert len(sent) and (sent["kind"] == "outbound").all() and not sent["moment_of_truth"].any()
    for cell in (*jm.stages["pain_points"], *jm.stages["love_points"]):
        assert "Email Sent" not in _names(cell)
    # per session, nothing after the purchase is measured (no session converts there)
    session = stored[stored["unit"] == "session"]
    assert not set(session["stage"]) & {"use", "support", "loyalty"}


def test_reach_explains_where_it_is_not_a_funnel(demo_map) -> None:
    jm, _ = demo_map
    st_ = jm.stages.reset_index(drop=True)
    assert st_["started_here"].sum() <= jm.persons
    for i in range(1, len(st_)):
        rise = st_.loc[i, "reach"] - st_.loc[i - 1, "reach"]
        if rise > 0:  # more persons than the stage before: they entered here
            assert st_.loc[i, "started_here"] >= rise


def test_opportunities_have_value_at_stake(demo_map) -> None:
    jm, _ = demo_map
    assert jm.value_per_order > 0
    kinds = {(o["stage"], o["next_stage"]) for o in jm.opportunities}
    assert ("first order", "repeat order") in kinds
    order = next(o for o in jm.opportunities if o["next_stage"] == "order")
    assert [e["touchpoint"] for e in order["explained_by"]] == ["Checkout Error"]
    for o in jm.opportunities:
        assert o["value_at_stake"] == pytest.approx(o["lost_persons"] * jm.value_per_order)


def test_a_broken_navigation_pattern_is_a_clear_error() -> None:
    d = load_rules().to_dict()
    d["navigation_events"] = "page (viewed"
    with pytest.raises(InputError, match="navigation_events"):
        Taxonomy.from_dict(d)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=40))
def test_any_navigation_pattern_loads_or_fails_cleanly(pattern: str) -> None:
    d = load_rules().to_dict()
    d["navigation_events"] = pattern
    try:
        tax = Taxonomy.from_dict(d)
    except InputError:
        return
    assert isinstance(tax.is_navigation("Page Viewed"), bool)
