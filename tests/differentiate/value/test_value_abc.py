"""ABC classes (incl. the customer crossing a cut-off), Gini and Lorenz against NumPy."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from idic.differentiate.value.abc import (
    abc,
    class_summary,
    customer_values,
    gini,
    lorenz_curve,
    share_of_customers_making,
)
from idic.engine import open_engine
from idic.errors import InputError


@pytest.fixture(scope="module")
def eng():
    e = open_engine("duckdb", None)
    yield e
    e.close()


def values(eng, name: str, pairs: list[tuple[str, str]]):
    eng.create_table(name, pa.table({
        "customer_id": [p[0] for p in pairs],
        "value": pa.array([Decimal(p[1]) for p in pairs], pa.decimal128(18, 2)),
    }))
    return eng.table(name)


def classes(t, **kw) -> dict[str, str]:
    df = abc(t, **kw).execute()
    return dict(zip(df.customer_id, df.abc_class, strict=True))


def test_exact_boundaries_and_ties(eng) -> None:
    # total 100; share held by the customers before: a 0, b 50, c 80, d 90, e 95
    t = values(eng, "v1", [("e", "5"), ("c", "10"), ("a", "50"), ("b", "30"), ("d", "5")])
    assert classes(t) == {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C"}
    df = abc(t).execute().set_index("customer_id")
    assert df.value_rank.to_dict() == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}  # d before e
    assert df.share_before.to_dict() == pytest.approx(
        {"a": 0.0, "b": 0.5, "c": 0.8, "d": 0.9, "e": 0.95})


def test_customer_crossing_the_cutoff_is_a(eng) -> None:
    # before: x 0, y 60 (< 80, own value takes the total to 90: crosses 80), z 90, w 96
    t = values(eng, "v2", [("x", "60"), ("y", "30"), ("z", "6"), ("w", "4")])
    assert classes(t) == {"x": "A", "y": "A", "z": "B", "w": "C"}
    assert share_of_customers_making(t, 0.8) == 0.5


def test_configurable_cutoffs(eng) -> None:
    t = values(eng, "v3", [("x", "60"), ("y", "30"), ("z", "6"), ("w", "4")])
    assert classes(t, cutoffs=(0.5, 0.7)) == {"x": "A", "y": "B", "z": "C", "w": "C"}
    assert classes(t, cutoffs=(0.65, 0.95)) == {"x": "A", "y": "A", "z": "B", "w": "C"}
    assert classes(t, cutoffs=(0.6, 0.9)) == {"x": "A", "y": "B", "z": "C", "w": "C"}
    with pytest.raises(InputError):
        abc(t, cutoffs=(0.9, 0.8))
    with pytest.raises(InputError):
        abc(t, cutoffs=(0.8, 1.5))


def test_zero_total_is_all_c(eng) -> None:
    t = values(eng, "v4", [("x", "0"), ("y", "0")])
    assert classes(t) == {"x": "C", "y": "C"}
    assert gini(t) == 0.0


def test_customer_values_sum_orders(eng) -> None:
    eng.create_table("orders_abc", pa.table({
        "cust": ["a", "a", "b"],
        "amount": pa.array([Decimal("1.10"), Decimal("2.25"), Decimal("3")], pa.decimal128(18, 2)),
    }))
    v = customer_values(eng.table("orders_abc"), customer_col="cust").execute()
    assert dict(zip(v.customer_id, v.value, strict=True)) == {"a": Decimal("3.35"),
                                                              "b": Decimal("3.00")}


def np_gini(x: np.ndarray) -> float:
    """Mean absolute difference over twice the mean (an independent formula)."""
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


def test_gini_and_lorenz_against_numpy(eng) -> None:
    rng = np.random.default_rng(7)
    x = np.round(rng.lognormal(3, 1.2, 800), 2)
    t = values(eng, "v5", [(f"c{i:04d}", f"{v:.2f}") for i, v in enumerate(x)])
    assert gini(t) == pytest.approx(np_gini(x), abs=1e-9)
    lc = lorenz_curve(t, points=800)
    xs = np.sort(x)
    expect = np.concatenate([[0.0], np.cumsum(xs) / xs.sum()])
    assert len(lc) == 801
    assert np.allclose(lc.value_share.to_numpy(), expect, atol=1e-9)
    assert np.allclose(lc.customer_share.to_numpy(), np.arange(801) / 800)
    # fewer points: still exact at each bucket's end
    lc10 = lorenz_curve(t, points=10)
    assert len(lc10) == 11
    assert np.allclose(lc10.value_share.to_numpy(), expect[::80], atol=1e-9)
    # share of customers making 80%: the smallest top group reaching 80%
    desc = np.sort(x)[::-1]
    k = int(np.argmax(np.cumsum(desc) >= 0.8 * x.sum())) + 1
    assert share_of_customers_making(t, 0.8) == pytest.approx(k / len(x))
    a = abc(t)
    s = class_summary(a).execute().set_index("abc_class")
    assert s.loc["A", "customers"] == k
    assert s.customer_share.sum() == pytest.approx(1.0)


def test_gini_extremes(eng) -> None:
    assert gini(values(eng, "v6", [(f"c{i}", "10") for i in range(5)])) == pytest.approx(0)
    one = values(eng, "v7", [("a", "100")] + [(f"z{i}", "0") for i in range(4)])
    assert gini(one) == pytest.approx(4 / 5)
