"""The CDNOW sample loader (data read from the installed lifetimes wheel)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets.cdnow import N_CUSTOMERS, cdnow_sample_path, load_cdnow_sample


def test_load_cdnow_sample():
    assert cdnow_sample_path().name == "CDNOW_sample.txt"
    t = load_cdnow_sample()
    assert t.num_rows == 6919
    assert pc.count_distinct(t["customer_id"]).as_py() == N_CUSTOMERS
    assert t.schema.field("ordered_at").type == pa.timestamp("us", tz="UTC")
    assert t.schema.field("amount").type == pa.decimal128(18, 2)
    assert pc.count_distinct(t["order_id"]).as_py() == 6919
    first = t.slice(0, 1).to_pylist()[0]
    assert first["customer_id"] == "1"
    assert str(first["ordered_at"].date()) == "1997-01-01"
    assert float(first["amount"]) == 29.33
    assert str(pc.max(t["ordered_at"]).as_py().date()) == "1998-06-30"
