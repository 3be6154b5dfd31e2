"""The statistics against GrowthBook gbstats' own tests (packages/stats/tests/, read at
commit 8f1db44569: frequentist/test_tests.py, bayesian/test_tests.py) and scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from idic.customize.experiments.stats import ArmStats, compare, posterior, srm_p_value
from idic.errors import InputError

A = ArmStats(n=3407, sum=1396.87, sum_squares=52377.9767)
B = ArmStats(n=3461, sum=2422.7, sum_squares=134698.29)


def test_welch_absolute_matches_gbstats() -> None:
    absolute, _, _ = compare(A, B)
    assert absolute.effect == pytest.approx(0.29, abs=5e-6)
    assert absolute.ci == pytest.approx((0.04538, 0.53462), abs=5e-6)
    assert absolute.p_value == pytest.approx(0.02016, abs=5e-6)
    assert absolute.se == pytest.approx(0.12478, abs=5e-6)


def test_delta_method_relative_matches_gbstats() -> None:
    _, relative, _ = compare(A, B)
    assert relative.effect == pytest.approx(0.70732, abs=5e-6)
    assert relative.se == pytest.approx(0.37879, abs=5e-6)
    assert relative.p_value == pytest.approx(0.06191, abs=5e-6)
    assert relative.ci == pytest.approx((-0.03526, 1.44989), abs=5e-6)


def test_bayesian_binomial_flat_prior_matches_gbstats() -> None:
    a = ArmStats(100, 49, 49, binary=True)
    b = ArmStats(100, 51, 51, binary=True)
    _, relative, _ = compare(a, b)
    post = posterior(relative)
    assert post.mean == pytest.approx(0.04082, abs=5e-6)
    assert post.sd == pytest.approx(0.14725, abs=5e-6)
    assert post.chance_to_win == pytest.approx(0.60918, abs=5e-6)
    assert post.ci == pytest.approx((-0.24779, 0.32943), abs=5e-6)
    # gbstats' risk = [risk of keeping control, expected loss of shipping the variant]
    assert (post.risk_control, post.expected_loss) == pytest.approx((0.0814, 0.04058),
                                                                    abs=5e-6)


def test_bayesian_gaussian_and_informative_prior_match_gbstats() -> None:
    a = ArmStats(10, 100, 1002.25)
    b = ArmStats(10, 105, 1111.5)
    _, relative, _ = compare(a, b)
    flat = posterior(relative)
    assert (flat.mean, flat.sd, flat.chance_to_win) == pytest.approx((0.05, 0.03572, 0.91923),
                                                                     abs=5e-6)
    inf = posterior(relative, prior_mean=0.1, prior_variance=0.1)
    assert (inf.mean, inf.sd, inf.chance_to_win) == pytest.approx((0.05063, 0.03549, 0.92315),
                                                                  abs=5e-6)
    assert (inf.risk_control, inf.expected_loss) == pytest.approx((0.05186, 0.00123), abs=5e-6)


def test_srm_matches_gbstats() -> None:
    assert srm_p_value([5000, 5200], [0.5, 0.5]) == pytest.approx(0.04767, abs=5e-6)
    assert srm_p_value([5000, 5200]) == pytest.approx(0.04767, abs=5e-6)
    # an arm planned at weight 0 is left out of the statistic (gbstats: `continue`)
    assert srm_p_value([100, 100, 0], [0.5, 0.5, 0]) == pytest.approx(1.0)
    with pytest.raises(InputError):
        srm_p_value([1, 2], [1.0])


def test_welch_matches_scipy_on_raw_data() -> None:
    rng = np.random.default_rng(3)
    ya, yb = rng.gamma(2.0, 10.0, 400), rng.gamma(2.2, 11.0, 250)
    arm = lambda y: ArmStats(len(y), float(y.sum()), float((y * y).sum()))  # noqa: E731
    absolute, _, _ = compare(arm(ya), arm(yb))
    ref = sps.ttest_ind(yb, ya, equal_var=False)
    assert absolute.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert absolute.df == pytest.approx(ref.df, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert absolute.ci == pytest.approx((ci.low, ci.high), rel=1e-9)


def test_too_small_arm_is_an_input_error() -> None:
    with pytest.raises(InputError, match="at least 2"):
        compare(ArmStats(1, 1.0, 1.0), B)
