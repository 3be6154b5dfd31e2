"""Exact simulators of the buy-till-you-die models (for tests, benchmarks and demos).

Vectorised and exact in continuous time: given the number N of Poisson events in an active
period of length L, the last of the first k events sits at L·Beta(k, N-k+1) (order
statistics of uniforms), so no event-by-event loop is needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _T(n: int, T: Any) -> np.ndarray:
    T = np.asarray(T, dtype=float)
    return np.full(n, float(T)) if T.ndim == 0 else T.astype(float)


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, T: Any,
                   seed: int | np.random.Generator = 0) -> dict[str, np.ndarray]:
    """(x, t_x, T) of ``n`` customers from a BG/NBD process (Fader, Hardie & Lee 2005).

    λ ~ Gamma(r, rate α), p ~ Beta(a, b); each repeat purchase is followed by dropout with
    probability p. ``T`` is a scalar or one age per customer.
    """
    rng = np.random.default_rng(seed)
    T = _T(n, T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    N = rng.poisson(lam * T)  # events of the Poisson process in (0, T]
    J = rng.geometric(np.clip(p, 1e-300, 1.0))  # dropout after the J-th repeat purchase
    x = np.minimum(N, J)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(N - x + 1, 1)), 0.0)
    return {"frequency": x.astype(float), "recency": t_x, "T": T, "lambda": lam, "p": p,
            "alive": J > N}


def simulate_paretonbd(n: int, r: float, alpha: float, s: float, beta: float, T: Any,
                       seed: int | np.random.Generator = 0) -> dict[str, np.ndarray]:
    """(x, t_x, T) of ``n`` customers from a Pareto/NBD process (Schmittlein et al. 1987).

    λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β); lifetime τ ~ Exp(μ).
    """
    rng = np.random.default_rng(seed)
    T = _T(n, T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    tau = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    active = np.minimum(tau, T)
    x = rng.poisson(lam * active)
    t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return {"frequency": x.astype(float), "recency": t_x, "T": T, "lambda": lam, "mu": mu,
            "alive": tau > T}


def simulate_gammagamma(frequency: Any, p: float, q: float, v: float,
                        seed: int | np.random.Generator = 0) -> np.ndarray:
    """Mean spend of the x repeat purchases of each customer (0 when x = 0).

    ν ~ Gamma(q, rate v); each transaction ~ Gamma(p, rate ν); the mean of x of them is
    Gamma(p·x, rate ν·x).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / v, len(x))
    xs = np.maximum(x, 1.0)
    mean = rng.gamma(p * xs, 1.0 / (nu * xs))
    return np.where(x > 0, mean, 0.0)


def round_to_days(sim: dict[str, np.ndarray], days_per_unit: float = 7.0
                  ) -> dict[str, np.ndarray]:
    """Round recency and T down to whole days (as a summary computed from dates would be)."""
    out = dict(sim)
    out["T"] = np.floor(sim["T"] * days_per_unit) / days_per_unit
    out["recency"] = np.minimum(np.floor(sim["recency"] * days_per_unit) / days_per_unit,
                                out["T"])
    return out
