"""Pareto/NBD: the original "counting your customers" model.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting Your Customers: Who Are
They and What Will They Do Next? *Management Science* 33(1), 1-24.
Fader, P. S. & Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD Model and Related
Expressions. http://brucehardie.com/notes/009/ (likelihood eq. 22, P(alive) eq. 23,
conditional expectation eq. 24).

While active, a customer buys at Poisson rate λ ~ Gamma(r, α); her lifetime is exponential
with rate μ ~ Gamma(s, β). The likelihood (note, eq. 22) is

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s ∫_{t_x}^T (α+τ)^-(r+x) (β+τ)^-(s+1) dτ ]

which we evaluate, without the cancellation of the note's A0 difference, as

    L = Γ(r+x) α^r β^s / Γ(r) · [ (r+x) I(r+x+1, s; T) + s I(r+x, s+1; t_x) ]

(integration by parts; I(p, q; y) = ∫_y^∞ (α+τ)^-p (β+τ)^-q dτ, see :mod:`._hyp`), all in
log space with log-sum-exp. The 2F1 values depend on (x, t_x) or (x, T) only, so each is
computed once per distinct pair.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaln

from idic.differentiate.value.clv._hyp import log_I
from idic.differentiate.value.clv.base import (
    as_float_array,
    check_rft,
    compress,
    factorize_rows,
    wdot,
)
from idic.differentiate.value.clv.purchase import PurchaseModel


class ParetoNBDModel(PurchaseModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), maximum likelihood."""

    param_names = ("r", "alpha", "s", "beta")
    model_name = "paretonbd"
    analytic_gradient = False

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> ParetoNBDModel:
        """Maximise the log-likelihood (Fader & Hardie 2005 note, eq. 22)."""
        x, t_x, T_ = check_rft(frequency, recency, T)
        (x, t_x, T_), w = compress(x, t_x, T_, weights=weights)
        self._maximise(_prepare(x, t_x, T_, w))
        return self

    def _start(self, data: dict[str, np.ndarray]) -> np.ndarray:
        w = data["w"]
        rate = max(float((w * data["x"]).sum() / max((w * data["T"]).sum(), 1e-12)), 1e-6)
        mean_T = float((w * data["T"]).sum() / w.sum())
        return np.log([1.0, 1.0 / rate, 1.0, max(mean_T, 1e-3)])

    def _negll(self, theta: np.ndarray, data: dict[str, np.ndarray], grad: bool
               ) -> tuple[float, None]:
        r, alpha, s, beta = np.exp(theta)
        ll = _loglik(r, alpha, s, beta, data)
        return -float(wdot(data["w"], ll)), None

    def log_likelihood(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Per-customer log-likelihood at the fitted parameters."""
        r, alpha, s, beta = self._p()
        x, t_x, T_ = check_rft(frequency, recency, T)
        return _loglik(r, alpha, s, beta, _prepare(x, t_x, T_, np.ones_like(x)))

    # -- predictions -----------------------------------------------------------------------
    def _log_parts(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        r, alpha, s, beta = self._p()
        data = _prepare(x, t_x, T, np.ones_like(x))
        log_bracket = _log_bracket(r, alpha, s, beta, data)
        log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        return log_alive, log_bracket

    def _p_alive(self, x: np.ndarray, t_x: np.ndarray, T_: np.ndarray) -> np.ndarray:
        """P(alive at T | x, t_x, T) (note, eq. 23), as a ratio of log-space terms."""
        if len(x) == 0:
            return np.zeros(0)
        log_alive, log_bracket = self._log_parts(x, t_x, T_)
        return np.minimum(np.exp(log_alive - log_bracket), 1.0)

    def _alive_expected(self, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """E[purchases in (T, T+t] | alive] (note, eq. 24 without P(alive)):
        (r+x)(β+T) / ((α+T)(s-1)) · [1 - ((β+T)/(β+T+t))^(s-1)], continuous at s = 1."""
        r, alpha, s, beta = self._p()
        L = np.log1p(t / (beta + T))
        return (r + x) * (beta + T) / (alpha + T) * _expm1_ratio(s - 1.0, L)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """E[X(t)] for a newly acquired customer: rβ/(α(s-1)) · [1 - (β/(β+t))^(s-1)]."""
        r, alpha, s, beta = self._p()
        t = as_float_array("t", t)
        return r * beta / alpha * _expm1_ratio(s - 1.0, np.log1p(t / beta))


def _expm1_ratio(k: float, L: np.ndarray) -> np.ndarray:
    """(1 - exp(-k L)) / k, continuous at k = 0 (where it is L)."""
    if abs(k) < 1e-10:
        return L * (1 - 0.5 * k * L)
    return -np.expm1(-k * L) / k


def _prepare(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray
             ) -> dict[str, np.ndarray]:
    """Index the distinct (x, t_x) and (x, T) pairs of the rows."""
    xt, i_xt = factorize_rows(x, t_x)
    xT, i_xT = factorize_rows(x, T)
    (ux,), i_x = factorize_rows(x)
    return {"x": x, "t_x": t_x, "T": T, "w": w, "xt": np.column_stack(xt), "i_xt": i_xt,
            "xT": np.column_stack(xT), "i_xT": i_xT, "ux": ux, "i_x": i_x}


def _log_bracket(r: float, alpha: float, s: float, beta: float, data: dict[str, np.ndarray]
                 ) -> np.ndarray:
    """log[(r+x) I(r+x+1, s; T) + s I(r+x, s+1; t_x)] per row."""
    xt, xT = data["xt"], data["xT"]
    log_J = np.log(s) + log_I(r + xt[:, 0], s + 1.0, xt[:, 1], alpha, beta)
    log_K = np.log(r + xT[:, 0]) + log_I(r + xT[:, 0] + 1.0, s, xT[:, 1], alpha, beta)
    return np.logaddexp(log_J[data["i_xt"]], log_K[data["i_xT"]])


def _loglik(r: float, alpha: float, s: float, beta: float, data: dict[str, np.ndarray]
            ) -> np.ndarray:
    ux = data["ux"]
    head = (gammaln(r + ux) - gammaln(r))[data["i_x"]] + r * np.log(alpha) + s * np.log(beta)
    return head + _log_bracket(r, alpha, s, beta, data)
