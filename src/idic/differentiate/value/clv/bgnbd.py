"""BG/NBD: the beta-geometric / negative binomial model of repeat purchasing.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers" the Easy Way:
An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275-284.

While active, a customer buys at Poisson rate λ ~ Gamma(r, α); after every repeat purchase
she drops out with probability p ~ Beta(a, b). Data per customer: x repeat purchases, the
time of the last one t_x, and the age T (all in one time unit, e.g. weeks).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaincinv, digamma, expit, gammaln, hyp2f1

from idic.differentiate.value.clv.base import (
    as_float_array,
    check_rft,
    compress,
    factorize_rows,
    wdot,
)
from idic.differentiate.value.clv.purchase import PurchaseModel


class BetaGeoModel(PurchaseModel):
    """BG/NBD model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    >>> m = BetaGeoModel().fit(frequency, recency, T)          # doctest: +SKIP
    >>> m.params_                                              # doctest: +SKIP
    {'r': 0.2426, 'alpha': 4.4136, 'a': 0.7930, 'b': 2.4259}
    """

    param_names = ("r", "alpha", "a", "b")
    model_name = "bgnbd"

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> BetaGeoModel:
        """Maximise the log-likelihood (FHL 2005, eq. 6) over distinct (x, t_x, T) rows."""
        x, t_x, T_ = check_rft(frequency, recency, T)
        (x, t_x, T_), w = compress(x, t_x, T_, weights=weights)
        (ux,), i_x = factorize_rows(x)
        data = {"x": x, "t_x": t_x, "T": T_, "w": w, "ux": ux, "i_x": i_x}
        self._maximise(data)
        return self

    def _start(self, data: dict[str, np.ndarray]) -> np.ndarray:
        w = data["w"]
        rate = max(float((w * data["x"]).sum() / max((w * data["T"]).sum(), 1e-12)), 1e-6)
        return np.log([1.0, 1.0 / rate, 1.0, 1.0])

    def _negll(self, theta: np.ndarray, data: dict[str, np.ndarray], grad: bool
               ) -> tuple[float, np.ndarray | None]:
        r, alpha, a, b = np.exp(theta)
        return _negll_bgnbd(r, alpha, a, b, data, grad)

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Per-customer log-likelihood at the fitted parameters (FHL 2005, eq. 6)."""
        r, alpha, a, b = self._p()
        x, t_x, T_ = check_rft(frequency, recency, T)
        return _loglik_rows(r, alpha, a, b, x, t_x, T_)

    # -- predictions -----------------------------------------------------------------------
    def _p_alive(self, x: np.ndarray, t_x: np.ndarray, T_: np.ndarray) -> np.ndarray:
        """P(alive | x, t_x, T) (FHL 2005, eq. 11, in log space; 1 when x = 0)."""
        r, alpha, a, b = self._p()
        # odds(dead) = a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x) for x>0
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = (np.log(a) - np.log(np.where(x > 0, b + x - 1, 1.0))
                        + (r + x) * (np.log(alpha + T_) - np.log(alpha + t_x)))
        log_odds = np.where(x > 0, log_odds, -np.inf)
        return np.exp(-np.logaddexp(0.0, log_odds))

    def _alive_expected(self, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Expected purchases in (T, T+t] given alive (FHL 2005, eq. 10 without the P(alive)
        denominator).

        E[(1 - exp(-λ p t)) / p] over the posterior λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x):
        the closed form with the 2F1 where it is numerically safe, a Gauss-Legendre
        quadrature over the Beta posterior quantiles elsewhere (a+b<1 with x=0, a≈1, or an
        overflowing 2F1), so it is finite in every corner.
        """
        r, alpha, a, b = self._p()
        return _expected_alive(r, alpha, a, b, x, T, t)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """E[X(t)] for a customer just acquired (FHL 2005, eq. 7), for an array of t."""
        r, alpha, a, b = self._p()
        t = as_float_array("t", t)
        zeros = np.zeros_like(t)
        return _expected_alive(r, alpha, a, b, zeros, zeros, 1.0, t_array=t)

    def probability_of_purchases(self, n: int, t: float) -> float:
        """P(X(t) = n) for a new customer (FHL 2005, eq. 8)."""
        r, alpha, a, b = self._p()
        from scipy.special import betaln

        n = int(n)
        lt = (gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * np.log(alpha / (alpha + t))
              + n * np.log(t / (alpha + t)) if t > 0 else (0.0 if n == 0 else -np.inf))
        term1 = np.exp(betaln(a, b + n) - betaln(a, b) + lt)
        if n == 0:
            return float(term1)
        js = np.arange(n)
        lj = (gammaln(r + js) - gammaln(r) - gammaln(js + 1) + r * np.log(alpha / (alpha + t))
              + js * np.log(t / (alpha + t)))
        term2 = np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * (1 - np.exp(lj).sum())
        return float(term1 + term2)


# -- likelihood -----------------------------------------------------------------------------
def _loglik_rows(r: float, alpha: float, a: float, b: float, x: np.ndarray, t_x: np.ndarray,
                 T: np.ndarray) -> np.ndarray:
    (ux,), i_x = factorize_rows(x)
    ll, *_ = _parts(r, alpha, a, b, x, t_x, T, ux, i_x)
    return ll


def _parts(r, alpha, a, b, x, t_x, T, ux, i_x):
    """ln L = lnΓ(r+x) - lnΓ(r) + r ln α + ln B(a, b+x) - ln B(a, b)
    + ln[(α+T)^-(r+x) + δ(x>0) a/(b+x-1) (α+t_x)^-(r+x)]   (FHL 2005, eq. 6).

    Terms that depend on x only are computed once per distinct x."""
    log_aT = np.log(alpha + T)
    log_at = np.log(alpha + t_x)
    u1 = -(r + x) * log_aT
    pos = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        u2 = np.log(a) - np.log(np.where(pos, b + x - 1, 1.0)) - (r + x) * log_at
    u2 = np.where(pos, u2, -np.inf)
    mix = np.logaddexp(u1, u2)
    w2 = np.exp(u2 - mix)
    head = (gammaln(r + ux) - gammaln(r) + gammaln(b + ux) - gammaln(b) + gammaln(a + b)
            - gammaln(a + b + ux))
    ll = head[i_x] + r * np.log(alpha) + mix
    return ll, w2, log_aT, log_at, pos


def _negll_bgnbd(r, alpha, a, b, data, grad):
    x, t_x, T, w, ux, i_x = (data[k] for k in ("x", "t_x", "T", "w", "ux", "i_x"))
    ll, w2, log_aT, log_at, pos = _parts(r, alpha, a, b, x, t_x, T, ux, i_x)
    val = -float(wdot(w, ll))
    if not grad:
        return val, None
    w1 = 1.0 - w2
    wx = np.bincount(i_x, weights=w, minlength=len(ux))  # customers per distinct x
    dab_u = digamma(a + b) - digamma(a + b + ux)
    # x-only parts of the gradient, summed per distinct x
    g_r = wdot(wx, digamma(r + ux) - digamma(r)) + np.log(alpha) * w.sum() \
        - wdot(w, w1 * log_aT + w2 * log_at)
    g_alpha = r / alpha * w.sum() - wdot(w, (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x)))
    g_a = wdot(wx, dab_u) + wdot(w, w2) / a
    g_b = wdot(wx, digamma(b + ux) - digamma(b) + dab_u) \
        - wdot(w, np.where(pos, w2 / np.where(pos, b + x - 1, 1), 0))
    g = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
    return val, -g


# -- conditional expectation ----------------------------------------------------------------
def _expected_alive(r, alpha, a, b, x, T, t, t_array=None):
    """E[(1 - exp(-λ p t))/p] with λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x): the expected
    purchases in (T, T+t] of a customer known to be alive at T (FHL 2005, eq. 10 / P(alive))."""
    tt = np.full_like(x, t, dtype=float) if t_array is None else t_array
    m = r + x
    bx = b + x
    c = a + bx - 1
    z = tt / (alpha + T + tt)
    with np.errstate(all="ignore"):
        closed = (c / (a - 1)) * (1 - np.exp(m * np.log1p(-z)) * hyp2f1(m, bx, c, z))
    ok = (np.isfinite(closed) & (closed >= 0) & (c > 0.5) & (abs(a - 1) > 1e-3)
          & (closed <= m * tt / (alpha + T) * (1 + 1e-9) + 1e-300))
    out = np.where(tt > 0, closed, 0.0)
    bad = np.flatnonzero(~ok & (tt > 0))
    if len(bad):
        out[bad] = _quadrature(a, bx[bad], m[bad], tt[bad] / (alpha + T[bad]))
    return out


def _tanh_sinh(h: float = 1.0 / 16.0, tmax: float = 4.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tanh-sinh (double exponential) rule on [0, 1]: nodes u, 1-u (exact) and weights."""
    j = np.arange(-int(tmax / h), int(tmax / h) + 1) * h
    z = 0.5 * np.pi * np.sinh(j)
    u = expit(2 * z)
    v = expit(-2 * z)
    w = h * 0.5 * np.pi * np.cosh(j) * 2.0 * u * v
    return u, v, w


