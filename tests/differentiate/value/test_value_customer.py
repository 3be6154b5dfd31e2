"""Share of customer against known truth, value categories' precedence, dormancy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pytest

from idic.differentiate.value.categories import value_categories
from idic.differentiate.value.dormancy import dormancy
from idic.differentiate.value.potential import share_of_customer, spend_12m, stated_wallets
from idic.engine import open_engine

AS_OF = date(2024, 12, 31)


@pytest.fixture(scope="module")
def eng():
    e = open_engine("duckdb", None)
    yield e
    e.close()


def test_share_of_customer_against_truth(eng) -> None:
    """Known wallets and shares; half the customers state their wallet in a survey."""
    rng = np.random.default_rng(3)
    n = 1000
    wallet = np.round(rng.lognormal(7, 0.6, n), 2)  # true annual category spend
    soc = rng.beta(6, 6, n)  # true share of customer
    spend = np.round(wallet * soc / 4, 2) * 4  # 4 equal orders in the last year
    ids = [f"p{i:04d}" for i in range(n)]
    when = [datetime(2024, 3, 1, tzinfo=UTC) + timedelta(days=60 * k) for k in range(4)]
    eng.create_table("soc_orders", pa.table({
        "customer_id": [c for c in ids for _ in range(4)],
        "ordered_at": pa.array([w for _ in ids for w in when], pa.timestamp("us", tz="UTC")),
        "amount": np.repeat(spend / 4, 4),
    }))
    asked = rng.random(n) < 0.5
    eng.create_table("soc_surveys", pa.table({
        "customer_id": [c for c, a in zip(ids, asked, strict=True) if a],
        "response_id": [f"r{i}" for i in range(int(asked.sum()))],
        "survey": ["wallet"] * int(asked.sum()),
        "responded_at": pa.array([datetime(2024, 6, 1, tzinfo=UTC)] * int(asked.sum()),
                                 pa.timestamp("us", tz="UTC")),
        "category_spend": wallet[asked],
    }))
    o = eng.table("soc_orders")
    custs = o.select("customer_id").distinct()
    got = share_of_customer(custs, spend_12m(o, as_of=AS_OF),
                            stated_wallets(eng.table("soc_surveys"), as_of=AS_OF))
    df = got.execute().set_index("customer_id").loc[ids]
    # surveyed: the stated wallet, and the true share
    s = df[asked]
    assert (s.wallet_source == "survey").all()
    assert np.allclose(s.wallet, wallet[asked])
    assert np.allclose(s.soc, spend[asked] / wallet[asked])
    # estimated from similar customers: unbiased in total, errors of the size of SOC's spread
    e = df[~asked]
    assert (e.wallet_source == "estimated").all()
    assert (e.wallet >= e.spend_12m).all()
    rel = np.abs(e.wallet.to_numpy() / wallet[~asked] - 1)
    assert np.median(rel) < 0.25
    assert e.wallet.sum() / wallet[~asked].sum() == pytest.approx(1, abs=0.08)
    assert np.corrcoef(np.log(e.wallet), np.log(wallet[~asked]))[0, 1] > 0.8


def test_categories_precedence(eng) -> None:
    # 11 non-BZ customers: MVC = 10% -> fewer than 1.1 customers before -> x0, x1
    # MGC = 20% -> fewer than 2.2 before by unrealised potential -> x0, x1, x3; not MVC: x3
    rows = [("bz", -5.0, 1000.0)]  # below zero wins over everything
    rows += [("x0", 100.0, 900.0), ("x1", 90.0, 800.0), ("x2", 80.0, 0.0), ("x3", 70.0, 700.0)]
    rows += [(f"y{i}", 10.0, float(i)) for i in range(7)]
    eng.create_table("cats", pa.table({
        "customer_id": [r[0] for r in rows], "actual_value": [r[1] for r in rows],
        "unrealised_potential": [r[2] for r in rows]}))
    df = value_categories(eng.table("cats")).execute()
    got = dict(zip(df.customer_id, df.value_category, strict=True))
    assert got["bz"] == "BZ"
    assert got["x0"] == "MVC" and got["x1"] == "MVC"  # also top by potential: MVC first
    assert got["x3"] == "MGC"
    assert got["x2"] == "LMC"
    assert all(got[f"y{i}"] == "LMC" for i in range(7))
    df = value_categories(eng.table("cats"), mvc_top=0.3, mgc_top=0.0).execute()
    got = dict(zip(df.customer_id, df.value_category, strict=True))
    assert [c for c, k in sorted(got.items()) if k == "MVC"] == ["x0", "x1", "x2", "x3"]
    assert "MGC" not in got.values()


def test_dormancy_rules(eng) -> None:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    eng.create_table("dorm", pa.table({
        "customer_id": ["a", "b", "c", "d"],
        "first_order_at": pa.array([t0, t0, t0 + timedelta(days=100), t0],
                                   pa.timestamp("us", tz="UTC")),
        "last_order_at": pa.array([t0 + timedelta(days=30), t0 + timedelta(days=90),
                                   t0 + timedelta(days=100), t0 + timedelta(days=30)],
                                  pa.timestamp("us", tz="UTC")),
        "frequency": [4, 2, 1, 4],
        "recency_days": [11, 95, 50, 200],
    }))
    eng.create_table("alive", pa.table({"customer_id": ["d"], "p_alive": [0.9]}))
    df = dormancy(eng.table("dorm"), p_alive=eng.table("alive")).execute().set_index(
        "customer_id")
    # a: every 10 days, 11 since -> dormant; b: every 90 days, 95 since -> dormant
    assert df.loc["a", "expected_ipt_days"] == pytest.approx(10) and df.loc["a", "dormant"]
    assert df.loc["b", "expected_ipt_days"] == pytest.approx(90) and df.loc["b", "dormant"]
    # c: one order: the mean of repeat customers (10, 90, 10) = 36.67 < 50 -> dormant
    assert df.loc["c", "expected_ipt_days"] == pytest.approx(110 / 3)
    assert df.loc["c", "dormant"]
    # d: would be dormant by rhythm, but the CLV model says alive (0.9)
    assert not df.loc["d", "dormant"]
    df2 = dormancy(eng.table("dorm"), factor=1.5).execute().set_index("customer_id")
    assert not df2.loc["a", "dormant"] and not df2.loc["b", "dormant"]
