from datetime import date, datetime

import ibis
import pandas as pd
import pytest

from idic.measure.kpis import Period, cash_flow, nps, period_ending, period_kpis


def orders() -> ibis.Table:
    # previous period 2025-01-01..2025-06-30 (181 days), current 2025-07-01..2025-12-27
    rows = [
        ("old", "2024-06-01", 100, None),   # lapsed before the previous period ...
        ("old", "2025-08-01", 50, 20),      # ... and won back in the current one
        ("sleep", "2024-03-01", 10, 1),     # lapsed, not won back
        ("a", "2025-02-01", 30, 9),         # previous only: churned
        ("b", "2025-03-01", 40, 12),        # previous and current: retained
        ("b", "2025-09-01", 60, 18),
        ("c", "2025-10-01", 80, 24),        # new in the current period
        ("c", "2025-11-01", 20, None),      # margin unknown: amount x ratio
    ]
    return ibis.memtable(pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "ordered_at": [datetime.fromisoformat(r[1] + "T10:00:00+00:00") for r in rows],
        "amount": [float(r[2]) for r in rows],
        "margin": [None if r[3] is None else float(r[3]) for r in rows],
    }))


def test_period_kpis_by_hand():
    cur = period_ending(date(2025, 12, 27), 180)
    assert cur == Period(date(2025, 7, 1), date(2025, 12, 27))
    assert cur.previous() == Period(date(2025, 1, 2), date(2025, 6, 30))
    k = period_kpis(orders(), cur, ratio=0.3)
    assert k["customers_at_start"] == 2          # a, b
    assert k["retained_customers"] == 1          # b
    assert k["retention_rate"] == pytest.approx(0.5)
    assert k["churn_rate"] == pytest.approx(0.5)
    assert k["new_customers"] == 1               # c
    assert k["acquisition_rate"] == pytest.approx(0.5)
    assert k["lapsed_at_start"] == 2             # old, sleep
    assert k["won_back_customers"] == 1          # old
    assert k["win_back_rate"] == pytest.approx(0.5)
    assert k["active_customers"] == 3            # old, b, c
    assert k["orders"] == 4
    assert k["revenue"] == pytest.approx(210.0)
    assert k["cash_flow"] == pytest.approx(20 + 18 + 24 + 20 * 0.3)
    assert k["average_order_value"] == pytest.approx(52.5)
    assert cash_flow(orders(), cur, ratio=0.3) == pytest.approx(k["cash_flow"])


def test_rates_are_none_without_a_base():
    k = period_kpis(orders(), Period(date(2020, 1, 1), date(2020, 12, 31)), ratio=1.0)
    assert k["retention_rate"] is None and k["churn_rate"] is None
    assert k["active_customers"] == 0 and k["revenue"] == 0.0


def test_nps_of_a_period():
    df = pd.DataFrame({
        "survey": ["nps"] * 5 + ["csat"],
        "score": [10.0, 9.0, 8.0, 3.0, 6.0, 5.0],
        "responded_at": [datetime(2025, 8, 1, tzinfo=None)] * 6,
    })
    df["responded_at"] = pd.to_datetime(df["responded_at"]).dt.tz_localize("UTC")
    score, n = nps(ibis.memtable(df), Period(date(2025, 7, 1), date(2025, 12, 31)))
    assert n == 5 and score == pytest.approx(100 * (2 - 2) / 5)
