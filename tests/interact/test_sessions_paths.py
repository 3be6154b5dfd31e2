"""Sessions, journeys, aggregated paths, Sankey data and omnichannel trajectories."""

from __future__ import annotations

import pandas as pd
import pytest

from idic.interact.journeys.paths import sankey, top_paths, trajectories
from idic.interact.journeys.sessions import (
    JourneySpec,
    aggregate_paths,
    journeys,
    touchpoints,
)

from .helpers import ev, load

MIN = 1 / 60


def test_sessions_break_on_gap_and_channel(workspace) -> None:
    load(workspace, [
        ev("p", "Product Viewed", 0, channel="web"),
        ev("p", "Product Viewed", 29 * MIN, channel="web"),     # same session
        ev("p", "Product Viewed", 60 * MIN, channel="web"),     # 31 min gap: new
        ev("p", "Store Visit", 61 * MIN, channel="store"),      # channel change: new
    ])
    df = touchpoints(workspace.engine).execute().sort_values("timestamp")
    assert df["session_index"].tolist() == [1, 1, 2, 3]
    df = touchpoints(workspace.engine, JourneySpec(session_gap="2h")).execute() \
        .sort_values("timestamp")
    assert df["session_index"].tolist() == [1, 1, 1, 2]


def test_journeys_end_at_a_conversion_and_respect_the_lookback(workspace) -> None:
    load(workspace, [
        ev("p", "Ad Clicked", 0, channel="web"),
        ev("p", "Email Opened", 24 * 40, channel="email"),
        ev("p", "Product Viewed", 24 * 41, channel="web"),
        ev("p", "Order Completed", 24 * 41 + 0.1, channel="web",
           properties={"revenue": 42.5}),
        ev("p", "Product Viewed", 24 * 60, channel="app"),
        ev("q", "Product Viewed", 0, channel="web"),
    ])
    tp = touchpoints(workspace.engine)
    jr = journeys(tp).execute().set_index("journey_id")
    first = jr.loc["web:p#0"]
    assert bool(first["converted"]) and first["value"] == pytest.approx(42.5)
    assert first["path"] == "email > web"          # the ad is outside the 30-day lookback
    assert jr.loc["web:p#1", "path"] == "app" and not jr.loc["web:p#1", "converted"]
    assert jr.loc["web:q#0", "path"] == "web"
    jr90 = journeys(touchpoints(workspace.engine, JourneySpec(lookback="90d"))).execute()
    assert "web > email > web" in set(jr90["path"])
    paths = aggregate_paths(journeys(tp)).execute().set_index("path")
    assert paths.loc["email > web", ["conversions", "nulls"]].tolist() == [1, 0]
    assert paths.loc["web", ["conversions", "nulls"]].tolist() == [0, 1]


def test_top_paths_sankey_and_trajectories() -> None:
    p = pd.DataFrame({"path": ["web > web", "email > web", "web > store", "social", "app > web"],
                      "conversions": [10, 6, 8, 0, 1], "nulls": [30, 4, 2, 5, 1],
                      "value": [0.0] * 5})
    top = top_paths(p, 2)
    assert top["path"].tolist() == ["web > web", "web > store"]  # ties: more conversions first
    s = sankey(p, steps=2, top=2)
    label = dict(enumerate(s.labels))
    flows = {(label[a], label[b]): v for a, b, v in zip(s.sources, s.targets, s.values,
                                                        strict=True)}
    assert flows[("1. web", "2. web")] == 40
    assert flows[("1. other", "2. web")] == 2         # app grouped as "other" at step 1
    assert flows[("2. store", "(conversion)")] == 8
    assert flows[("1. other", "(drop-off)")] == 5      # social too (top 2 at step 1: web, email)
    t = trajectories(p)
    cont = {r["kind"]: r for r in t["continuity"]}
    assert cont["single-channel"]["journeys"] == 45
    assert cont["multichannel"]["conversion_rate"] == pytest.approx(15 / 22)
    assert {r["switches"]: r["journeys"] for r in t["by_switches"]} == {"0": 45, "1": 22}
