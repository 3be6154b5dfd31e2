"""The needs features are the same on DuckDB and Spark (local mode)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from idic.differentiate.needs.features import needs_features
from idic.workspace import Workspace

pytestmark = pytest.mark.spark
CATS = ("books", "home", "toys")


def orders(ws: Workspace) -> pa.Table:
    rng = np.random.default_rng(5)
    n = 300
    rows = []
    for i in range(n):
        k = int(rng.integers(1, 4))
        items = ",".join(
            f'{{"sku":"S-{int(rng.integers(1, 9))}","category":"{CATS[int(rng.integers(0, 3))]}",'
            f'"qty":{int(rng.integers(1, 3))},"price":{int(rng.integers(100, 5000)) / 100}}}'
            for _ in range(k))
        rows.append({"order_id": f"o{i}", "source": "web",
                     "source_customer_id": f"c{int(rng.integers(0, 60))}",
                     "ordered_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=i),
                     "amount": None, "currency": "EUR",
                     "channel": ["web", "store", "app"][i % 3], "margin": None,
                     "items": f"[{items}]"})
    schema = ws.table("orders").schema().to_pyarrow()
    df = pd.DataFrame(rows)
    df["amount"] = [pa.scalar(10, pa.decimal128(18, 2)).as_py()] * n
    df["_batch_id"] = "t"
    df["_ingested_at"] = datetime(2025, 6, 1, tzinfo=UTC)
    return pa.Table.from_pandas(df[schema.names], preserve_index=False).cast(schema)


def compute(ws: Workspace) -> pd.DataFrame:
    ws.engine.create_table("orders", orders(ws))
    t, _ = needs_features(ws)
    df = ws.engine.to_pandas(t).sort_values("customer_id").reset_index(drop=True)
    return df[sorted(df.columns)]


def test_features_identical_on_duckdb_and_spark(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    with Workspace.init(tmp_path / "d") as d, Workspace.init(tmp_path / "s", engine="spark") as s:
        a, b = compute(d), compute(s)
    assert len(a) > 40
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
