"""Uplift: who changes their behaviour *because* they were treated.

Evaluation of a targeting score on a randomised campaign (treatment t ∈ {0, 1}, outcome y):

- **Qini curve** (Radcliffe 2007, "Using control groups to target on predicted lift",
  *Direct Marketing Analytics Journal*): units sorted by score, best first; at each distinct
  score threshold with the top k units, Q(k) = Y_T(k) − Y_C(k)·N_T(k)/N_C(k) — treated
  responders minus control responders scaled to the treated count: the incremental
  responses gained by treating the top k.
- **Uplift curve** (Rzepakowski & Jaroszewicz 2012; Devriendt et al. 2020):
  U(k) = (Y_T(k)/N_T(k) − Y_C(k)/N_C(k))·k.
- **Areas** (normalisation as scikit-uplift 0.5.1's ``qini_auc_score`` and
  ``uplift_auc_score``): trapezoid area between the curve and the random line from (0, 0)
  to (N, Q(N)), divided by the same area of the perfect curve. For Qini the perfect curve
  sorts treated responders first and control responders last (``negative_effect=True``);
  for the uplift curve scikit-uplift's ``perfect_uplift_curve``. 1 = perfect, 0 = random,
  negative = worse than random. scikit-uplift's example: Qini coefficient 0.3127660.
- **Uplift at k**: response rate of the treated minus that of the controls among the top
  k share of all units (scikit-uplift ``uplift_at_k(strategy="overall")``).

The outcome may also be a number (revenue, CLV change): the curves are then sums of it.

Models (scikit-learn estimators, any classifier with ``predict_proba``):
- :class:`TwoModel`: one model on the treated, one on the controls; uplift is the difference
  of their predictions (the "two-model" or T-learner approach).
- :class:`ClassTransformation`: Jaskowski & Jaroszewicz (2012), z = y·t + (1 − y)(1 − t),
  uplift = 2·P(z = 1 | x) − 1, exact for a 50/50 split; other splits are re-weighted to
  50/50 (weights 0.5/p for the treated, 0.5/(1 − p) for controls), which restores it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from idic.errors import InputError, NotFittedError

ArrayLike = Sequence[float] | np.ndarray


def _arrays(y: ArrayLike, score: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, ...]:
    y, s, t = (np.asarray(a, dtype=float) for a in (y, score, t))
    if not (y.ndim == s.ndim == t.ndim == 1) or not len(y) == len(s) == len(t):
        raise InputError(f"outcome, score and treatment need the same length "
                         f"({len(y)}, {len(s)}, {len(t)})")
    if len(y) == 0:
        raise InputError("no units to evaluate")
    if not np.isin(t, (0.0, 1.0)).all():
        raise InputError("the treatment must be 0 (control) or 1 (treated)")
    if not (np.isfinite(y).all() and np.isfinite(s).all()):
        raise InputError("outcome and score must be finite numbers")
    return y, s, t


def _cumulative(y: np.ndarray, s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
    """Counts and outcome sums of the top k units at each distinct score threshold."""
    order = np.argsort(s, kind="mergesort")[::-1]
    y, s, t = y[order], s[order], t[order]
    idx = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]
    n_t = np.cumsum(t)[idx]
    y_t = np.cumsum(y * t)[idx]
    y_c = np.cumsum(y * (1 - t))[idx]
    n_all = idx + 1.0
    return n_all, n_t, n_all - n_t, y_t, y_c


def _start_at_zero(x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.r_[0.0, x], np.r_[0.0, v]


def qini_curve(y: ArrayLike, score: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(number of units targeted, incremental responses) at each distinct threshold,
    starting at (0, 0)."""
    y, s, t = _arrays(y, score, t)
    n_all, n_t, n_c, y_t, y_c = _cumulative(y, s, t)
    ratio = np.divide(n_t, n_c, out=np.zeros_like(n_t), where=n_c != 0)
    return _start_at_zero(n_all, y_t - y_c * ratio)


