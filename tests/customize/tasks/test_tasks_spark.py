"""The tasks stage on Spark: the same tasks, owners and gates as on DuckDB."""

from __future__ import annotations

import pytest

from idic.customize.tasks import stage, store

from .conftest import T0, fill


@pytest.mark.spark
def test_stage_and_close_on_spark(spark_workspace):
    ws = spark_workspace
    ws.settings["tasks"] = {"members": {"retention": ["Chen Wei", "Dana Müller"]}}
    fill(ws)
    res = stage.run(ws, at=T0)
    got = {r["customer_id"]: r for r in store.read_all(ws)}
    assert sorted(got) == ["c1", "c2", "c5"] and res["gated"] == 3
    assert (got["c1"]["owner"], got["c5"]["owner"]) == ("Chen Wei", "Priya Shah")
    assert got["c2"]["created_at"] == T0  # (read back from Parquet in UTC)
