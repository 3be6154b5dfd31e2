"""Parameter recovery on simulated data, sBG reference numbers, errors and conventions."""

from __future__ import annotations

import numpy as np
import pytest

from idic.differentiate.value.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from idic.differentiate.value.clv.simulate import (
    simulate_bgnbd,
    simulate_gammagamma,
    simulate_paretonbd,
)
from idic.errors import ConvergenceError, InputError, NotFittedError


def _within(fitted, truth, se, k=4.0):
    for name, v in truth.items():
        assert abs(fitted[name] - v) < k * se[name], (name, fitted[name], v, se[name])


def test_bgnbd_parameter_recovery():
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
    T = np.random.default_rng(7).uniform(30, 60, 20000)
    d = simulate_bgnbd(20000, *truth.values(), T=T, seed=11)
    m = BetaGeoModel().fit(d["frequency"], d["recency"], d["T"])
    _within(m.params_, truth, m.standard_errors_)
    # P(alive) is calibrated against the simulated truth
    p = m.probability_alive(d["frequency"], d["recency"], d["T"])
    assert abs(p.mean() - d["alive"].mean()) < 0.02


def test_paretonbd_parameter_recovery():
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 12.0}
    d = simulate_paretonbd(20000, *truth.values(), T=52.0, seed=3)
    m = ParetoNBDModel().fit(d["frequency"], d["recency"], d["T"])
    _within(m.params_, truth, m.standard_errors_)


def test_gammagamma_parameter_recovery():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 15, 20000).astype(float)
    mval = simulate_gammagamma(x, 6.0, 4.0, 15.0, seed=5)
    m = GammaGammaModel().fit(x, mval)
    _within(m.params_, {"p": 6.0, "q": 4.0, "v": 15.0}, m.standard_errors_)


def test_sbg_fader_hardie_2007_reference():
    # "high end" cohort of Fader & Hardie (2007), years 0-7: alpha=0.668, beta=3.806,
    # LL=-1611.2; "regular": alpha=0.704, beta=1.182
    reg = ShiftedBetaGeoModel().fit_survival([1000, 631, 468, 382, 326, 289, 262, 241])
    assert reg.params_["alpha"] == pytest.approx(0.704, abs=5e-4)
    assert reg.params_["beta"] == pytest.approx(1.182, abs=5e-4)
    m = ShiftedBetaGeoModel().fit_survival([1000, 869, 743, 653, 593, 551, 517, 491])
    assert m.params_["alpha"] == pytest.approx(0.668, abs=5e-4)
    assert m.params_["beta"] == pytest.approx(3.806, abs=5e-4)
    assert m.log_likelihood_ == pytest.approx(-1611.2, abs=0.05)
    s = m.survival([1, 2, 7])
    assert s[0] == pytest.approx(m.params_["beta"] / (m.params_["alpha"] + m.params_["beta"]))
    assert np.all(np.diff(m.retention_rate([1, 2, 3, 10])) > 0)
    derl = m.expected_residual_lifetime([0, 5], discount_rate=0.1)
    assert np.all(np.isfinite(derl)) and derl[1] > derl[0]
    assert np.isinf(m.expected_residual_lifetime([0], 0.0)[0])  # alpha < 1: infinite mean


def test_sbg_derl_matches_sum():
    m = ShiftedBetaGeoModel().set_params(alpha=1.5, beta=3.0)
    d, n = 0.1, 4
    # DERL = sum_{k>=1} S(n+k)/S(n) / (1+d)^(k-1)... for a renewal at the start of each period
    ks = np.arange(1, 4000)
    direct = np.sum(m.survival(n + ks) / m.survival([n])[0] / (1 + d) ** (ks - 1))
    assert m.expected_residual_lifetime([n], d)[0] == pytest.approx(direct, rel=1e-6)


def test_not_fitted_and_input_errors():
    for cls in (BetaGeoModel, ParetoNBDModel):
        with pytest.raises(NotFittedError):
            cls().probability_alive([1], [1], [2])
    with pytest.raises(NotFittedError):
        GammaGammaModel().expected_spend([1], [1])
    with pytest.raises(InputError):
        BetaGeoModel().fit([1, 2], [3, 1], [2, 5])  # recency > T
    with pytest.raises(InputError):
        BetaGeoModel().fit([1.5], [1], [2])
    with pytest.raises(InputError):
        BetaGeoModel().fit([1, np.nan], [1, 1], [2, 2])
    with pytest.raises(InputError):
        GammaGammaModel().fit([0, 0], [0, 0])


def test_fit_returns_self_and_is_deterministic():
    d = simulate_bgnbd(3000, 0.3, 5.0, 0.9, 3.0, T=40.0, seed=1)
    m1 = BetaGeoModel()
    assert m1.fit(d["frequency"], d["recency"], d["T"]) is m1
    m2 = BetaGeoModel().fit(d["frequency"], d["recency"], d["T"])
    assert m1.params_ == m2.params_
    assert "BetaGeoModel(r=" in repr(m1)
    assert m1.summary()["model"] == "bgnbd"


def test_non_identified_fit_raises_convergence_error():
    # nobody ever comes back: the purchase rate runs to zero
    with pytest.raises(ConvergenceError, match="did not converge"):
        BetaGeoModel().fit(np.zeros(100), np.zeros(100), np.full(100, 30.0))


def test_recovery_on_demo_generator_process():
    """The demo world's own BG/NBD / Gamma-Gamma draws give back its true parameters."""
    dp = pytest.importorskip("idic.datasets.demo_people")
    do = pytest.importorskip("idic.datasets.demo_orders")
    rng = np.random.default_rng(2024)
    n = 20000
    truth = dp.BGNBD
    lam = rng.gamma(truth["r"], 1.0 / truth["alpha"], n)
    p = rng.beta(truth["a"], truth["b"], n)
    T = rng.uniform(10, 104, n)
    draw = do.simulate_bgnbd(rng, lam, p, T)
    t_x = np.zeros(n)
    np.maximum.at(t_x, draw.owner, draw.offsets_w)
    m = BetaGeoModel().fit(draw.x, t_x, T)
    _within(m.params_, truth, m.standard_errors_)
    gg_truth = dp.GAMMA_GAMMA
    mval = simulate_gammagamma(draw.x, *gg_truth.values(), seed=9)
    gg = GammaGammaModel().fit(draw.x, mval)
    _within(gg.params_, gg_truth, gg.standard_errors_)
