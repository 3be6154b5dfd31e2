"""Funnel conventions on hand-built timelines (hours after T0)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from idic.errors import InputError
from idic.interact.journeys.funnels import funnel

from .helpers import ev, load

D = 24  # hours per day


def counts(ws, steps="A,B,C", window="14d", **kw) -> list[int]:
    return [s["count"] for s in funnel(ws.engine, steps, window, **kw).steps]


def test_window_boundary_is_inclusive(workspace) -> None:
    load(workspace, [
        ev("in", "A", 0), ev("in", "B", 1), ev("in", "C", 14 * D),           # exactly 14 days
        ev("out", "A", 0), ev("out", "B", 1), ev("out", "C", 14 * D + 1 / 3600),  # 1 s late
    ])
    assert counts(workspace) == [2, 2, 1]


def test_window_is_measured_from_the_first_step(workspace) -> None:
    # B within 14d of A, C within 14d of B but not of A
    load(workspace, [ev("p", "A", 0), ev("p", "B", 10 * D), ev("p", "C", 20 * D)])
    assert counts(workspace) == [1, 1, 0]


def test_one_attempt_per_person_the_furthest_reaching(workspace) -> None:
    load(workspace, [
        # attempt 1 (t=0) reaches B only; attempt 2 (t=30d) completes: counted once, complete
        ev("p", "A", 0), ev("p", "B", 1),
        ev("p", "A", 30 * D), ev("p", "B", 30 * D + 1), ev("p", "C", 30 * D + 3),
        # several first steps: the person counts once
        ev("q", "A", 0), ev("q", "A", 1), ev("q", "A", 2),
    ])
    res = funnel(workspace.engine, "A,B,C", "14d")
    assert [s["count"] for s in res.steps] == [2, 1, 1]
    # times come from the chosen attempt: B 1h after A, C 2h after B
    assert res.steps[1]["median_seconds_from_previous"] == 3600
    assert res.steps[2]["median_seconds_from_previous"] == 7200


def test_incomplete_attempts_count_only_the_steps_they_reached(workspace) -> None:
    load(workspace, [
        ev("p1", "A", 0),
        ev("p2", "A", 0), ev("p2", "C", 1),           # C without B: reaches step 1 only
        ev("p3", "B", 0), ev("p3", "C", 1),           # never starts
        ev("p4", "A", 0), ev("p4", "B", 2), ev("p4", "C", 3),
    ])
    res = funnel(workspace.engine, "A,B,C", "14d")
    assert [s["count"] for s in res.steps] == [3, 1, 1]
    assert res.steps[1]["drop_off"] == 2
    assert res.steps[1]["conversion_rate"] == pytest.approx(1 / 3)


def test_greedy_attempt_finds_completions_after_repeats(workspace) -> None:
    # A B A C: the first attempt completes (B then C after it)
    load(workspace, [ev("p", "A", 0), ev("p", "B", 1), ev("p", "A", 2), ev("p", "C", 3)])
    assert counts(workspace) == [1, 1, 1]
    assert counts(workspace, mode="strict") == [1, 1, 0]


def test_equal_timestamps_count_as_in_order(workspace) -> None:
    load(workspace, [ev("p", "A", 0), ev("p", "B", 0), ev("p", "C", 0)])
    assert counts(workspace) == [1, 1, 1]


def test_strict_mode_needs_consecutive_steps(workspace) -> None:
    load(workspace, [
        ev("ok", "A", 0), ev("ok", "B", 1), ev("ok", "C", 2),
        ev("gap", "A", 0), ev("gap", "X", 0.5), ev("gap", "B", 1), ev("gap", "C", 2),
        ev("late", "A", 0), ev("late", "B", 1), ev("late", "X", 1.5), ev("late", "C", 2),
        # a later attempt of "gap" that is consecutive counts
        ev("gap", "A", 50 * D), ev("gap", "B", 50 * D + 1),
    ])
    assert counts(workspace, mode="strict") == [3, 3, 1]
    assert counts(workspace, mode="ordered") == [3, 3, 3]


def test_unordered_mode(workspace) -> None:
    load(workspace, [
        ev("p1", "C", 0), ev("p1", "A", 1), ev("p1", "B", 2),
        ev("p2", "B", 0), ev("p2", "A", 1),
        ev("p3", "C", 0), ev("p3", "A", 15 * D),
    ])
    res = funnel(workspace.engine, "A,B,C", "14d", mode="unordered")
    assert [s["count"] for s in res.steps] == [3, 2, 1]
    assert res.steps[1]["median_seconds_from_previous"] == 3600


def test_exclusion_steps_discard_the_attempt(workspace) -> None:
    load(workspace, [
        ev("p1", "A", 0), ev("p1", "Refund", 0.5), ev("p1", "B", 1),
        ev("p2", "A", 0), ev("p2", "B", 1), ev("p2", "Refund", 5),   # after the last step
        ev("p3", "A", 0), ev("p3", "B", 1),
    ])
    assert counts(workspace, "A,B", exclude="Refund") == [2, 2]
    assert counts(workspace, "A,B") == [3, 3]


def test_breakdown_by_channel_and_by_segment(workspace) -> None:
    load(workspace, [
        ev("p1", "A", 0, channel="web"), ev("p1", "B", 1),
        ev("p2", "A", 0, channel="app"),
        ev("p3", "A", 0, channel="app"), ev("p3", "B", 1),
    ])
    res = funnel(workspace.engine, "A,B", "1d", breakdown="channel")
    assert {k: [s["count"] for s in v] for k, v in res.breakdown.items()} == {
        "app": [2, 1], "web": [1, 1]}
    workspace.engine.create_table("segments", pa.table({
        "person_id": ["web:p1", "web:p2"], "segment": ["gold", "gold"]}))
    res = funnel(workspace.engine, "A,B", "1d", segments=workspace.table("segments"))
    assert {k: [s["count"] for s in v] for k, v in res.breakdown.items()} == {
        "(none)": [1, 1], "gold": [2, 1]}


def test_bad_options(workspace) -> None:
    with pytest.raises(InputError, match="distinct"):
        funnel(workspace.engine, "A,A", "1d")
    with pytest.raises(InputError, match="funnel mode"):
        funnel(workspace.engine, "A,B", "1d", mode="loose")
    with pytest.raises(InputError, match="duration"):
        funnel(workspace.engine, "A,B", "soon")
    load(workspace, [ev("p", "A", 0), ev("p", "B", 1), ev("q", "Added To Cart", 2)])
    with pytest.raises(InputError, match="unknown breakdown column 'colour'"):
        funnel(workspace.engine, "A,B", "1d", breakdown="colour")


def test_a_step_absent_from_the_events_is_an_error_naming_the_closest(workspace) -> None:
    """A typo used to give zeros and look like a funnel nobody gets through."""
    load(workspace, [ev("p", "A", 0), ev("p", "Added To Cart", 1), ev("p", "Order Completed", 2)])
    with pytest.raises(InputError) as err:
        funnel(workspace.engine, "A,Add To Cart,Order Completed", "1d")
    assert str(err.value) == ("unknown event 'Add To Cart' in the funnel steps; "
                              "closest: 'Added To Cart'")
    assert err.value.hint == "known (3): A, Added To Cart, Order Completed"
    for mode in ("strict", "unordered"):
        with pytest.raises(InputError, match="'Add To Cart'"):
            funnel(workspace.engine, "A,Add To Cart", "1d", mode=mode)
    with pytest.raises(InputError, match="'order completed' in the exclusion steps; "
                                         "closest: 'Order Completed'"):
        funnel(workspace.engine, "A,Added To Cart", "1d", exclude="order completed")
    assert counts(workspace, "A,Added To Cart,Order Completed") == [1, 1, 1]


def test_empty_workspace_says_to_load_events(workspace) -> None:
    with pytest.raises(InputError, match="unknown event 'A' in the funnel steps: there is no "
                                         "event yet") as err:
        funnel(workspace.engine, "A,B", "1d")
    assert err.value.hint == "load events first: idic ingest events FILE"
