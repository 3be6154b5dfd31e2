"""RFM on a hand-checked data set (scores worked out by hand below, ties included)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from idic.differentiate.value.rfm import (
    RFM_COLUMNS,
    SEGMENTS_FILE,
    load_segment_map,
    rfm,
    segment_summary,
)
from idic.engine import open_engine
from idic.errors import InputError


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


# customer, order, time, amount  (as-of date 2024-06-30)
ORDERS = [
    ("c1", "o1", "2024-06-01 10:00", "100.00"),
    ("c1", "o2", "2024-06-20 09:00", "50.00"),
    ("c2", "o3", "2024-06-20 09:00", "150.00"),  # same last time as c1; same monetary as c1
    ("c3", "o4", "2024-01-15 12:00", "20.00"),
    ("c3", "o5", "2024-02-15 12:00", "20.00"),
    ("c3", "o6", "2024-03-15 12:00", "20.00"),
    ("c4", "o7", "2024-06-30 23:00", "5.00"),  # on the as-of date: counts, recency 0
    ("c5", "o8", "2023-12-31 08:00", "300.00"),
    ("c5", "o9", "2024-07-01 00:00", "999.00"),  # after the as-of date: ignored
    ("c6", "o10", "2024-05-05 12:00", "80.00"),
    ("c6", "o11", "2024-05-06 12:00", "80.00"),
    ("c7", "o12", "2024-04-01 12:00", "150.00"),
]


def orders_arrow() -> pa.Table:
    return pa.table({
        "customer_id": [r[0] for r in ORDERS],
        "order_id": [r[1] for r in ORDERS],
        "ordered_at": pa.array([ts(r[2]) for r in ORDERS], pa.timestamp("us", tz="UTC")),
        "amount": pa.array([Decimal(r[3]) for r in ORDERS], pa.decimal128(18, 2)),
    })


def by_hand(order: list[str]) -> dict[str, int]:
    """score = ceil(5 * i / n) for rank i (1-based) in the given order."""
    n = len(order)
    return {c: math.ceil(5 * i / n) for i, c in enumerate(order, start=1)}


# Orders worked out by hand (ascending measure, ties by customer id):
# recency by last order time: c5 (2023-12-31), c3 (03-15), c7 (04-01), c6 (05-06),
#   c1 (06-20 09:00), c2 (06-20 09:00, tie -> after c1), c4 (06-30)
R = by_hand(["c5", "c3", "c7", "c6", "c1", "c2", "c4"])
# frequency: 1 -> c2 c4 c5 c7 ; 2 -> c1 c6 ; 3 -> c3
F = by_hand(["c2", "c4", "c5", "c7", "c1", "c6", "c3"])
# monetary: c4 5, c3 60, 150 -> c1 c2 c7, c6 160, c5 300
M = by_hand(["c4", "c3", "c1", "c2", "c7", "c6", "c5"])

EXPECTED = {
    # customer: (recency_days, frequency, monetary, r, f, m, segment)
    "c1": (10, 2, "150.00", 4, 4, 3, "Need Attention"),  # 443
    "c2": (10, 1, "150.00", 5, 1, 3, "Promising"),  # 513
    "c3": (107, 3, "60.00", 2, 5, 2, "At Risk"),  # 252
    "c4": (0, 1, "5.00", 5, 2, 1, "Promising"),  # 521
    "c5": (182, 1, "300.00", 1, 3, 5, "At Risk"),  # 135
    "c6": (55, 2, "160.00", 3, 5, 5, "Loyal"),  # 355
    "c7": (90, 1, "150.00", 3, 3, 4, "Need Attention"),  # 334
}


@pytest.fixture(scope="module")
def engine():
    eng = open_engine("duckdb", None)
    eng.create_table("orders", orders_arrow())
    yield eng
    eng.close()


def test_hand_scores_follow_the_formula() -> None:
    # the hand-written table agrees with ceil(5i/n) on the hand-made orderings
    for c, (_r, _f, _m, r, f, m, _s) in EXPECTED.items():
        assert (R[c], F[c], M[c]) == (r, f, m), c


def test_rfm_matches_hand_checked_table(engine) -> None:
    out = rfm(engine.table("orders"), as_of="2024-06-30", order_col="order_id").execute()
    assert tuple(out.columns) == RFM_COLUMNS
    got = {
        row.customer_id: (row.recency_days, row.frequency, f"{row.monetary:.2f}",
                          row.r_score, row.f_score, row.m_score, row.segment)
        for row in out.itertuples()
    }
    assert got == EXPECTED


def test_rows_as_orders_and_default_as_of(engine) -> None:
    t = engine.table("orders")
    a = rfm(t, as_of="2024-06-30").execute().set_index("customer_id")
    assert a.loc["c3", "frequency"] == 3
    # default as-of = date of the latest order (2024-07-01): c5's late order now counts
    b = rfm(t).execute().set_index("customer_id")
    assert b.loc["c5", "frequency"] == 2 and b.loc["c5", "recency_days"] == 0
    assert b.loc["c4", "recency_days"] == 1


def test_distinct_orders_with_order_lines() -> None:
    eng = open_engine("duckdb", None)
    lines = pa.table({
        "customer_id": ["a", "a", "a", "b"],
        "order_id": ["1", "1", "2", "3"],
        "ordered_at": pa.array([ts("2024-01-01 10:00")] * 2 + [ts("2024-01-02 10:00")] * 2,
                               pa.timestamp("us", tz="UTC")),
        "amount": pa.array([Decimal("1.10"), Decimal("2.20"), Decimal("3.30"), Decimal("4")],
                           pa.decimal128(18, 2)),
    })
    eng.create_table("lines", lines)
    out = rfm(eng.table("lines"), as_of="2024-01-31", order_col="order_id").execute()
    a = out.set_index("customer_id").loc["a"]
    assert a.frequency == 2 and a.monetary == Decimal("6.60")
    eng.close()


def test_default_segment_map_covers_all_125_codes() -> None:
    m = load_segment_map()
    assert sorted(m) == sorted(100 * r + 10 * f + x for r in range(1, 6) for f in range(1, 6)
                               for x in range(1, 6))
    assert len(set(m.values())) == 11
    assert m[555] == "Champions" and m[111] == "Lost" and m[155] == "Cannot Lose Them"
    assert SEGMENTS_FILE.name == "rfm_segments.csv"


def test_custom_segment_map(engine, tmp_path: Path) -> None:
    p = tmp_path / "map.csv"
    p.write_text("rfm_code,segment\n443,Gold\n")
    out = rfm(engine.table("orders"), as_of="2024-06-30", order_col="order_id",
              segments=p).execute().set_index("customer_id")
    assert out.loc["c1", "segment"] == "Gold"
    assert out.loc["c2", "segment"] is None  # not in the custom map


@pytest.mark.parametrize("text,msg", [
    ("code,segment\n555,X\n", "rfm_code,segment"),
    ("rfm_code,segment\n556,X\n", "three digits"),
    ("rfm_code,segment\n555,X\n555,Y\n", "twice"),
])
def test_bad_segment_maps(tmp_path: Path, text: str, msg: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=msg):
        load_segment_map(p)


def test_missing_column_and_bad_date(engine) -> None:
    with pytest.raises(InputError, match="not found"):
        rfm(engine.table("orders"), amount_col="total")
    with pytest.raises(InputError, match="as-of"):
        rfm(engine.table("orders"), as_of="30/06/2024")


def test_segment_summary(engine) -> None:
    t = rfm(engine.table("orders"), as_of="2024-06-30", order_col="order_id")
    s = segment_summary(t).execute().set_index("segment")
    assert s.loc["Promising", "customers"] == 2 and s.loc["Loyal", "customers"] == 1
    assert s.customers.sum() == 7 and abs(s.share.sum() - 1) < 1e-12
