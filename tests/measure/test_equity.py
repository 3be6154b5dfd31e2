import pandas as pd
import pytest

from idic.measure.equity import customer_equity, discounted_value, equity_change


def test_equity_is_the_sum_of_discounted_clv(workspace):
    # two customers, yearly margins, 10% discount rate
    a = [100, 100, 100]
    b = [50, 0, 200]
    clv_a = 100 / 1.1 + 100 / 1.1**2 + 100 / 1.1**3
    clv_b = 50 / 1.1 + 200 / 1.1**3
    assert discounted_value(a, 0.10) == pytest.approx(clv_a)
    assert discounted_value(b, 0.10) == pytest.approx(clv_b)
    values = [discounted_value(a, 0.10), discounted_value(b, 0.10)]
    assert customer_equity(values) == pytest.approx(clv_a + clv_b)
    df = pd.DataFrame({"customer_id": ["a", "b", "c"], "clv": [*values, None]})
    assert customer_equity(df) == pytest.approx(clv_a + clv_b)
    # the same on an engine table
    workspace.engine.create_table("clv_test", df)
    assert customer_equity(workspace.table("clv_test")) == pytest.approx(clv_a + clv_b)


def test_no_discount_is_a_plain_sum():
    assert discounted_value([10, 20, 30], 0.0) == pytest.approx(60)
    with pytest.raises(ValueError):
        discounted_value([10], -1.0)


def test_equity_change_decomposes_start_to_end():
    start = pd.DataFrame({"customer_id": ["a", "b", "c"], "clv": [100.0, 50.0, 30.0]})
    end = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "clv": [120.0, 20.0, 30.0, 40.0]})
    ch = equity_change(start, end)
    assert ch.start == 180 and ch.end == 210
    assert ch.acquired == 40 and ch.grown == 20 and ch.declined == -30
    assert ch.start + ch.acquired + ch.grown + ch.declined == pytest.approx(ch.end)
    assert (ch.customers_start, ch.customers_end, ch.customers_acquired) == (3, 4, 1)
