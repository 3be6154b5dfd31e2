"""Shared machinery of the CLV models: data compression, maximum likelihood, standard errors.

Conventions (scikit-learn): ``__init__`` only stores options; :meth:`fit` returns ``self``;
learned attributes end in ``_`` (``params_``, ``log_likelihood_``, ``standard_errors_``,
``n_customers_``); using a model before ``fit`` raises :class:`~idic.errors.NotFittedError`.

Every model is fitted by maximising the exact log-likelihood of the paper over the
*distinct* data rows (e.g. distinct ``(x, t_x, T)`` triples) weighted by how many
customers share them: the same likelihood as one row per customer, on far fewer rows.
The optimiser works on log-parameters (all parameters are positive) with L-BFGS-B from a
deterministic start, is polished by Newton steps on the exact Hessian of the log-params,
and the result is checked (finite, gradient small, not on a bound) before it is accepted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize

from idic.errors import ConvergenceError, InputError, NotFittedError

LOG_BOUND = 25.0  # parameters live in [e^-25, e^25]; reaching the edge means no interior MLE


def wdot(w: np.ndarray, v: np.ndarray) -> float:
    """Σ w·v without BLAS (``np.dot`` on 1-D arrays goes through OpenBLAS, whose thread
    pool is 100x slower than a plain reduction on a busy machine)."""
    return float(np.multiply(w, v).sum())


def as_float_array(name: str, values: Any, *, allow_negative: bool = False) -> np.ndarray:
    """A 1-D float64 array, checked finite (and non-negative unless allowed)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite values")
    if not allow_negative and np.any(arr < 0):
        raise InputError(f"{name} contains negative values")
    return arr


def check_rft(frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, ...]:
    """Validate the (x, t_x, T) summary used by the buy-till-you-die models."""
    x = as_float_array("frequency", frequency)
    t_x = as_float_array("recency", recency)
    T_ = as_float_array("T", T)
    if not (len(x) == len(t_x) == len(T_)):
        raise InputError("frequency, recency and T must have the same length")
    if np.any(x != np.round(x)):
        raise InputError("frequency must hold whole numbers of repeat purchases")
    if np.any(t_x > T_ + 1e-9):
        raise InputError("recency is larger than T for some customers",
                         hint="recency is the age at the last purchase; T the age at the end")
    if np.any((x == 0) & (t_x > 0)):
        raise InputError("customers with frequency 0 must have recency 0")
    return x, np.minimum(t_x, T_), T_


def factorize_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` (first-seen order) and each row's index among them.

    Hash-based (pandas.factorize per column, then on the combined code): O(n), several times
    faster than ``np.unique(axis=0)`` on a million rows.
    """
    import pandas as pd

    n = len(columns[0])
    if n == 0:
        return [c[:0] for c in columns], np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    for c in columns:
        codes, uniq = pd.factorize(c, sort=False)
        key = key * len(uniq) + codes
    inverse, first = pd.factorize(key, sort=False)
    # position of the first occurrence of each distinct row
    pos = np.empty(len(first), dtype=np.int64)
    pos[inverse[::-1]] = np.arange(n - 1, -1, -1)
    return [np.asarray(c)[pos] for c in columns], inverse.astype(np.int64)


def compress(*columns: np.ndarray, weights: np.ndarray | None = None
             ) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` and the summed weights (counts) of each."""
    n = len(columns[0])
    w = np.ones(n) if weights is None else as_float_array("weights", weights)
    if len(w) != n:
        raise InputError("weights must have one value per customer")
    uniq, inverse = factorize_rows(*columns)
    counts = np.bincount(inverse, weights=w, minlength=len(uniq[0]))
    keep = counts > 0
    return [u[keep] for u in uniq], counts[keep]


def unique_index(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` and, for every input row, the index of its distinct row."""
    return factorize_rows(*columns)


