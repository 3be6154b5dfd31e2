"""A tiny hand-made workspace: the value tables of six customers and a consent ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from idic.workspace import Workspace

T0 = datetime(2026, 1, 1, tzinfo=UTC)
IDS = ["c1", "c2", "c3", "c4", "c5", "c6"]


def _ts(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


def fill(ws: Workspace) -> None:
    eng = ws.engine
    eng.create_table("customers", pa.table({
        "customer_id": IDS,
        "country": ["GB", "FR", "GB", "DE", "GB", None],
        "birth_date": [date(1990, 6, 1), date(1950, 1, 1), None, date(2005, 12, 31),
                       date(1980, 1, 2), None]}))
    eng.create_table("abc", pa.table({"customer_id": IDS, "abc_class": list("AABCCC")}))
    eng.create_table("rfm", pa.table({
        "customer_id": IDS, "segment": ["Champions", "Loyal", "At Risk", "Lost", "New", "Lost"],
        "r_score": [5, 4, 2, 1, 5, 1], "f_score": [5, 4, 3, 1, 1, 1], "m_score": [5, 5, 3, 1, 1, 1],
        "frequency": [20, 10, 5, 1, 1, 1],
        "monetary": pa.array([Decimal("900.10"), Decimal("500"), Decimal("80"), Decimal("5"),
                              Decimal("10"), Decimal("3")], pa.decimal128(18, 2)),
        "last_order_at": [_ts(d) for d in (30, 20, 5, 1, 31, 2)]}))
    eng.create_table("value", pa.table({
        "customer_id": IDS, "value_category": ["MVC", "MVC", "MGC", "BZ", "LMC", "BZ"],
        "clv": pa.array([Decimal("1200.50"), Decimal("800"), Decimal("150"), Decimal("-3"),
                         Decimal("20"), None], pa.decimal128(18, 2)),
        "p_alive": [0.95, 0.9, 0.4, 0.05, 0.99, None],
        "dormant": [False, False, True, True, False, True]}))
    eng.create_table("consents", pa.table({
        "source": ["idic"] * 7,
        "source_customer_id": ["c1", "c2", "c2", "c3", "c4", "c5", "c5"],
        "purpose": ["email_marketing"] * 7,
        "status": ["granted", "granted", "withdrawn", "granted", "granted", "granted",
                   "withdrawn"],
        "recorded_at": [_ts(d) for d in (1, 1, 5, 2, 3, 4, 4)],  # c5: a tie -> withdrawn
        "proof": pa.array([None] * 7, pa.string()), "channel": ["web"] * 7}))


@pytest.fixture
def tiny(tmp_path) -> Iterator[Workspace]:
    ws = Workspace.init(tmp_path / "tiny")
    fill(ws)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def tiny_ro(tmp_path_factory) -> Iterator[Workspace]:
    """The tiny workspace shared by a module's tests that only read it."""
    ws = Workspace.init(tmp_path_factory.mktemp("tiny-ro") / "ws")
    fill(ws)
    yield ws
    ws.close()