def uplift_curve(y: ArrayLike, score: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(number of units targeted, uplift × number targeted), starting at (0, 0)."""
    y, s, t = _arrays(y, score, t)
    n_all, n_t, n_c, y_t, y_c = _cumulative(y, s, t)
    rt = np.divide(y_t, n_t, out=np.zeros_like(y_t), where=n_t != 0)
    rc = np.divide(y_c, n_c, out=np.zeros_like(y_c), where=n_c != 0)
    return _start_at_zero(n_all, (rt - rc) * n_all)


def perfect_qini_curve(y: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The Qini curve of the best possible order: treated responders first, control
    responders last (negative effects included)."""
    y, t = np.asarray(y, float), np.asarray(t, float)
    return qini_curve(y, y * t - y * (1 - t), t)


def perfect_uplift_curve(y: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """scikit-uplift's perfect uplift curve (binary outcome)."""
    y, t = np.asarray(y, float), np.asarray(t, float)
    cr = np.sum((y == 1) & (t == 0))
    tn = np.sum((y == 0) & (t == 1))
    summand = y if cr > tn else t
    return uplift_curve(y, 2 * (y == t) + summand, t)


def _area(x: np.ndarray, v: np.ndarray) -> float:
    return float(np.trapezoid(v, x))


def _normalised(actual: tuple[np.ndarray, np.ndarray],
                perfect: tuple[np.ndarray, np.ndarray]) -> float:
    xp, vp = perfect
    base = _area(np.array([0.0, xp[-1]]), np.array([0.0, vp[-1]]))
    denom = _area(xp, vp) - base
    if denom == 0:
        return float("nan")
    return (_area(*actual) - base) / denom


def qini_auc_score(y: ArrayLike, score: ArrayLike, t: ArrayLike) -> float:
    """The Qini coefficient: area between the Qini curve and the random line over the same
    area of the perfect curve (scikit-uplift's ``qini_auc_score``, negative_effect=True)."""
    return _normalised(qini_curve(y, score, t), perfect_qini_curve(y, t))


def uplift_auc_score(y: ArrayLike, score: ArrayLike, t: ArrayLike) -> float:
    """Normalised area under the uplift curve (scikit-uplift's ``uplift_auc_score``)."""
    return _normalised(uplift_curve(y, score, t), perfect_uplift_curve(y, t))


def uplift_at_k(y: ArrayLike, score: ArrayLike, t: ArrayLike, k: float = 0.3) -> float:
    """Treated minus control response among the top ``k`` (a share in (0, 1) or a count)
    of all units by score (scikit-uplift's ``strategy="overall"``)."""
    y, s, t = _arrays(y, score, t)
    n = len(y)
    size = int(n * k) if isinstance(k, float) else int(k)
    if not (0 < k < 1 if isinstance(k, float) else 0 < k < n):
        raise InputError(f"k={k} must be a share in (0, 1) or a count below {n}")
    order = np.argsort(s, kind="mergesort")[::-1][:size]
    yt, tt = y[order], t[order]
    if tt.all() or not tt.any():
        raise InputError(f"the top {size} units hold only one group; uplift needs both")
    return float(yt[tt == 1].mean() - yt[tt == 0].mean())


def thin(x: np.ndarray, v: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points of a curve, evenly spaced along it, ends kept."""
    if max_points < 2 or len(x) <= max_points:
        return x, v
    keep = np.unique(np.linspace(0, len(x) - 1, max_points).round().astype(int))
    return x[keep], v[keep]


def evaluate(y: ArrayLike, score: ArrayLike, t: ArrayLike, *, ks: Sequence[float] = (0.1, 0.2,
             0.3), max_points: int | None = None) -> dict[str, Any]:
    """Everything about a score at once: Qini and uplift curves and areas, uplift at k."""
    y, s, t = _arrays(y, score, t)
    qx, qv = qini_curve(y, s, t)
    ux, uv = uplift_curve(y, s, t)
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    at_k = {}
    for k in ks:
        try:
            at_k[str(k)] = uplift_at_k(y, s, t, k)
        except InputError:
            at_k[str(k)] = None
    qini_auc = _normalised((qx, qv), perfect_qini_curve(y, t))
    uplift_auc = _normalised((ux, uv), perfect_uplift_curve(y, t)) if binary else None
    if max_points:
        qx, qv = thin(qx, qv, max_points)
        ux, uv = thin(ux, uv, max_points)
    return {"n": len(y), "treated": int(t.sum()), "control": int(len(t) - t.sum()),
            "binary_outcome": binary, "qini_x": qx.tolist(), "qini_curve": qv.tolist(),
            "qini_auc": qini_auc, "uplift_x": ux.tolist(), "uplift_curve": uv.tolist(),
            "uplift_auc": uplift_auc, "uplift_at_k": at_k,
            "normalisation": "(area(curve) - area(random)) / (area(perfect) - area(random)), "
                             "trapezoids; perfect Qini with negative effects (scikit-uplift)"}


# -- models ------------------------------------------------------------------------------


def _default_classifier() -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InputError("uplift models need scikit-learn",
                         hint="pip install scikit-learn") from exc
    return LogisticRegression(max_iter=1000)


def _clone(est: Any) -> Any:
    from sklearn.base import clone

    return clone(est)


def _proba(model: Any, x: np.ndarray) -> np.ndarray:
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(x))[:, 1]
    return np.asarray(model.predict(x), dtype=float)


def _check_fit_inputs(x: Any, y: ArrayLike, t: ArrayLike) -> tuple[np.ndarray, ...]:
    x = np.asarray(x, dtype=float)
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    if x.ndim != 2 or len(x) != len(y) or len(y) != len(t):
        raise InputError("X must be 2-D with one row per unit of y and treatment")
    if not np.isin(t, (0.0, 1.0)).all():
        raise InputError("the treatment must be 0 (control) or 1 (treated)")
    if t.all() or not t.any():
        raise InputError("fitting uplift needs treated and control units")
    return x, y, t


@dataclass
class TwoModel:
    """Two-model uplift (T-learner): E[y | x, t=1] − E[y | x, t=0], each from its own copy
    of ``estimator`` (default: logistic regression)."""

    estimator: Any = None

    def fit(self, x: Any, y: ArrayLike, t: ArrayLike) -> TwoModel:
        x, y, t = _check_fit_inputs(x, y, t)
        base = self.estimator if self.estimator is not None else _default_classifier()
        self.model_t_ = _clone(base).fit(x[t == 1], y[t == 1])
        self.model_c_ = _clone(base).fit(x[t == 0], y[t == 0])
        return self

    def predict(self, x: Any) -> np.ndarray:
        """Predicted uplift per row of ``x``."""
        if not hasattr(self, "model_t_"):
            raise NotFittedError("TwoModel is not fitted; call fit(X, y, treatment) first")
        x = np.asarray(x, dtype=float)
        return _proba(self.model_t_, x) - _proba(self.model_c_, x)


@dataclass
class ClassTransformation:
    """Class-transformation uplift (Jaskowski & Jaroszewicz 2012) for a binary outcome:
    a classifier of z = y·t + (1 − y)(1 − t), uplift = 2·P(z = 1 | x) − 1; an unequal split
    is re-weighted to 50/50."""

    estimator: Any = None

    def fit(self, x: Any, y: ArrayLike, t: ArrayLike) -> ClassTransformation:
        x, y, t = _check_fit_inputs(x, y, t)
        if not np.isin(y, (0.0, 1.0)).all():
            raise InputError("class transformation needs a 0/1 outcome; use TwoModel")
        z = (y * t + (1 - y) * (1 - t)).astype(int)
        p = t.mean()
        w = np.where(t == 1, 0.5 / p, 0.5 / (1 - p))
        est = self.estimator if self.estimator is not None else _default_classifier()
        self.model_ = _clone(est).fit(x, z, sample_weight=w)
        self.treated_share_ = float(p)
        return self

    def predict(self, x: Any) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise NotFittedError("ClassTransformation is not fitted; call fit first")
        return 2 * _proba(self.model_, np.asarray(x, dtype=float)) - 1
