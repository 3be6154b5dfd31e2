"""Sample size, MDE and duration against published numbers (Cohen 1988; statsmodels)."""

from __future__ import annotations

import math

import pytest

from idic.customize.experiments.design import (
    cohens_h,
    design,
    duration_days,
    mde_mean,
    mde_proportion,
    sample_size_mean,
    sample_size_proportion,
)
from idic.errors import InputError


def test_cohens_h_12_vs_10_percent_needs_3834_6_per_arm() -> None:
    # the acceptance number: 2·((z.975 + z.8)/h)², h = 0.0639821
    assert cohens_h(0.10, 0.12) == pytest.approx(0.0639821, abs=1e-7)
    assert sample_size_proportion(0.10, 0.02) == pytest.approx(3834.6, abs=0.05)
    d = design(0.10, 0.02, daily_units=1000)
    assert (d.per_arm_whole, d.total, d.days) == (3835, 7670, 8)


def test_mean_t_test_matches_cohen_table() -> None:
    # d = 0.5, α = 0.05 two-sided, power 0.8: 63.77 per arm (statsmodels TTestIndPower
    # 63.7656; Cohen 1988 table 2.4.1 rounds up to 64)
    assert sample_size_mean(0.5, 1.0) == pytest.approx(63.7656, abs=1e-3)
    assert sample_size_mean(5.0, 10.0) == pytest.approx(63.7656, abs=1e-3)
    # d = 0.2: 393.4 per arm (Cohen: 393)
    assert sample_size_mean(0.2, 1.0) == pytest.approx(393.4, abs=0.1)


def test_mde_inverts_sample_size() -> None:
    n = sample_size_proportion(0.05, 0.01, power=0.9, alpha=0.01)
    assert mde_proportion(0.05, n, power=0.9, alpha=0.01) == pytest.approx(0.01, rel=1e-9)
    assert mde_mean(sample_size_mean(3.0, 20.0), 20.0) == pytest.approx(3.0, rel=1e-6)


def test_duration_counts_every_arm_and_the_share_in_the_test() -> None:
    assert duration_days(1000, 100, arms=3, share=0.5) == 60
    assert duration_days(999.2, 2000) == 1


@pytest.mark.parametrize("kwargs", [
    {"baseline": 0.0, "mde": 0.02}, {"baseline": 0.1, "mde": 0.0},
    {"baseline": 0.99, "mde": 0.02}, {"baseline": 0.1, "mde": 0.02, "power": 1.0},
    {"baseline": 0.1, "mde": 0.02, "alpha": math.nan}, {"baseline": 0.1, "mde": 1, "sd": -1},
])
def test_bad_design_inputs_are_clear_errors(kwargs: dict) -> None:
    with pytest.raises(InputError):
        design(**kwargs)
