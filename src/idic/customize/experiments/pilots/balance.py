"""Covariate balance of a test/control split: standardised mean differences.

SMD = (mean_test - mean_control) / sqrt((var_test + var_control) / 2), the sample variances
(n - 1) of each group, and p(1 - p) for a 0/1 indicator (one per level of a categorical
covariate). |SMD| < 0.1 is the usual threshold of a negligible imbalance (Austin 2009,
"Balance diagnostics for comparing the distribution of baseline covariates between treatment
groups in propensity-score matched samples", *Statistics in Medicine* 28: 3083-3107).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: |SMD| below this is a negligible imbalance (Austin 2009)
SMD_THRESHOLD = 0.1
#: categorical covariates with more levels than this are summarised by their top levels
MAX_LEVELS = 12


def smd(x_t: np.ndarray, x_c: np.ndarray, *, binary: bool = False) -> float | None:
    """Standardised mean difference of ``x_t`` against ``x_c`` (None when undefined)."""
    if len(x_t) == 0 or len(x_c) == 0:
        return None
    mt, mc = float(np.mean(x_t)), float(np.mean(x_c))
    if binary:
        vt, vc = mt * (1 - mt), mc * (1 - mc)
    else:
        vt = float(np.var(x_t, ddof=1)) if len(x_t) > 1 else 0.0
        vc = float(np.var(x_c, ddof=1)) if len(x_c) > 1 else 0.0
    pooled = math.sqrt((vt + vc) / 2)
    if pooled == 0:
        return 0.0 if mt == mc else None
    return (mt - mc) / pooled


def balance_table(units: pd.DataFrame, test: np.ndarray, numeric: Sequence[str],
                  categorical: Sequence[str]) -> list[dict[str, Any]]:
    """One row per covariate (a numeric column, or one level of a categorical column):
    ``covariate``, ``level``, ``mean_test``, ``mean_control``, ``smd``, ``balanced``."""
    rows: list[dict[str, Any]] = []
    test = np.asarray(test, dtype=bool)
    for col in numeric:
        x = pd.to_numeric(units[col], errors="coerce").fillna(0.0).to_numpy(float)
        d = smd(x[test], x[~test])
        rows.append({"covariate": col, "level": None, "mean_test": _mean(x[test]),
                     "mean_control": _mean(x[~test]), "smd": d,
                     "balanced": d is not None and abs(d) < SMD_THRESHOLD})
    for col in categorical:
        v = units[col].astype("string").fillna("(missing)")
        levels = v.value_counts().index[:MAX_LEVELS]
        for level in sorted(levels):
            x = (v == level).to_numpy(float)
            d = smd(x[test], x[~test], binary=True)
            rows.append({"covariate": col, "level": str(level), "mean_test": _mean(x[test]),
                         "mean_control": _mean(x[~test]), "smd": d,
                         "balanced": d is not None and abs(d) < SMD_THRESHOLD})
    return rows


def max_abs_smd(rows: list[dict[str, Any]]) -> float:
    vals = [abs(r["smd"]) for r in rows if r["smd"] is not None]
    return max(vals) if vals else 0.0


def _mean(x: np.ndarray) -> float | None:
    return float(np.mean(x)) if len(x) else None
