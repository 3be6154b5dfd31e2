"""CLV benchmark: idic vs lifetimes, measured in the same run on the same synthetic data.

Data: N customers acquired uniformly over 12 weeks and observed until week 39 (a CDNOW-like
cohort), purchases simulated exactly from BG/NBD (resp. Pareto/NBD) processes with CDNOW
parameters, ages rounded to whole days as a summary computed from dates would be.

Rows: BG/NBD fit, Pareto/NBD fit, scoring (P(alive) + expected purchases in 39 weeks) of all
customers. Each row also reports the largest relative parameter difference between the two
libraries. lifetimes is used as its documentation shows (one row per customer, no weights);
idic compresses to the distinct (x, t_x, T) rows itself.

    python benchmarks/bench_clv.py           # 1,000,000 customers
    python benchmarks/bench_clv.py --quick   # 100,000 customers
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._timing import best_of
from idic.differentiate.value.clv import BetaGeoModel, ParetoNBDModel
from idic.differentiate.value.clv.simulate import (
    round_to_days,
    simulate_bgnbd,
    simulate_paretonbd,
)

BGNBD_TRUE = {"r": 0.2426, "alpha": 4.4136, "a": 0.7930, "b": 2.4259}
PARETO_TRUE = {"r": 0.5533, "alpha": 10.5777, "s": 0.6062, "beta": 11.669}


def _cohort_T(n: int, seed: int) -> np.ndarray:
    days = np.random.default_rng(seed).integers(0, 84, n)  # acquired in the first 12 weeks
    return (273 - days) / 7.0


def _max_rel(a: dict[str, float], b: dict[str, float]) -> float:
    return max(abs(a[k] / b[k] - 1.0) for k in a)


def _sig4(a: dict[str, float], b: dict[str, float]) -> bool:
    return all(float(f"{a[k]:.4g}") == float(f"{b[k]:.4g}") for k in a)


def _row(name: str, idic_s: float, base_s: float, goal: str, **extra: Any) -> dict[str, Any]:
    """``ratio`` is idic / baseline as in every benchmark; ``speedup`` its inverse."""
    return {"benchmark": name, "idic_s": round(idic_s, 4), "baseline": "lifetimes",
            "baseline_s": round(base_s, 4), "ratio": round(idic_s / base_s, 4),
            "speedup": round(base_s / idic_s, 1), "goal": goal, **extra}


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Run the CLV benchmarks; returns one dict per benchmark."""
    from lifetimes import BetaGeoFitter, ParetoNBDFitter

    n = 100_000 if quick else 1_000_000
    label = f"{n // 1000}k" if n < 1_000_000 else f"{n // 1_000_000}M"
    rows: list[dict[str, Any]] = []
    T = _cohort_T(n, seed=1)

    # -- BG/NBD fit ---------------------------------------------------------------------
    d = round_to_days(simulate_bgnbd(n, *BGNBD_TRUE.values(), T=T, seed=2))
    x, t_x, TT = d["frequency"], d["recency"], d["T"]
    idic_s, bg = best_of(lambda: BetaGeoModel().fit(x, t_x, TT), repeat=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base_s, lt_bg = best_of(lambda: BetaGeoFitter().fit(
            pd.Series(x), pd.Series(t_x), pd.Series(TT)))
    lt_params = {k: float(v) for k, v in lt_bg.params_.items()}
    rows.append(_row(f"bgnbd fit {label} customers", idic_s, base_s, "speedup >= 5x",
                     max_rel_param_diff=_max_rel(bg.params_, lt_params),
                     same_4_significant_digits=_sig4(bg.params_, lt_params),
                     idic_params=bg.params_, baseline_params=lt_params))

    # -- scoring --------------------------------------------------------------------------
    def score_idic() -> tuple[np.ndarray, np.ndarray]:
        return bg.probability_alive(x, t_x, TT), bg.expected_purchases(39.0, x, t_x, TT)

    lt_bg.params_ = pd.Series(bg.params_)  # same parameters for a like-for-like check
    xs, ts, Ts = pd.Series(x), pd.Series(t_x), pd.Series(TT)

    def score_lt() -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lt_bg.conditional_probability_alive(xs, ts, Ts)),
                np.asarray(lt_bg.conditional_expected_number_of_purchases_up_to_time(
                    39.0, xs, ts, Ts)))

    idic_s, (_p1, e1) = best_of(score_idic, repeat=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base_s, (_p2, e2) = best_of(score_lt)
    ok = np.isfinite(e2)
    rows.append(_row(f"bgnbd scoring {label} customers (P(alive) + E[purchases])", idic_s,
                     base_s, "< 1 s for 1M", max_rel_prediction_diff=float(np.max(np.abs(e1[ok] / e2[ok] - 1))),
                     baseline_nan=int((~ok).sum())))

    # -- Pareto/NBD fit -------------------------------------------------------------------
    d = round_to_days(simulate_paretonbd(n, *PARETO_TRUE.values(), T=T, seed=3))
    x, t_x, TT = d["frequency"], d["recency"], d["T"]
    idic_s, pn = best_of(lambda: ParetoNBDModel().fit(x, t_x, TT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base_s, lt_pn = best_of(lambda: ParetoNBDFitter().fit(
            pd.Series(x), pd.Series(t_x), pd.Series(TT)))
    lt_params = {k: float(v) for k, v in lt_pn.params_.items()}
    # the log-likelihood of both answers under idic's exact likelihood
    lt_ll = float(ParetoNBDModel().set_params(**lt_params).log_likelihood(x, t_x, TT).sum())
    rows.append(_row(f"paretonbd fit {label} customers", idic_s, base_s, "speedup >= 30x",
                     max_rel_param_diff=_max_rel(pn.params_, lt_params),
                     same_4_significant_digits=_sig4(pn.params_, lt_params),
                     idic_params=pn.params_, baseline_params=lt_params,
                     idic_ll=pn.log_likelihood_, baseline_ll=lt_ll,
                     ll_gain_over_baseline=pn.log_likelihood_ - lt_ll))
    return rows


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    for row in run(quick=quick):
        extras = {k: v for k, v in row.items()
                  if k not in ("benchmark", "idic_s", "baseline", "baseline_s", "ratio")}
        print(f"{row['benchmark']:<60} idic {row['idic_s']:>8.3f} s   lifetimes "
              f"{row['baseline_s']:>8.3f} s   {row['speedup']:>7.1f}x faster")
        for k, v in extras.items():
            if isinstance(v, dict):
                v = {kk: float(f"{vv:.6g}") for kk, vv in v.items()}
            elif isinstance(v, float):
                v = float(f"{v:.10g}") if k.endswith("_ll") else float(f"{v:.4g}")
            print(f"    {k}: {v}")


if __name__ == "__main__":
    main(sys.argv[1:])
