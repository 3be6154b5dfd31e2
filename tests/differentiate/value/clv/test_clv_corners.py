"""Predictions stay finite and sensible where lifetimes gives NaN or crashes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from idic.differentiate.value.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from idic.differentiate.value.clv._hyp import log_hyp2f1_1b, log_I
from idic.differentiate.value.clv.bgnbd import _expected_alive, _quadrature

X = np.array([0.0, 0.0, 1.0, 5.0, 3000.0, 5000.0])
TX = np.array([0.0, 0.0, 2.0, 30.0, 38.0, 52.0])
TT = np.array([0.0, 39.0, 39.0, 39.0, 39.0, 52.0])


def test_bgnbd_a_plus_b_below_one():
    m = BetaGeoModel().set_params(r=0.5, alpha=3.0, a=0.3, b=0.4)
    e = m.expected_purchases(52.0, X, TX, TT)
    p = m.probability_alive(X, TX, TT)
    assert np.all(np.isfinite(e)) and np.all(e >= 0)
    assert np.all((p >= 0) & (p <= 1))
    assert p[0] == 1.0 and p[1] == 1.0
    # new customers: E[X(t)] is finite and increasing
    new = m.expected_purchases_new(np.array([1.0, 10.0, 100.0]))
    assert np.all(np.isfinite(new)) and np.all(np.diff(new) > 0)


def test_bgnbd_quadrature_agrees_with_closed_form():
    r, alpha, a, b = 0.2426, 4.4136, 0.793, 2.4259
    x = np.array([0.0, 1.0, 4.0, 20.0])
    T = np.array([30.0, 35.0, 38.0, 39.0])
    closed = _expected_alive(r, alpha, a, b, x, T, 39.0)
    quadv = _quadrature(a, b + x, r + x, 39.0 / (alpha + T))
    np.testing.assert_allclose(quadv, closed, rtol=1e-7)


def test_bgnbd_a_equal_one_is_continuous():
    x, t_x, T = np.array([2.0]), np.array([10.0]), np.array([30.0])
    vals = [BetaGeoModel().set_params(r=0.3, alpha=4.0, a=a, b=2.0)
            .expected_purchases(20.0, x, t_x, T)[0] for a in (0.999, 1.0, 1.001)]
    assert np.all(np.isfinite(vals))
    assert vals[1] == pytest.approx(0.5 * (vals[0] + vals[2]), rel=1e-4)


@pytest.mark.parametrize("params", [
    {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7},   # alpha < beta
    {"r": 0.55, "alpha": 300.0, "s": 0.61, "beta": 0.5},   # alpha >> beta: 2F1 near 1
    {"r": 2.0, "alpha": 1.0, "s": 1.0, "beta": 1.0},       # s = 1 exactly, alpha = beta
])
def test_paretonbd_corners(params):
    m = ParetoNBDModel().set_params(**params)
    p = m.probability_alive(X, TX, TT)
    e = m.expected_purchases(52.0, X, TX, TT)
    ll = m.log_likelihood(X, TX, TT)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    assert np.all(np.isfinite(e)) and np.all(e >= 0)
    assert np.all(np.isfinite(ll))
    assert ll[0] == pytest.approx(0.0, abs=1e-12)  # T = 0: nothing observed, L = 1
    assert p[0] == pytest.approx(1.0)


def test_paretonbd_likelihood_against_numerical_integral():
    r, alpha, s, beta = 0.55, 300.0, 0.61, 0.5
    m = ParetoNBDModel().set_params(r=r, alpha=alpha, s=s, beta=beta)
    from scipy.special import gammaln

    for x, t_x, T in [(3000.0, 38.0, 39.0), (2.0, 10.0, 39.0), (0.0, 0.0, 20.0)]:
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        # integrand scaled by exp(-first) to stay in range
        f = lambda tau, x=x, T=T, first=first: s * np.exp(  # noqa: E731
            -(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau) - first)
        integral = quad(f, t_x, T, epsabs=0, epsrel=1e-12, limit=200)[0]
        expected = head + first + np.log1p(integral)
        got = m.log_likelihood(np.array([x]), np.array([t_x]), np.array([T]))[0]
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_log_hyp2f1_fallback_is_accurate():
    b, c, w = np.array([3000.5, 10000.2]), np.array([3002.1, 10001.8]), np.array([0.999, 0.99])
    got = log_hyp2f1_1b(b, c, w)
    for i in range(2):
        f = lambda t, i=i: np.exp(np.log(c[i] - 1) + (c[i] - 2) * np.log1p(-t)  # noqa: E731
                                  - b[i] * np.log1p(-w[i] * t))
        ref = quad(f, 0, 1, epsabs=0, epsrel=1e-12, limit=500,
                   points=[1 - 1 / c[i], 1 - 10 / c[i], 1 - 100 / c[i]])[0]
        assert got[i] == pytest.approx(np.log(ref), rel=1e-10)
    assert np.isfinite(log_I(np.array([3000.5]), np.array([1.6]), np.array([0.0]), 300.0, 0.5))


def test_zero_spend_and_gammagamma_corners():
    gg = GammaGammaModel().set_params(p=6.25, q=3.74, v=15.44)
    e = gg.expected_spend([0, 1, 3, 1000], [0.0, 0.0, 20.0, 35.0])
    assert np.all(np.isfinite(e)) and np.all(e >= 0)
    assert e[0] == pytest.approx(gg.population_mean_spend())
    assert e[3] == pytest.approx(35.0, rel=0.01)  # heavy buyers: own mean dominates
    bg = BetaGeoModel().set_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
    clv = bg.clv(X, TX, TT, np.zeros(len(X)), spend_model=gg)
    assert np.all(np.isfinite(clv)) and np.all(clv >= 0)
    # without a spend model, zero observed spend is zero value (no crash)
    assert np.all(bg.clv(X, TX, TT, np.zeros(len(X))) == 0)


def test_clv_discounting_semantics():
    bg = BetaGeoModel().set_params(r=0.24, alpha=4.4, a=0.79, b=2.4)
    x, t_x, T = np.array([2.0]), np.array([20.0]), np.array([30.0])
    undiscounted = bg.clv(x, t_x, T, np.array([10.0]), discount_rate=0.0, horizon=12)
    weeks = 12 * 365.25 / 12 / 7
    assert undiscounted[0] == pytest.approx(10.0 * bg.expected_purchases(weeks, x, t_x, T)[0])
    disc = bg.clv(x, t_x, T, np.array([10.0]), discount_rate=0.01, horizon=12)
    assert disc[0] < undiscounted[0]
    half = bg.clv(x, t_x, T, np.array([10.0]), discount_rate=0.01, horizon=12, margin=0.5)
    assert half[0] == pytest.approx(0.5 * disc[0])
    assert bg.clv(x, t_x, T, np.array([10.0]), horizon=0)[0] == 0.0
