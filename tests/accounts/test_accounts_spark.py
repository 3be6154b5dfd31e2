"""The accounts stage on Apache Spark (local mode) gives DuckDB's links and roll-ups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.accounts.test_accounts_link import ACCOUNTS, GROUPS, IDENTITIES, ORDERS

from idic.accounts import stage

pytestmark = pytest.mark.spark


def _load(ws, tmp: Path) -> None:
    for name, text in (("accounts.csv", ACCOUNTS), ("ids.csv", IDENTITIES),
                       ("orders.csv", ORDERS)):
        (tmp / name).write_text(text)
    (tmp / "groups.jsonl").write_text("".join(json.dumps(g) + "\n" for g in GROUPS))
    ws.ingest("accounts", tmp / "accounts.csv")
    ws.ingest("identities", tmp / "ids.csv")
    ws.ingest("orders", tmp / "orders.csv")
    ws.ingest("segment", tmp / "groups.jsonl", source="web")


def test_accounts_are_the_same_on_duckdb_and_spark(workspace, spark_workspace,
                                                  tmp_path: Path) -> None:
    out = []
    for ws in (workspace, spark_workspace):
        _load(ws, tmp_path)
        stage.run(ws, by_domain=True)
        links = ws.to_pandas("account_contacts")[["customer_id", "account_id", "linked_by"]]
        value = ws.to_pandas("account_value")[["account_id", "contacts", "orders", "revenue"]]
        out.append((links.sort_values("customer_id").astype(str).values.tolist(),
                    value.sort_values("account_id").astype(str).values.tolist()))
    assert out[0] == out[1]
    revenue = {a: float(r) for a, _, _, r in out[1][1]}
    assert revenue["ACC-1"] == pytest.approx(11.10) and revenue["ACC-9"] == pytest.approx(5.25)
