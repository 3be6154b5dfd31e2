"""The next-best-action choice gives the same actions, expected values and reasons on Spark
as on DuckDB, on the 1,000-customer demo's inputs (the gates' answers included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from idic.customize.nba import stage
from idic.customize.nba.priors import measured
from idic.customize.nba.vector import ORDER, Layers, uplift_of
from idic.workspace import Workspace

pytestmark = pytest.mark.spark


def test_choice_on_spark_equals_duckdb(small_demo: Path, spark_workspace: Workspace) -> None:
    with Workspace.open(small_demo, read_only=True) as ws:
        priors = measured(ws)
        up = {a: uplift_of(priors[a]) for a in ORDER}
        t = stage.with_flags(ws, stage.inputs_expr(ws), priors,
                             at=datetime(2026, 12, 1, tzinfo=UTC))
        data = ws.engine.to_arrow(t)
        with Layers(ws.engine, ws.engine.from_arrow(data, "_nba_in"), priors, up,
                    "EUR") as layers:
            duck = ws.engine.to_pandas(layers.decided()).set_index("customer_id")
            duck_pairs = len(ws.engine.to_arrow(layers.pairs()))
    eng = spark_workspace.engine
    eng.create_table("nba_in", data)
    with Layers(eng, eng.table("nba_in"), priors, up, "EUR") as layers:
        layers.materialise()  # (the allocation's path: layer 2 staged, read twice)
        assert len(eng.to_arrow(layers.pairs())) == duck_pairs > 148
        spark = eng.to_pandas(layers.decided()).set_index("customer_id")
    assert len(spark) == len(duck) == 999
    spark = spark.loc[duck.index]
    assert (spark.action == duck.action).all()
    assert (spark.expected_value - duck.expected_value).abs().max() < 1e-9
    assert (duck.action != "dont_contact").sum() == 149
    # the same words and numbers (Java rounds an exact binary tie up, DuckDB to even)
    same = (spark.reason == duck.reason).mean()
    assert same > 0.99, same
    for a, b in zip(spark.alternatives, duck.alternatives, strict=True):
        x, y = json.loads(a), json.loads(b)
        assert [(i["action"], i["allowed"]) for i in x] == [(i["action"], i["allowed"])
                                                            for i in y]
        assert all(abs(i["expected_value"] - j["expected_value"]) <= 0.0100001
                   for i, j in zip(x, y, strict=True))
