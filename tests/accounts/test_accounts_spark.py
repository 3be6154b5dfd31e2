"""The accounts stage on Apache Spark (local mode) gives DuckDB's links and roll-ups."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.accounts.test_accounts_link import load_b2b

from idic.accounts import stage

pytestmark = pytest.mark.spark


def test_accounts_are_the_same_on_duckdb_and_spark(workspace, spark_workspace,
                                                  tmp_path: Path) -> None:
    out = []
    for ws in (workspace, spark_workspace):
        load_b2b(ws, tmp_path)
        stage.run(ws, by_domain=True)
        links = ws.to_pandas("account_contacts")[["customer_id", "account_id", "linked_by"]]
        value = ws.to_pandas("account_value")[["account_id", "contacts", "orders", "revenue"]]
        out.append((links.sort_values("customer_id").astype(str).values.tolist(),
                    value.sort_values("account_id").astype(str).values.tolist()))
    assert out[0] == out[1]
    revenue = {a: float(r) for a, _, _, r in out[1][1]}
    assert revenue["ACC-1"] == pytest.approx(11.10) and revenue["ACC-9"] == pytest.approx(5.25)
