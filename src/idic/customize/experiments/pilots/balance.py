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


def covariates(units: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str]
               ) -> tuple[list[tuple[str, str | None]], np.ndarray, np.ndarray]:
    """The covariate matrix once: (covariate, level) labels, values (units x covariates)
    and which columns are 0/1 level indicators."""
    labels: list[tuple[str, str | None]] = []
    cols, binary = [], []
    for col in numeric:
        cols.append(pd.to_numeric(units[col], errors="coerce").fillna(0.0).to_numpy(float))
        labels.append((col, None))
        binary.append(False)
    for col in categorical:
        v = units[col].astype("string").fillna("(missing)")
        for level in sorted(v.value_counts().index[:MAX_LEVELS]):
            cols.append((v == level).to_numpy(float))
            labels.append((col, str(level)))
            binary.append(True)
    x = np.column_stack(cols) if cols else np.zeros((len(units), 0))
    return labels, x, np.array(binary, dtype=bool)


def smd_vector(x: np.ndarray, binary: np.ndarray, test: np.ndarray) -> np.ndarray:
    """:func:`smd` of every column of ``x`` at once (NaN where undefined)."""
    test = np.asarray(test, dtype=bool)
    xt, xc = x[test], x[~test]
    if len(xt) == 0 or len(xc) == 0:
        return np.full(x.shape[1], np.nan)
    mt, mc = xt.mean(axis=0), xc.mean(axis=0)
    vt = np.where(binary, mt * (1 - mt), xt.var(axis=0, ddof=1) if len(xt) > 1 else 0.0)
    vc = np.where(binary, mc * (1 - mc), xc.var(axis=0, ddof=1) if len(xc) > 1 else 0.0)
    pooled = np.sqrt((vt + vc) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (mt - mc) / pooled
    return np.where(pooled > 0, d, np.where(mt == mc, 0.0, np.nan))


def balance_table(units: pd.DataFrame, test: np.ndarray, numeric: Sequence[str],
                  categorical: Sequence[str]) -> list[dict[str, Any]]:
    """One row per covariate (a numeric column, or one level of a categorical column):
    ``covariate``, ``level``, ``mean_test``, ``mean_control``, ``smd``, ``balanced``."""
    labels, x, binary = covariates(units, numeric, categorical)
    return rows_of(labels, x, binary, test)


def rows_of(labels: list[tuple[str, str | None]], x: np.ndarray, binary: np.ndarray,
            test: np.ndarray) -> list[dict[str, Any]]:
    test = np.asarray(test, dtype=bool)
    d = smd_vector(x, binary, test)
    rows = []
    for j, (col, level) in enumerate(labels):
        v = None if not math.isfinite(d[j]) else float(d[j])
        rows.append({"covariate": col, "level": level, "mean_test": _mean(x[test, j]),
                     "mean_control": _mean(x[~test, j]), "smd": v,
                     "balanced": v is not None and abs(v) < SMD_THRESHOLD})
    return rows


def max_abs_smd(rows: list[dict[str, Any]]) -> float:
    vals = [abs(r["smd"]) for r in rows if r["smd"] is not None]
    return max(vals) if vals else 0.0


def _mean(x: np.ndarray) -> float | None:
    return float(np.mean(x)) if len(x) else None