class BaseModel:
    """Base of the CLV models. Subclasses set ``param_names`` and implement ``_negll``."""

    param_names: tuple[str, ...] = ()
    model_name: str = ""

    def __init__(self, *, maxiter: int = 2000, tol: float = 1e-6) -> None:
        self.maxiter = maxiter
        self.tol = tol

    # -- to implement ----------------------------------------------------------------------
    def _negll(self, log_params: np.ndarray, data: dict[str, np.ndarray],
               grad: bool) -> tuple[float, np.ndarray | None]:
        """Negative log-likelihood (and its gradient w.r.t. log-params when ``grad``)."""
        raise NotImplementedError

    def _start(self, data: dict[str, np.ndarray]) -> np.ndarray:
        """Deterministic start values (log-params)."""
        return np.zeros(len(self.param_names))

    analytic_gradient = True

    # -- fitted state ----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if getattr(self, "params_", None) is None:
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet",
                hint="call .fit(...) first, or set params with .set_params(...)",
            )

    def _p(self) -> tuple[float, ...]:
        self._check_fitted()
        return tuple(float(self.params_[k]) for k in self.param_names)

    def set_params(self, **params: float) -> BaseModel:
        """Use known parameters (e.g. a published fit) without fitting; returns self."""
        missing = set(self.param_names) - set(params)
        if missing:
            raise InputError(f"missing parameters: {sorted(missing)}")
        for k in self.param_names:
            if not (np.isfinite(params[k]) and params[k] > 0):
                raise InputError(f"parameter {k} must be positive and finite")
        self.params_ = {k: float(params[k]) for k in self.param_names}
        return self

    def __repr__(self) -> str:
        if getattr(self, "params_", None) is None:
            return f"{type(self).__name__}()"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({inner})"

    def summary(self) -> dict[str, Any]:
        """Parameters, standard errors and fit statistics as a plain dict."""
        self._check_fitted()
        return {
            "model": self.model_name,
            "params": dict(self.params_),
            "standard_errors": dict(getattr(self, "standard_errors_", {}) or {}),
            "log_likelihood": getattr(self, "log_likelihood_", None),
            "n_customers": getattr(self, "n_customers_", None),
        }

    # -- maximum likelihood ----------------------------------------------------------------
    def _objective(self, data: dict[str, np.ndarray]) -> Callable[[np.ndarray], tuple]:
        scale = 1.0 / max(float(data["w"].sum()), 1.0)
        if self.analytic_gradient:
            def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
                v, g = self._negll(theta, data, True)
                return v * scale, g * scale
        else:
            def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
                v, _ = self._negll(theta, data, False)
                g = _fd_gradient(lambda t: self._negll(t, data, False)[0], theta, v, h=1e-7)
                return v * scale, g * scale
        return f

    def _maximise(self, data: dict[str, np.ndarray]) -> None:
        with _single_thread_blas():
            self._maximise_inner(data)

    def _maximise_inner(self, data: dict[str, np.ndarray]) -> None:
        if data["w"].sum() <= 0:
            raise InputError(f"cannot fit {self.model_name}: no customers")
        theta0 = self._start(data)
        f = self._objective(data)
        bounds = [(-LOG_BOUND, LOG_BOUND)] * len(theta0)
        with np.errstate(all="ignore"):
            res = minimize(f, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": self.maxiter, "ftol": 1e-15, "gtol": 1e-10,
                                    "maxcor": 20})
            theta = np.asarray(res.x, dtype=float)
            theta, H = self._polish(theta, data)
        if not np.all(np.isfinite(theta)):
            raise ConvergenceError(f"{self.model_name} fit produced non-finite parameters")
        on_bound = np.abs(theta) >= LOG_BOUND - 1e-3
        names = dict(zip(self.param_names, np.exp(theta), strict=True))
        if np.any(on_bound):
            bad = [n for n, b in zip(self.param_names, on_bound, strict=True) if b]
            raise ConvergenceError(
                f"{self.model_name} fit did not converge: parameter(s) {bad} ran to the edge "
                f"of the parameter space ({_fmt(names)}); the data do not identify them",
                hint="check the summary (enough repeat buyers? calibration period long enough?) "
                     "or try another model",
            )
        n = float(data["w"].sum())
        negll, grad = self._negll(theta, data, True) if self.analytic_gradient else (
            self._negll(theta, data, False)[0], None)
        if grad is None:
            grad = _fd_gradient(lambda t: self._negll(t, data, False)[0], theta, negll,
                                h=1e-6, central=True)
        gnorm = float(np.max(np.abs(grad))) / n
        if not np.isfinite(negll) or gnorm > self.tol:
            raise ConvergenceError(
                f"{self.model_name} fit did not converge (max |gradient| per customer "
                f"{gnorm:.2e} > tol {self.tol:.0e}; optimiser: {res.message}); last "
                f"parameters {_fmt(names)}",
                hint="the data may not fit this model; check the summary or try another model",
            )
        H = self._hessian(theta, data)
        try:
            np.linalg.cholesky(H)
        except np.linalg.LinAlgError:
            raise ConvergenceError(
                f"{self.model_name} fit did not converge to a strict maximum: the "
                f"log-likelihood is flat or saddle-shaped at {_fmt(names)} (Hessian not "
                "positive definite), so the parameters are not identified by these data",
                hint="check the summary (are there repeat buyers? enough history?) "
                     "or try another model",
            ) from None
        self.params_ = {k: float(v) for k, v in names.items()}
        self.log_likelihood_ = float(-negll)
        self.n_customers_ = round(n)
        self.n_iter_ = int(res.nit)
        self.standard_errors_ = _standard_errors(self.param_names, theta, H)

    def _hessian(self, theta: np.ndarray, data: dict[str, np.ndarray]) -> np.ndarray:
        """Hessian of the negative log-likelihood in log-params (finite differences)."""
        k = len(theta)
        H = np.empty((k, k))
        if self.analytic_gradient:
            h = 1e-5
            for j in range(k):
                e = np.zeros(k)
                e[j] = h
                gp = self._negll(theta + e, data, True)[1]
                gm = self._negll(theta - e, data, True)[1]
                H[:, j] = (gp - gm) / (2 * h)
            return 0.5 * (H + H.T)
        h = 1e-4
        f = lambda t: self._negll(t, data, False)[0]  # noqa: E731
        f0 = f(theta)
        for i in range(k):
            ei = np.zeros(k)
            ei[i] = h
            H[i, i] = (f(theta + ei) - 2 * f0 + f(theta - ei)) / h**2
            for j in range(i + 1, k):
                ej = np.zeros(k)
                ej[j] = h
                H[i, j] = H[j, i] = (f(theta + ei + ej) - f(theta + ei - ej)
                                     - f(theta - ei + ej) + f(theta - ei - ej)) / (4 * h * h)
        return H

    def _polish(self, theta: np.ndarray, data: dict[str, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """A few damped Newton steps from the L-BFGS-B answer (exact to ~1e-10)."""
        H = None
        for _ in range(3):
            v0, g = self._negll(theta, data, True) if self.analytic_gradient else (
                self._negll(theta, data, False)[0], None)
            if g is None:
                g = _fd_gradient(lambda t: self._negll(t, data, False)[0], theta, v0,
                                 h=1e-6, central=True)
            H = self._hessian(theta, data)
            try:
                np.linalg.cholesky(H)
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or np.max(np.abs(step)) < 1e-12:
                break
            for damp in (1.0, 0.5, 0.25, 0.1):
                cand = np.clip(theta - damp * step, -LOG_BOUND, LOG_BOUND)
                v1 = self._negll(cand, data, False)[0]
                if np.isfinite(v1) and v1 <= v0 + 1e-12 * abs(v0):
                    theta = cand
                    break
            else:
                break
        return theta, H


def _single_thread_blas() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread during fits: the problems are tiny (2-4 parameters) and
    L-BFGS-B's BLAS calls slow down badly when OpenBLAS threads compete on a busy machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _standard_errors(names: Sequence[str], theta: np.ndarray, H: np.ndarray | None
                     ) -> dict[str, float]:
    """Delta method: se(p) = p * se(log p), from the inverse Hessian in log-params."""
    if H is None:
        return {k: float("nan") for k in names}
    try:
        cov = np.linalg.inv(H)
        var = np.diag(cov)
    except np.linalg.LinAlgError:
        var = np.full(len(names), np.nan)
    se = np.exp(theta) * np.sqrt(np.where(var > 0, var, np.nan))
    return {k: float(v) for k, v in zip(names, se, strict=True)}


def _fd_gradient(f: Callable[[np.ndarray], float], theta: np.ndarray, f0: float, *,
                 h: float, central: bool = False) -> np.ndarray:
    g = np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (f(theta + e) - f(theta - e)) / (2 * h) if central else (f(theta + e) - f0) / h
    return g


def _fmt(params: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in params.items())
