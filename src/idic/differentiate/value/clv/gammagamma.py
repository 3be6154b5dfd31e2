"""Gamma-Gamma model of spend per transaction.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis. *Journal of Marketing Research* 42(4), 415-430 (section "Modeling
the monetary value"); Colombo, R. & Jiang, W. (1999). A stochastic RFM model. *Journal of
Interactive Marketing* 13(3), 2-12; Fader & Hardie (2013), "The Gamma-Gamma Model of
Monetary Value", http://brucehardie.com/notes/025/ (likelihood eq. 3, conditional
expectation eq. 5).

A customer's transaction values are Gamma(p, ν); her ν ~ Gamma(q, γ) across customers
(γ is called ``v`` here, as in lifetimes). Fitted on customers with x ≥ 1 repeat purchases
and positive mean repeat spend m̄; spend is assumed independent of the purchase process.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from idic.differentiate.value.clv.base import BaseModel, as_float_array, compress, wdot
from idic.errors import InputError


class GammaGammaModel(BaseModel):
    """Gamma-Gamma spend model, maximum likelihood on (x, m̄) of repeat buyers."""

    param_names = ("p", "q", "v")
    model_name = "gammagamma"

    def fit(self, frequency: Any, monetary_value: Any, weights: Any = None) -> GammaGammaModel:
        """Maximise the likelihood of the observed mean spends (note 025, eq. 3).

        Customers with x = 0 or m̄ = 0 carry no information about spend per transaction
        and are left out (their number is kept in ``n_excluded_``).
        """
        x = as_float_array("frequency", frequency)
        m = as_float_array("monetary_value", monetary_value)
        if len(x) != len(m):
            raise InputError("frequency and monetary_value must have the same length")
        w = np.ones_like(x) if weights is None else as_float_array("weights", weights)
        keep = (x > 0) & (m > 0)
        self.n_excluded_ = round(float(w[~keep].sum()))
        if not np.any(keep):
            raise InputError("Gamma-Gamma needs customers with repeat purchases and spend > 0")
        (xk, mk), wk = compress(x[keep], m[keep], weights=w[keep])
        self._maximise({"x": xk, "m": mk, "w": wk})
        return self

    def _start(self, data: dict[str, np.ndarray]) -> np.ndarray:
        mean = float(np.average(data["m"], weights=data["w"]))
        return np.log([1.0, 2.0, max(mean, 1e-6)])

    def _negll(self, theta: np.ndarray, data: dict[str, np.ndarray], grad: bool
               ) -> tuple[float, np.ndarray | None]:
        p, q, v = np.exp(theta)
        x, m, w = data["x"], data["m"], data["w"]
        px = p * x
        lvm = np.log(v + x * m)
        ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
              + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * lvm)
        val = -float(wdot(w, ll))
        if not grad:
            return val, None
        dpq = digamma(px + q)
        dp = x * (dpq - digamma(px) + np.log(m) + np.log(x) - lvm)
        dq = dpq - digamma(q) + np.log(v) - lvm
        dv = q / v - (px + q) / (v + x * m)
        g = np.array([wdot(w, dp) * p, wdot(w, dq) * q, wdot(w, dv) * v])
        return val, -g

    # -- predictions -----------------------------------------------------------------------
    def expected_spend(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        """E[M | x, m̄] = p(v + x m̄)/(px + q - 1) (note 025, eq. 5): a weighted mean of the
        population mean pv/(q-1) and the customer's own mean m̄ (m̄ = 0 is allowed).

        Customers with x = 0 get the population mean; it exists only when q > 1 (else NaN).
        """
        p, q, v = self._p()
        x = as_float_array("frequency", frequency)
        m = as_float_array("monetary_value", monetary_value)
        m = np.where(x > 0, m, 0.0)
        denom = p * x + q - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            out = p * (v + x * m) / denom
        return np.where(denom > 0, out, np.nan)

    def population_mean_spend(self) -> float:
        """E[Z] = pv/(q-1) for a new customer (NaN when q <= 1: no finite mean)."""
        p, q, v = self._p()
        return p * v / (q - 1.0) if q > 1 else float("nan")
