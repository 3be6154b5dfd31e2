"""Numerically safe pieces for the Pareto/NBD likelihood (private).

The Pareto/NBD needs integrals of the form

    I(p, q; y) = ∫_y^∞ (α+τ)^-p (β+τ)^-q dτ,        p + q > 1,

which Fader & Hardie (2005, "A Note on Deriving the Pareto/NBD Model and Related
Expressions", eqs. 19-22) write with Gauss' hypergeometric function. We use the two
Pfaff-transformed forms in which the 2F1 always has first parameter 1 and an argument
w in [0, 1) — the region where it is positive, monotone and bounded:

    α ≥ β:  I = (α+y)^-p (β+y)^-(q-1) / (p+q-1) · 2F1(1, p; p+q; (α-β)/(α+y))
    α < β:  I = (β+y)^-q (α+y)^-(p-1) / (p+q-1) · 2F1(1, q; p+q; (β-α)/(β+y))

SciPy's ``hyp2f1`` returns NaN for large second parameters with w near 1 (customers with
thousands of purchases); those rows fall back to adaptive quadrature of the equivalent
integral  2F1(1, b; c; w) = (c-1) ∫_0^∞ e^{-(c-1)v} (1 - w + w e^{-v})^-b dv  in log space.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad
from scipy.special import hyp2f1


def log_hyp2f1_1b(b: np.ndarray, c: np.ndarray, w: np.ndarray) -> np.ndarray:
    """log 2F1(1, b; c; w) for b > 0, c > b, 0 <= w < 1 (vectorised, robust)."""
    b, c, w = np.broadcast_arrays(np.asarray(b, float), np.asarray(c, float),
                                  np.asarray(w, float))
    with np.errstate(all="ignore"):
        v = hyp2f1(1.0, b, c, w)
        out = np.log(v)
    bad = ~np.isfinite(out) | (v < 1.0 - 1e-12)
    if np.any(bad):
        idx = np.flatnonzero(bad)
        out = np.array(out, dtype=float, copy=True)
        for i in idx:
            out.flat[i] = _log_hyp_quad(float(b.flat[i]), float(c.flat[i]), float(w.flat[i]))
    return out


def _log_hyp_quad(b: float, c: float, w: float) -> float:
    """log of (c-1) ∫_0^∞ exp(-(c-1)v - b·log(1 - w + w e^{-v})) dv (concave exponent)."""
    if w <= 0:
        return 0.0
    q = 1.0 - w
    lq, lw = np.log(q), np.log(w)

    def phi(v: float) -> float:
        return -(c - 1.0) * v - b * np.logaddexp(lq, lw - v)

    # maximiser of the concave exponent
    s = c - 1.0 - b
    vstar = 0.0 if s >= 0 else max(np.log(w * (b - c + 1.0) / ((c - 1.0) * q)), 0.0)
    fmax = phi(vstar)
    # width: the exponent falls at least at rate min(c-1, ...) beyond the switch point
    vsw = max(-lq, vstar) + 1.0
    span = vsw + 60.0 / (c - 1.0)
    pts = sorted({vstar, min(vsw, span)})

    def f(v: float) -> float:
        return float(np.exp(phi(v) - fmax))

    total = 0.0
    lo = 0.0
    for hi in [*pts, span]:
        if hi > lo:
            total += quad(f, lo, hi, epsabs=0.0, epsrel=1e-12, limit=200)[0]
            lo = hi
    total += quad(f, span, np.inf, epsabs=0.0, epsrel=1e-10, limit=200)[0]
    return float(np.log(c - 1.0) + fmax + np.log(total))


def log_I(p: np.ndarray, q: np.ndarray, y: np.ndarray, alpha: float, beta: float
          ) -> np.ndarray:
    """log ∫_y^∞ (α+τ)^-p (β+τ)^-q dτ   (p + q > 1; y ≥ 0)."""
    p, q, y = np.broadcast_arrays(np.asarray(p, float), np.asarray(q, float),
                                  np.asarray(y, float))
    s = p + q - 1.0
    if alpha >= beta:
        w = (alpha - beta) / (alpha + y)
        lh = log_hyp2f1_1b(p, p + q, w)
        return -p * np.log(alpha + y) - (q - 1.0) * np.log(beta + y) - np.log(s) + lh
    w = (beta - alpha) / (beta + y)
    lh = log_hyp2f1_1b(q, p + q, w)
    return -q * np.log(beta + y) - (p - 1.0) * np.log(alpha + y) - np.log(s) + lh
