"""CDNOW reference numbers (Fader, Hardie & Lee 2005; Fader & Hardie notes) and agreement
with lifetimes' predictions at the same parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from idic.differentiate.value.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
)


def _rel(a: float, b: float) -> float:
    return abs(a / b - 1.0)


def test_summary_matches_lifetimes_exactly(cdnow_summary, lifetimes_summary):
    s, ref = cdnow_summary, lifetimes_summary
    assert len(s) == 2357
    assert (s["_id"].to_numpy() == ref.index.to_numpy()).all()
    for mine, theirs in [("frequency", "frequency_cal"), ("recency", "recency_cal"),
                         ("T", "T_cal"), ("frequency_holdout", "frequency_holdout"),
                         ("duration_holdout", "duration_holdout")]:
        np.testing.assert_array_equal(s[mine].to_numpy(float), ref[theirs].to_numpy(float))
    np.testing.assert_allclose(s["monetary_value"], ref["monetary_value_cal"], rtol=1e-12)
    assert int((s["frequency"] > 0).sum()) == 946


def test_bgnbd_cdnow_reference(rft):
    m = BetaGeoModel().fit(*rft)
    ref = {"r": 0.2426, "alpha": 4.4136, "a": 0.7930, "b": 2.4259}
    for k, v in ref.items():
        assert round(m.params_[k], 4) == pytest.approx(v, abs=1e-4), k
    assert m.log_likelihood_ == pytest.approx(-9582.43, abs=0.005)
    assert m.n_customers_ == 2357
    # standard errors from the Hessian (as reported for this fit, e.g. by lifetimes)
    se = m.standard_errors_
    assert se["r"] == pytest.approx(0.0126, abs=2e-4)
    assert se["alpha"] == pytest.approx(0.3782, abs=2e-3)
    assert se["a"] == pytest.approx(0.1857, abs=2e-3)
    assert se["b"] == pytest.approx(0.7054, abs=5e-3)


def test_paretonbd_cdnow_reference(rft):
    m = ParetoNBDModel().fit(*rft)
    ref = {"r": 0.5533, "alpha": 10.5777, "s": 0.6062, "beta": 11.669}
    for k, v in ref.items():
        assert m.params_[k] == pytest.approx(v, rel=2e-4), k
    assert m.log_likelihood_ == pytest.approx(-9594.98, abs=0.005)
    assert all(np.isfinite(v) and v > 0 for v in m.standard_errors_.values())


def test_gammagamma_cdnow_reference(cdnow_summary):
    s = cdnow_summary
    m = GammaGammaModel().fit(s["frequency"], s["monetary_value"])
    assert m.n_customers_ == 946
    assert m.n_excluded_ == 2357 - 946
    for k, v in {"p": 6.2496, "q": 3.7442, "v": 15.4435}.items():
        assert m.params_[k] == pytest.approx(v, abs=1e-4), k


def test_weights_give_the_same_fit(rft):
    x, t_x, T = rft
    a = BetaGeoModel().fit(x, t_x, T)
    # duplicate every customer: same parameters, twice the log-likelihood
    b = BetaGeoModel().fit(np.r_[x, x], np.r_[t_x, t_x], np.r_[T, T])
    c = BetaGeoModel().fit(x, t_x, T, weights=np.full(len(x), 2.0))
    for k in a.params_:
        assert b.params_[k] == pytest.approx(a.params_[k], rel=1e-6)
        assert c.params_[k] == pytest.approx(a.params_[k], rel=1e-6)
    assert c.log_likelihood_ == pytest.approx(2 * a.log_likelihood_, rel=1e-10)


def _lifetimes(cls, params):
    m = cls()
    m.params_ = pd.Series(params)
    return m


def test_bgnbd_predictions_match_lifetimes(rft):
    from lifetimes import BetaGeoFitter

    x, t_x, T = rft
    m = BetaGeoModel().fit(x, t_x, T)
    lt = _lifetimes(BetaGeoFitter, m.params_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in (1.0, 10.0, 39.0, 52.0):
            np.testing.assert_allclose(
                m.expected_purchases(t, x, t_x, T),
                lt.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T),
                rtol=1e-8)
        np.testing.assert_allclose(m.probability_alive(x, t_x, T),
                                   lt.conditional_probability_alive(x, t_x, T), rtol=1e-10)
        ts = np.array([1.0, 10.0, 39.0, 78.0])
        np.testing.assert_allclose(m.expected_purchases_new(ts),
                                   lt.expected_number_of_purchases_up_to_time(ts), rtol=1e-8)
        for n in (0, 1, 3):
            assert m.probability_of_purchases(n, 39.0) == pytest.approx(
                float(lt.probability_of_n_purchases_up_to_time(39.0, n)), rel=1e-8)


def test_paretonbd_predictions_match_lifetimes(rft):
    from lifetimes import ParetoNBDFitter

    x, t_x, T = rft
    m = ParetoNBDModel().fit(x, t_x, T)
    lt = _lifetimes(ParetoNBDFitter, m.params_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(m.probability_alive(x, t_x, T),
                                   lt.conditional_probability_alive(x, t_x, T), rtol=1e-7)
        for t in (1.0, 39.0):
            np.testing.assert_allclose(
                m.expected_purchases(t, x, t_x, T),
                lt.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T),
                rtol=1e-7)
        ts = np.array([1.0, 39.0, 78.0])
        np.testing.assert_allclose(m.expected_purchases_new(ts),
                                   lt.expected_number_of_purchases_up_to_time(ts), rtol=1e-8)


def test_spend_and_clv_match_lifetimes(cdnow_summary, rft):
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    x, t_x, T = rft
    mval = cdnow_summary["monetary_value"].to_numpy(float)
    bg = BetaGeoModel().fit(x, t_x, T)
    gg = GammaGammaModel().fit(x, mval)
    lt_gg = _lifetimes(GammaGammaFitter, gg.params_)
    lt_bg = _lifetimes(BetaGeoFitter, bg.params_)
    lt_bg.predict = lt_bg.conditional_expected_number_of_purchases_up_to_time
    rep = x > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(
            gg.expected_spend(x[rep], mval[rep]),
            lt_gg.conditional_expected_average_profit(pd.Series(x[rep]), pd.Series(mval[rep])),
            rtol=1e-10)
        # lifetimes' freq="M" steps one model unit per month: compare with time_unit="M"
        ref = lt_gg.customer_lifetime_value(
            lt_bg, pd.Series(x), pd.Series(t_x), pd.Series(T), pd.Series(mval), time=12,
            discount_rate=0.01, freq="M")
    mine = bg.clv(x, t_x, T, mval, spend_model=gg, horizon=12, discount_rate=0.01,
                  time_unit="M")
    np.testing.assert_allclose(mine, ref.to_numpy(), rtol=1e-7)
