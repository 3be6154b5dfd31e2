"""RFM and ABC give identical tables on DuckDB and on Spark local mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from idic.differentiate.value.abc import abc, customer_values
from idic.differentiate.value.rfm import rfm
from idic.engine import open_engine

pytestmark = pytest.mark.spark


def orders() -> pa.Table:
    """800 orders of a few hundred customers with ties in every measure (whole-cent amounts from a
    small set, order times on a coarse grid, many one-order customers)."""
    rng = np.random.default_rng(11)
    n = 800
    cust = np.minimum(rng.geometric(0.012, n), 400)
    t0 = datetime(2023, 1, 1, tzinfo=UTC)
    when = [t0 + timedelta(hours=12 * int(h)) for h in rng.integers(0, 1000, n)]
    amount = [Decimal(x) for x in rng.choice(["9.99", "10.00", "25.50", "0.01", "-5.00"], n)]
    return pa.table({
        "customer_id": [f"k{c:03d}" for c in cust],
        "order_id": [f"o{i}" for i in range(n)],
        "ordered_at": pa.array(when, pa.timestamp("us", tz="UTC")),
        "amount": pa.array(amount, pa.decimal128(18, 2)),
    })


def compute(engine) -> dict[str, pd.DataFrame]:
    engine.create_table("orders", orders())
    o = engine.table("orders")
    out = {}
    engine.create_table("rfm", rfm(o, as_of="2024-06-30", order_col="order_id"))
    engine.create_table("abc", abc(customer_values(o)))
    for name in ("rfm", "abc"):
        df = engine.to_pandas(engine.table(name)).sort_values("customer_id")
        out[name] = df.reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[dict, dict]:
    pytest.importorskip("pyspark")
    duck = open_engine("duckdb", None)
    spark = open_engine("spark", Path(tmp_path_factory.mktemp("spark-value")))
    try:
        return compute(duck), compute(spark)
    finally:
        duck.close()
        spark.close()


@pytest.mark.parametrize("name", ["rfm", "abc"])
def test_identical_on_duckdb_and_spark(results, name: str) -> None:
    d, s = results[0][name], results[1][name]
    assert list(d.columns) == list(s.columns)
    assert len(d) == len(s) > 100
    for col in d.columns:
        a, b = d[col].tolist(), s[col].tolist()
        if col == "share_before":
            assert np.allclose(np.array(a, float), np.array(b, float), rtol=0, atol=1e-12)
        else:
            assert [str(x) for x in a] == [str(x) for x in b], col
