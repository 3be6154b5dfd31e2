"""The summary is the same on Spark as on DuckDB (portable Ibis)."""

from __future__ import annotations

import ibis
import numpy as np
import pytest

from idic.datasets.cdnow import CALIBRATION_END, HOLDOUT_END
from idic.differentiate.value.clv.summary import summarize


@pytest.mark.spark
def test_summary_spark_equals_duckdb(spark_workspace, cdnow_tx):
    con = ibis.duckdb.connect()
    duck = summarize(con.create_table("tx", cdnow_tx), calibration_end=CALIBRATION_END,
                     holdout_end=HOLDOUT_END, time_unit="W").to_pandas()
    spark_workspace.engine.create_table("cdnow_tx", cdnow_tx)
    expr = summarize(spark_workspace.table("cdnow_tx"), calibration_end=CALIBRATION_END,
                     holdout_end=HOLDOUT_END, time_unit="W")
    spark = spark_workspace.engine.to_arrow(expr).to_pandas()
    duck = duck.sort_values("customer_id").reset_index(drop=True)
    spark = spark.sort_values("customer_id").reset_index(drop=True)
    assert len(spark) == len(duck) == 2357
    assert (spark["customer_id"] == duck["customer_id"]).all()
    for col in ("frequency", "recency", "T", "monetary_value", "frequency_holdout",
                "spend_holdout", "duration_holdout"):
        np.testing.assert_allclose(spark[col].to_numpy(float), duck[col].to_numpy(float),
                                   rtol=1e-12, atol=1e-9, err_msg=col)
