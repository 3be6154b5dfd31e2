"""Shifted-beta-geometric (sBG) model of contractual retention.

Fader, P. S. & Hardie, B. G. S. (2007). How to Project Customer Retention. *Journal of
Interactive Marketing* 21(1), 76-90 (P(T=t) eq. 3, S(t) eq. 4 / 7, retention eq. 8,
likelihood eq. 5). Discounted expected residual lifetime: Fader & Hardie (2010),
Customer-Base Valuation in a Contractual Setting: The Perils of Ignoring Heterogeneity.
*Marketing Science* 29(1), 85-93 (eq. 6).

Each subscriber renews at the end of every period with probability 1-θ until she churns;
θ ~ Beta(α, β) across subscribers. ``T`` is the number of periods a subscriber stays:
P(T=t) = B(α+1, β+t-1)/B(α, β) and S(t) = P(T>t) = B(α, β+t)/B(α, β).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma

from idic.differentiate.value.clv._hyp import log_hyp2f1_1b
from idic.differentiate.value.clv.base import BaseModel, as_float_array, compress, wdot
from idic.errors import InputError


class ShiftedBetaGeoModel(BaseModel):
    """sBG retention model (Fader & Hardie 2007), maximum likelihood."""

    param_names = ("alpha", "beta")
    model_name = "sbg"

    def fit(self, periods: Any, churned: Any, weights: Any = None) -> ShiftedBetaGeoModel:
        """Fit on one row per subscriber (or per group, with ``weights``).

        ``periods``: whole number of periods t ≥ 1 the subscriber stayed (churned) or has
        been observed to stay so far (still active); ``churned``: True if she left after
        period t (contributes P(T=t)), False if still active (contributes S(t)).
        """
        t = as_float_array("periods", periods)
        c = np.asarray(churned, dtype=bool).reshape(-1)
        if len(c) != len(t):
            raise InputError("periods and churned must have the same length")
        if np.any(t != np.round(t)):
            raise InputError("periods must be whole numbers")
        if np.any(c & (t < 1)):
            raise InputError("a churned subscriber stayed at least 1 period")
        (tt, cc), w = compress(t, c.astype(float), weights=weights)
        self._maximise({"t": tt, "c": cc > 0.5, "w": w})
        return self

    def fit_survival(self, n_alive: Any) -> ShiftedBetaGeoModel:
        """Fit on a cohort's survivor counts n_0, n_1, ..., n_k (Fader & Hardie 2007, eq. 5):
        n_{t-1} - n_t subscribers churn in period t; n_k are still active after k periods."""
        n = as_float_array("n_alive", n_alive)
        if len(n) < 2 or np.any(np.diff(n) > 0):
            raise InputError("n_alive must be a non-increasing sequence of at least 2 counts")
        k = len(n) - 1
        periods = np.concatenate([np.arange(1, k + 1), [k]])
        churned = np.concatenate([np.ones(k, bool), [False]])
        weights = np.concatenate([-np.diff(n), [n[-1]]])
        keep = weights > 0
        return self.fit(periods[keep], churned[keep], weights=weights[keep])

    def _start(self, data: dict[str, np.ndarray]) -> np.ndarray:
        return np.log([1.0, 1.0])

    def _negll(self, theta: np.ndarray, data: dict[str, np.ndarray], grad: bool
               ) -> tuple[float, np.ndarray | None]:
        a, b = np.exp(theta)
        t, c, w = data["t"], data["c"], data["w"]
        base = betaln(a, b)
        ll_c = betaln(a + 1, b + t - 1) - base
        ll_s = betaln(a, b + t) - base
        ll = np.where(c, ll_c, ll_s)
        val = -float(wdot(w, ll))
        if not grad:
            return val, None
        d_base_a = digamma(a) - digamma(a + b)
        d_base_b = digamma(b) - digamma(a + b)
        da = np.where(c, digamma(a + 1) - digamma(a + b + t), digamma(a) - digamma(a + b + t))
        db = np.where(c, digamma(b + t - 1) - digamma(a + b + t),
                      digamma(b + t) - digamma(a + b + t))
        g = np.array([wdot(w, da - d_base_a) * a, wdot(w, db - d_base_b) * b])
        return val, -g

    # -- predictions -----------------------------------------------------------------------
    def churn_probability(self, t: Any) -> np.ndarray:
        """P(T = t), t = 1, 2, ... (eq. 3)."""
        a, b = self._p()
        t = as_float_array("t", t)
        return np.exp(betaln(a + 1, b + t - 1) - betaln(a, b))

    def survival(self, t: Any) -> np.ndarray:
        """S(t) = P(T > t) = B(α, β+t)/B(α, β) (eq. 7)."""
        a, b = self._p()
        t = as_float_array("t", t)
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def retention_rate(self, t: Any) -> np.ndarray:
        """r_t = S(t)/S(t-1) = (β+t-1)/(α+β+t-1) (eq. 8)."""
        a, b = self._p()
        t = as_float_array("t", t)
        return (b + t - 1) / (a + b + t - 1)

    def probability_alive(self, periods: Any, churned: Any | None = None) -> np.ndarray:
        """P(still a subscriber): 0 for those seen to churn, else 1 (contractual setting)."""
        t = as_float_array("periods", periods)
        if churned is None:
            return np.ones_like(t)
        return np.where(np.asarray(churned, bool), 0.0, 1.0)

    def expected_residual_lifetime(self, periods: Any, discount_rate: float = 0.0
                                   ) -> np.ndarray:
        """DERL(d | α, β, n) (Fader & Hardie 2010, eq. 6): the discounted expected number of
        *future* renewals of a subscriber who has just made her n-th renewal (periods = n).

        DERL = B(α, β+n+1)/B(α, β+n) · 2F1(1, β+n+1; α+β+n+1; 1/(1+d)). With d = 0 it is
        finite only when α > 1 (else ``inf``).
        """
        a, b = self._p()
        n = as_float_array("periods", periods)
        d = float(discount_rate)
        if d < 0:
            raise InputError("discount_rate must be non-negative")
        lead = betaln(a, b + n + 1) - betaln(a, b + n)
        if d == 0:
            if a <= 1:
                return np.full_like(n, np.inf)
            # 2F1(1, b'; c; 1) = (c-1)/(c-1-b') = (α+β+n)/(α-1)
            return np.exp(lead) * (a + b + n) / (a - 1)
        return np.exp(lead + log_hyp2f1_1b(b + n + 1, a + b + n + 1,
                                           np.full_like(n, 1.0 / (1.0 + d))))

    def clv(self, periods: Any, margin_per_period: Any, discount_rate: float) -> np.ndarray:
        """Expected discounted value of future renewals: margin x DERL (payments at the
        start of each future period, discounted at ``discount_rate`` per period)."""
        m = np.asarray(margin_per_period, dtype=float)
        return m * self.expected_residual_lifetime(periods, discount_rate)
