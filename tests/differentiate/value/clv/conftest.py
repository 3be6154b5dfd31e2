"""CDNOW fixtures for the CLV tests (the sample shipped in the lifetimes wheel)."""

from __future__ import annotations

import warnings

import ibis
import pandas as pd
import pytest

from idic.datasets.cdnow import CALIBRATION_END, HOLDOUT_END, load_cdnow_sample
from idic.differentiate.value.clv.summary import summarize


@pytest.fixture(scope="session")
def cdnow_tx():
    return load_cdnow_sample()


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_tx) -> pd.DataFrame:
    """Calibration / holdout summary in weeks, computed by idic on DuckDB, sorted by id."""
    con = ibis.duckdb.connect()
    t = con.create_table("tx", cdnow_tx)
    df = summarize(t, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END,
                   time_unit="W").to_pandas()
    df["_id"] = df["customer_id"].astype(int)
    return df.sort_values("_id").reset_index(drop=True)


@pytest.fixture(scope="session")
def lifetimes_summary(cdnow_tx) -> pd.DataFrame:
    """lifetimes' calibration_and_holdout_data on the same transactions, sorted by id."""
    from lifetimes.utils import calibration_and_holdout_data

    df = cdnow_tx.to_pandas()
    df["date"] = df["ordered_at"].dt.tz_localize(None)
    df["amount"] = df["amount"].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = calibration_and_holdout_data(
            df[["customer_id", "date", "amount"]], "customer_id", "date",
            calibration_period_end=CALIBRATION_END, observation_period_end=HOLDOUT_END,
            freq="D", freq_multiplier=7, monetary_value_col="amount")
    ref.index = ref.index.astype(int)
    return ref.sort_index()


@pytest.fixture(scope="session")
def rft(cdnow_summary):
    s = cdnow_summary
    return s["frequency"].to_numpy(float), s["recency"].to_numpy(float), s["T"].to_numpy(float)
