"""The network stage on Apache Spark (local mode) gives DuckDB's metrics and roles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from idic.interact.network import stage
from idic.workspace import Workspace

pytestmark = pytest.mark.spark

#: the graph inputs (orders, surveys, cases are plain aggregations, kept out to stay small)
INPUTS = ("customers", "identity_map", "identities", "referrals", "mentions_scored", "clv")


def test_network_is_the_same_on_duckdb_and_spark(small_demo: Path, workspace,
                                                 spark_workspace) -> None:
    src = Workspace.open(small_demo)
    try:
        # a slice: the customers who refer, are referred or post, and 100 others
        m = src.table("network_metrics")
        keep = m.filter((m.referrals > 0) | (m.in_degree > 0) | (m.mentions > 0)
                        | (m.customer_id < "cus_1")).select("customer_id")
        ids = set(keep.to_pyarrow().column("customer_id").to_pylist())
        data = {}
        for name in INPUTS:
            t = src.table(name).to_pyarrow()
            if "customer_id" in t.column_names:
                t = t.filter(pd.Series(t.column("customer_id").to_pylist()).isin(ids).to_numpy())
            data[name] = t.drop_columns([c for c in t.column_names if c.startswith("_")])
    finally:
        src.close()
    out = []
    for ws in (workspace, spark_workspace):
        for name, t in data.items():
            ws.engine.create_table(name, t)
        res = stage.run(ws)
        met = ws.to_pandas("network_metrics").sort_values("customer_id").reset_index(drop=True)
        roles = ws.to_pandas("customer_roles").sort_values(["customer_id", "role"])
        out.append((res, met, roles[["customer_id", "role", "evidence"]].values.tolist()))
    (r0, m0, ro0), (r1, m1, ro1) = out
    assert r0["roles"] == r1["roles"] and r0["top_referrers"] == r1["top_referrers"]
    assert ro0 == ro1
    assert m0["customer_id"].tolist() == m1["customer_id"].tolist()
    for c in m0.columns:
        if m0[c].dtype.kind == "f":
            assert m0[c].fillna(-9).to_numpy() == pytest.approx(m1[c].fillna(-9).to_numpy(),
                                                               rel=1e-9, abs=1e-12), c
        else:
            assert m0[c].astype(str).tolist() == m1[c].astype(str).tolist(), c
    assert m0["referrals"].sum() > 0 and m0["mentions"].sum() > 0
