from datetime import datetime

import ibis
import numpy as np
import pandas as pd
import pytest

from idic.measure.cohorts import average_curve, cohort_retention, retention_matrix


def orders() -> ibis.Table:
    # A: Jan, Feb, Apr; B: Jan, Mar; C: Feb, Feb, Mar; D: Feb (2025)
    rows = [("A", "2025-01-05"), ("A", "2025-02-10"), ("A", "2025-04-01"),
            ("B", "2025-01-20"), ("B", "2025-03-03"),
            ("C", "2025-02-01"), ("C", "2025-02-25"), ("C", "2025-03-15"),
            ("D", "2025-02-14")]
    df = pd.DataFrame({"customer_id": [r[0] for r in rows],
                       "ordered_at": [datetime.fromisoformat(r[1] + "T12:00:00+00:00")
                                      for r in rows],
                       "amount": [10.0] * len(rows)})
    return ibis.memtable(df)


def test_cohort_retention_by_first_order_month():
    con = ibis.duckdb.connect()
    got = con.execute(cohort_retention(orders()))
    m = retention_matrix(got)
    # expected by hand: Jan cohort {A, B}: m0 2, m1 A, m2 B, m3 A
    #                   Feb cohort {C, D}: m0 2, m1 C, m2 none (observed: April)
    assert list(m.index) == ["2025-01", "2025-02"]
    assert m.loc["2025-01"].tolist() == [1.0, 0.5, 0.5, 0.5]
    feb = m.loc["2025-02"].tolist()
    assert feb[:3] == [1.0, 0.5, 0.0]
    assert np.isnan(feb[3])  # May not observed yet
    sizes = got.groupby("cohort").cohort_size.first().to_dict()
    assert sizes == {"2025-01": 2, "2025-02": 2}
    jan0 = got[(got.cohort == "2025-01") & (got.months_since_first == 0)]
    assert jan0.revenue.iloc[0] == pytest.approx(20.0)


def test_average_curve_weights_cohorts_observed_that_long():
    con = ibis.duckdb.connect()
    curve = average_curve(con.execute(cohort_retention(orders())))
    r = dict(zip(curve.months_since_first, curve.retention, strict=True))
    assert r[0] == 1.0
    assert r[1] == pytest.approx(2 / 4)  # A and C of 4
    assert r[2] == pytest.approx(1 / 4)  # B of 4 (Feb cohort observed in April)
    assert r[3] == pytest.approx(1 / 2)  # A of the Jan cohort only
