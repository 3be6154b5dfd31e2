import math

import pytest

from idic.measure.roc import ROC, return_on_customer


def test_worked_example_from_peppers_and_rogers():
    # cash flow 100, equity 1000 at the start and 950 at the end: (100 - 50) / 1000
    assert return_on_customer(100, 1000, 950) == pytest.approx(0.05)
    r = ROC(cash_flow=100, equity_start=1000, equity_end=950)
    assert r.roc == pytest.approx(0.05)
    assert r.equity_change == -50
    assert r.value_created == 50


def test_growing_equity_adds_to_the_return():
    assert return_on_customer(100, 1000, 1100) == pytest.approx(0.20)


def test_undefined_without_equity_at_the_start():
    with pytest.raises(ValueError, match="positive customer equity"):
        return_on_customer(100, 0, 950)
    with pytest.raises(ValueError):
        return_on_customer(100, math.nan, 950)
    assert ROC(100, 0, 950).roc is None
