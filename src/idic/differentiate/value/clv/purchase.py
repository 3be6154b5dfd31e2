"""What the purchase-process models (BG/NBD, Pareto/NBD) share: conditional expectations and
discounted CLV with explicit time-unit, horizon, margin and discount-rate semantics.

CLV semantics (see docs/clv.md for a worked example):

- the model runs in its **time unit** (D, W or M: days, weeks = 7 days, months = 30.4375 days);
- the **horizon** is in months (default 12) and is cut into monthly steps (the last one may
  be partial);
- the **discount rate** is per month (default 0.01, i.e. 1 % a month ≈ 12.7 % a year); the
  purchases expected in month k are discounted by (1 + d)^-k (end-of-month convention, as
  in lifetimes' ``customer_lifetime_value``);
- the value of a purchase is the expected spend per purchase (Gamma-Gamma, or the
  customer's observed mean when no spend model is given) times the **margin** (the share of
  revenue kept as contribution; 1.0 gives revenue CLV).

    CLV = margin · E[spend] · Σ_k (E[Y(t_k)] - E[Y(t_{k-1})]) · (1 + d)^-k
"""

from __future__ import annotations

from typing import Any

import numpy as np

from idic.differentiate.value.clv.base import BaseModel, check_rft, unique_index
from idic.differentiate.value.clv.summary import unit_days
from idic.errors import InputError

DAYS_PER_MONTH = 365.25 / 12.0


class PurchaseModel(BaseModel):
    """Base of the models of the purchase process, with (x, t_x, T) per customer."""

    def _alive_expected(self, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:
        """Expected purchases in (T, T+t] of a customer known to be alive at T."""
        raise NotImplementedError

    def _p_alive(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def probability_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(the customer is still active at T | x, t_x, T)."""
        x, t_x, T_ = check_rft(frequency, recency, T)
        return self._p_alive(x, t_x, T_)

    def expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in the next ``t`` time units.

        = P(alive | x, t_x, T) · E[purchases in (T, T+t] | alive]; the second factor depends
        on (x, T) only and is computed once per distinct pair.
        """
        x, t_x, T_ = check_rft(frequency, recency, T)
        t = float(t)
        if t <= 0 or len(x) == 0:
            return np.zeros_like(x)
        (ux, uT), inv = unique_index(x, T_)
        return self._alive_expected(t, ux, uT)[inv] * self._p_alive(x, t_x, T_)

    def clv(self, frequency: Any, recency: Any, T: Any, monetary_value: Any = None, *,
            spend_model: Any = None, horizon: float = 12.0, discount_rate: float = 0.01,
            time_unit: str = "W", margin: float = 1.0) -> np.ndarray:
        """Discounted customer lifetime value over ``horizon`` months (module docstring).

        ``monetary_value`` is the mean repeat spend (the summary's column); with a fitted
        ``spend_model`` (Gamma-Gamma) the expected spend E[M | x, m̄] is used instead of it.
        """
        x, t_x, T_ = check_rft(frequency, recency, T)
        spend = self._spend(x, monetary_value, spend_model)
        factor = self.discounted_purchases(x, t_x, T_, horizon=horizon,
                                           discount_rate=discount_rate, time_unit=time_unit)
        return float(margin) * spend * factor

    def _spend(self, x: np.ndarray, monetary_value: Any, spend_model: Any) -> np.ndarray:
        if spend_model is not None:
            m = np.zeros_like(x) if monetary_value is None else monetary_value
            return spend_model.expected_spend(x, m)
        if monetary_value is None:
            raise InputError("clv needs monetary_value or a fitted spend_model")
        m = np.asarray(monetary_value, dtype=float)
        if m.shape != x.shape:
            raise InputError("monetary_value must have one value per customer")
        return m

    def discounted_purchases(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, *,
                             horizon: float, discount_rate: float, time_unit: str
                             ) -> np.ndarray:
        """Σ_k (E[Y(t_k)] - E[Y(t_{k-1})]) (1+d)^-k over monthly steps of the horizon."""
        if horizon < 0 or discount_rate < 0 or discount_rate >= 10:
            raise InputError("horizon must be >= 0 and discount_rate in [0, 10) per month")
        units_per_month = DAYS_PER_MONTH / unit_days(time_unit)
        n_steps = int(np.ceil(horizon - 1e-9)) if horizon > 0 else 0
        if len(x) == 0 or n_steps == 0:
            return np.zeros_like(x)
        (ux, uT), inv = unique_index(x, T)
        acc = np.zeros(len(ux))
        prev = np.zeros(len(ux))
        for k in range(1, n_steps + 1):
            months = min(float(k), float(horizon))
            cur = self._alive_expected(months * units_per_month, ux, uT)
            acc += (cur - prev) / (1.0 + discount_rate) ** months
            prev = cur
        return acc[inv] * self._p_alive(x, t_x, T)