_U, _V, _W = _tanh_sinh()


def _quadrature(a: float, bx: np.ndarray, m: np.ndarray, k: np.ndarray) -> np.ndarray:
    """E_p[(1 - (1 + p k)^-m) / p], p ~ Beta(a, bx), by tanh-sinh quadrature over quantiles.

    The integrand is bounded by m*k and smooth in p; integrating over the Beta quantile
    u = F(p) removes the Beta density, and the double-exponential rule absorbs the end-point
    singularities of F^-1 (lower half: p = F^-1(u); upper half: p = 1 - G^-1(1-u) with G
    the Beta(bx, a) CDF, so nodes near u = 1 stay exact).
    """
    lower = _U <= 0.5
    p = np.empty((len(bx), len(_U)))
    p[:, lower] = betaincinv(a, bx[:, None], _U[None, lower])
    p[:, ~lower] = 1.0 - betaincinv(bx[:, None], a, _V[None, ~lower])
    mk = (m * k)[:, None]
    with np.errstate(all="ignore"):
        # (1 - (1+pk)^-m)/p, written with expm1/log1p; tends to m*k as p -> 0
        g = -np.expm1(-m[:, None] * np.log1p(p * k[:, None])) / p
    g = np.where(p > 1e-300, g, mk)
    return (g * _W).sum(axis=1)
