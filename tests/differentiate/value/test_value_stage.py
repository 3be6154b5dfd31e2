"""The value stage on a workspace: tables, summary, CLV use, cost to serve, migration."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from idic.differentiate.value import stage
from idic.differentiate.value.model import CUSTOMER_VALUE_COLUMNS
from idic.differentiate.value.rfm import RFM_COLUMNS, rfm


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def put(ws, name: str, rows: list[dict]) -> None:
    """Write canonical rows (missing columns null) into table ``name``."""
    schema = ws.table(name).schema().to_pyarrow()
    cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
    cols["_batch_id"] = ["test"] * len(rows)
    cols["_ingested_at"] = [ts("2025-01-01 00:00")] * len(rows)
    ws.engine.create_table(name, pa.table(cols, schema=schema))


def order(i: int, cust: str, when: str, amount: str, margin: str | None = None,
          channel: str = "web") -> dict:
    return {"order_id": f"O{i}", "source": "shop", "source_customer_id": cust,
            "ordered_at": ts(when), "amount": Decimal(amount), "currency": "EUR",
            "channel": channel, "margin": None if margin is None else Decimal(margin)}


ORDERS = [
    order(1, "a", "2024-01-10 10:00", "100.00", "40.00"),
    order(2, "a", "2024-04-10 10:00", "100.00", channel="store"),
    order(3, "a", "2024-11-10 10:00", "100.00"),
    order(4, "b", "2024-12-01 10:00", "1000.00"),
    order(5, "c", "2023-06-01 10:00", "20.00"),
    order(6, "d", "2024-12-30 10:00", "10.00"),
    order(7, "d", "2024-12-30 11:00", "-10.00"),  # a return
]


@pytest.fixture
def ws(workspace):
    put(workspace, "orders", ORDERS)
    put(workspace, "cases", [
        {"case_id": f"K{i}", "source": "shop", "source_customer_id": "d",
         "opened_at": ts("2024-12-30 12:00")} for i in range(3)])
    put(workspace, "survey_responses", [
        {"response_id": "S1", "source": "shop", "source_customer_id": "a",
         "responded_at": ts("2024-06-01 00:00"), "survey": "wallet",
         "category_spend": Decimal("1000.00")},
        {"response_id": "S2", "source": "shop", "source_customer_id": "a",
         "responded_at": ts("2024-03-01 00:00"), "survey": "nps", "score": 9.0},
        {"response_id": "S3", "source": "shop", "source_customer_id": "a",
         "responded_at": ts("2024-09-01 00:00"), "survey": "nps", "score": 7.0},
    ])
    return workspace


def test_stage_writes_tables_and_summary(ws) -> None:
    s = stage.run(ws, as_of="2024-12-31", discount_rate=0.0)
    assert s["as_of"] == "2024-12-31" and s["customers"] == 4
    assert set(s["tables"]) == {"rfm", "abc", "value"}
    assert tuple(ws.table("rfm").columns[:8]) == RFM_COLUMNS
    assert tuple(ws.table("value").columns) == CUSTOMER_VALUE_COLUMNS
    assert sum(s["rfm_segments"].values()) == 4 and sum(s["abc_classes"].values()) == 4
    assert 0 < s["share_of_customers_making_80pct"] <= 1 and 0 <= s["gini"] <= 1
    assert s["clv_used"] is False
    # the stage's rfm is the library's rfm on the workspace's orders
    direct = rfm(ws.customer_orders(), as_of="2024-12-31").execute()
    stored = ws.table("rfm").execute()[list(RFM_COLUMNS)]
    key = "customer_id"
    assert direct.sort_values(key).reset_index(drop=True).equals(
        stored.sort_values(key).reset_index(drop=True))
    cv = ws.table("value").execute().set_index("customer_id")
    a, d = cv.loc["shop:a"], cv.loc["shop:d"]
    # a: margin 40 known on the first order, 30% of 100 on the others; no costs; no discount
    assert a.contribution == Decimal("100.00") and a.historical_value == Decimal("100.00")
    assert a.wallet == Decimal("1000.00") and a.wallet_source == "survey"
    assert a.soc == pytest.approx(0.3)  # 300 spent in the 365 days to 2024-12-31 / 1000
    # d: 0 net contribution; 3 cases at 25 and one return at 10 -> below zero
    assert d.cost_to_serve == Decimal("85.00") and d.actual_value == Decimal("-85.00")
    assert d.value_category == "BZ" and d.recent_complaints == 3
    assert a.last_nps == 7.0 and bool(a.nps_drop) is True  # 9 -> 7: lower
    # the stage is idempotent
    s2 = stage.run(ws, as_of="2024-12-31", discount_rate=0.0)
    assert s2 == s


def test_nps_drop_and_unrealised_potential(ws) -> None:
    stage.run(ws, as_of="2024-12-31", discount_rate=0.0, target_soc=0.5, potential_years=1)
    cv = ws.table("value").execute().set_index("customer_id")
    a = cv.loc["shop:a"]
    # target 50% of a 1000 wallet = 500; spends 300; gap 200 at a's own margin rate 1/3
    assert float(a.unrealised_potential) == pytest.approx(66.67, abs=0.01)
    assert a.potential_value == a.actual_value + a.unrealised_potential
    assert bool(a.nps_drop) is True  # 7 after 9


def test_clv_table_is_used(ws) -> None:
    ws.engine.create_table("clv", pa.table({
        "customer_id": ["shop:a", "shop:b"], "clv": [50.0, 10.0], "p_alive": [0.9, 0.2]}))
    s = stage.run(ws, as_of="2024-12-31", discount_rate=0.0)
    assert s["clv_used"] is True
    cv = ws.table("value").execute().set_index("customer_id")
    assert cv.loc["shop:a", "actual_value"] == Decimal("150.00")
    assert bool(cv.loc["shop:b", "dormant"]) is True  # p_alive 0.2 < 0.5
    assert bool(cv.loc["shop:a", "dormant"]) is False


def test_discounting_compounds_past_flows(ws) -> None:
    stage.run(ws, as_of="2024-12-31", discount_rate=0.10)
    cv = ws.table("value").execute().set_index("customer_id")
    c = cv.loc["shop:c"]  # 6 (30% of 20) earned 2023-06-01, 579 days before
    assert float(c.historical_value) == pytest.approx(6 * 1.1 ** (579 / 365.25), abs=0.006)


def test_migration_between_two_dates(ws) -> None:
    s = stage.run(ws, as_of="2024-12-31", compare_to="2024-06-30")
    m = ws.table("value_migration").execute().set_index("customer_id")
    assert m.loc["shop:b", "category_from"] == "NEW"
    assert m.loc["shop:d", "category_to"] == "BZ"
    assert s["migration"]["migrated"] == int(m.migrated.sum())
    assert sum(f["customers"] for f in s["migration"]["flows"]) == 4
    from idic.differentiate.value.report import figures, summary_lines

    figs = figures(ws)
    assert set(figs) == {"lorenz", "abc", "rfm_grid", "rfm_segments", "value_matrix",
                         "migration"}
    text = "\n".join(summary_lines(s))
    assert "make 80% of revenue" in text and "changed value category" in text


def test_cli_run(ws) -> None:
    import json

    from idic.cli.value import app

    path = ws.path
    ws.close()
    res = CliRunner().invoke(app, ["run", "--workspace", str(path), "--as-of", "2024-12-31",
                                   "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["customers"] == 4
    res = CliRunner().invoke(app, ["run", "--workspace", str(path)])
    assert res.exit_code == 0, res.output
    assert "Value categories" in res.stdout
