"""Funnels and paths give identical results on DuckDB and Spark (local mode)."""

from __future__ import annotations

import pytest

from idic.interact.journeys import attribute, workspace_paths
from idic.interact.journeys.funnels import funnel

from . import synth
from .helpers import ev, load

pytestmark = pytest.mark.spark

D = 24


def _rows() -> list[dict]:
    rows = synth.shop(60, seed=3)
    rows += [
        ev("b1", "Product Viewed", 0), ev("b1", "Checkout Started", 1),
        ev("b1", "Order Completed", 14 * D),                      # on the boundary
        ev("b2", "Product Viewed", 0), ev("b2", "Checkout Started", 1),
        ev("b2", "Order Completed", 14 * D + 1 / 3600),           # one second late
        ev("b3", "Checkout Started", 0), ev("b3", "Product Viewed", 0),
        ev("b3", "Order Completed", 0),                           # same timestamp
    ]
    return rows


FUNNELS = [
    ("Product Viewed,Checkout Started,Order Completed", "14d", "ordered", "Checkout Error"),
    ("Product Viewed,Checkout Started,Order Completed", "1d", "strict", None),
    ("Order Completed,Checkout Started,Product Viewed", "14d", "unordered", "Checkout Error"),
]


def test_funnels_and_paths_identical_on_duckdb_and_spark(workspace, spark_workspace) -> None:
    rows = _rows()
    load(workspace, rows)
    load(spark_workspace, rows)
    for steps, window, mode, exclude in FUNNELS:
        a = funnel(workspace.engine, steps, window, mode=mode, exclude=exclude,
                   breakdown="channel").to_dict()
        b = funnel(spark_workspace.engine, steps, window, mode=mode, exclude=exclude,
                   breakdown="channel").to_dict()
        assert a == b, (steps, mode)
        assert a["steps"][-1]["count"] > 0
    pa_, pb = workspace_paths(workspace), workspace_paths(spark_workspace)
    assert pa_.drop(columns="value").to_dict("records") == \
        pb.drop(columns="value").to_dict("records")
    assert pa_["value"].tolist() == pytest.approx(pb["value"].tolist())
    assert attribute(pb, "markov") == pytest.approx(attribute(pa_, "markov"))
