"""Analysis of an A/B test from per-unit results (one row per randomised unit).

The engine does the heavy part in one aggregate query per table (per variant: n, sums,
sums of squares, the cross product with the pre-period covariate, and the counts of bad
cells), so ten million rows cost one scan; the statistics then run on those few numbers
(:mod:`idic.customize.experiments.stats`, formulas of GrowthBook's gbstats and Deng et al.
2013 for CUPED).

Peppers & Rogers (ch. 12, "A/B Testing: Some Guidelines for Non-Statisticians") ask for
randomness (checked here as the sample-ratio mismatch χ²), a participation rate (the share
of assigned units that took part, compared across arms) and a sample large enough to be
meaningful (the design module); guardrails are metrics that must not get worse.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from idic.customize.experiments.loading import check_columns, first_bad, number, open_results
from idic.customize.experiments.stats import ArmStats, compare, posterior, srm_p_value
from idic.engine.base import Engine
from idic.errors import InputError

METHODS = ("frequentist", "bayesian")
#: the usual SRM alarm: a split this unlikely under the plan means broken randomisation
SRM_ALARM = 0.001


def aggregate(eng: Engine, t: ir.Table, *, variant: str, value: str, pre: str | None = None,
              extra: Sequence[str] = (), source: str = "input") -> dict[str, dict[str, Any]]:
    """Per variant: n, Σy, Σy², (Σx, Σx², Σxy with ``pre``) and Σ, Σ² of each ``extra``
    column, plus whether each column is 0/1 only. One query; a bad cell raises an
    :class:`InputError` naming its row and column."""
    check_columns(t, source, [variant, value, pre, *extra])
    numeric = [value, *([pre] if pre else []), *extra]
    names = list(dict.fromkeys(numeric))
    u = t.select(_v=t[variant].cast("string"),
                 **{f"_x{i}": number(t[c]) for i, c in enumerate(names)})
    # validation rides on the same scan at little cost: NULLs by count(), NaN and ±inf
    # through the sums (non-finite), blank variants on the grouped keys
    aggs: dict[str, Any] = {"n": u.count()}
    for i in range(len(names)):
        x = u[f"_x{i}"]
        aggs[f"c{i}"] = x.count()
        aggs[f"s{i}"] = x.sum()
        aggs[f"q{i}"] = (x * x).sum()
    if pre:
        aggs["xy"] = (u._x0 * u[f"_x{names.index(pre)}"]).sum()
    query = u.group_by("_v").agg(**aggs)
    try:
        rows = eng.to_arrow(query).to_pylist()
    except Exception:  # e.g. a CSV with quoted line breaks: the engine's stage() retries it
        try:        # with the serial reader
            rows = eng.stage(query, "_idic_experiment_agg").to_pyarrow().to_pylist()
        except Exception as exc:
            raise InputError(f"{source}: cannot read the data: {str(exc).splitlines()[0]}"
                             ) from None
        finally:
            eng.unstage("_idic_experiment_agg")
    if not rows:
        raise InputError(f"{source}: no rows", hint="the results file holds one row per unit")
    if any(r["_v"] is None or not r["_v"].strip()
           or any(r[f"c{i}"] != r["n"] or not math.isfinite(r[f"q{i}"] or 0.0)
                  for i in range(len(names))) for r in rows):
        raise first_bad(eng, t, source, variant, names)
    binary = _binary(u, rows, names, pre)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        d: dict[str, Any] = {"n": int(r["n"]), "binary": binary}
        for i, c in enumerate(names):
            d[c] = (float(r[f"s{i}"] or 0.0), float(r[f"q{i}"] or 0.0))
        if pre:
            d["xy"] = float(r["xy"] or 0.0)
        out[str(r["_v"])] = d
    return out


def _binary(u: ir.Table, rows: list[dict[str, Any]], names: list[str],
            pre: str | None) -> dict[str, bool]:
    """Which columns hold only 0 and 1 (proportions). Σx = Σx² in every arm is necessary
    (and free: the sums are there); only such columns are confirmed with a second scan, so a
    revenue metric costs nothing more. The covariate is always treated as a number."""
    out = {c: False for c in names}
    maybe = [i for i, c in enumerate(names)
             if c != pre and all(r[f"s{i}"] == r[f"q{i}"] for r in rows)]
    if maybe:
        got = u.aggregate(**{f"nb{i}": ((u[f"_x{i}"] != 0) & (u[f"_x{i}"] != 1)).sum()
                             for i in maybe}).to_pyarrow().to_pylist()[0]
        for i in maybe:
            out[names[i]] = not got[f"nb{i}"]
    return out


def _arm(agg: dict[str, Any], value: str, pre: str | None) -> ArmStats:
    s, q = agg[value]
    if pre is None:
        return ArmStats(agg["n"], s, q, binary=agg["binary"][value])
    ps, pq = agg[pre]
    return ArmStats(agg["n"], s, q, ps, pq, agg["xy"], binary=agg["binary"][value],
                    pre_binary=agg["binary"][pre])


def parse_weights(text: str | Sequence[float] | Mapping[str, float] | None,
                  arms: Sequence[str]) -> dict[str, float]:
    """Planned weights per arm: None (equal), numbers in the order of ``arms`` (sorted
    names), ``"0.5,0.5"`` or ``"control=0.5,new=0.5"``."""
    if text is None:
        return {a: 1.0 for a in arms}
    if isinstance(text, Mapping):
        pairs = {str(k): float(w) for k, w in text.items()}
    elif isinstance(text, str):
        parts = [p.strip() for p in text.split(",") if p.strip()]
        try:
            if parts and all("=" in p for p in parts):
                pairs = {k.strip(): float(w) for k, w in (p.rsplit("=", 1) for p in parts)}
            else:
                pairs = dict(zip(arms, [float(p) for p in parts], strict=False))
                if len(parts) != len(arms):
                    raise InputError(f"{len(parts)} weights for {len(arms)} arms "
                                     f"({', '.join(arms)})",
                                     hint="give one weight per arm, in that order, or NAME=W")
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"bad weights {text!r}",
                             hint="e.g. --weights 0.5,0.5 or --weights control=0.5,new=0.5"
                             ) from None
    else:
        if len(text) != len(arms):
            raise InputError(f"{len(text)} weights for {len(arms)} arms")
        pairs = dict(zip(arms, map(float, text), strict=True))
    unknown = [k for k in pairs if k not in arms]
    if unknown or set(pairs) != set(arms):
        raise InputError(f"weights name {sorted(pairs)} but the arms are {list(arms)}")
    if any(not math.isfinite(w) or w < 0 for w in pairs.values()) or sum(pairs.values()) <= 0:
        raise InputError("weights must be non-negative numbers with a positive sum")
    return pairs


def _finite(x: float) -> float | None:
    return x if isinstance(x, float | int) and math.isfinite(x) else None


def _effect_dict(e: Any) -> dict[str, Any]:
    d = e.to_dict()
    return {"effect": _finite(d["effect"]), "se": _finite(d["se"]),
            "ci": [_finite(d["ci"][0]), _finite(d["ci"][1])], "p_value": _finite(d["p_value"])}


def analyze_table(eng: Engine, t: ir.Table, *, variant: str, value: str, control: str,
                  pre: str | None = None, method: str = "frequentist",
                  weights: str | Sequence[float] | Mapping[str, float] | None = None,
                  participation: str | None = None, guardrails: Sequence[str] = (),
                  alpha: float = 0.05, prior_mean: float = 0.0,
                  prior_sd: float | None = None, source: str = "input") -> dict[str, Any]:
    """Analyse an experiment held in ``t`` (one row per unit).

    ``value`` is the outcome (0/1 conversion, revenue, change in CLV); ``pre`` the same
    measure before the test, for CUPED; ``participation`` a 0/1 column (did the unit take
    part); ``guardrails`` columns that must not get worse (``col`` higher is better,
    ``col:lower`` lower is better). Every variant is compared with ``control``.
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", hint="frequentist or bayesian")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha!r}")
    guards = [(g.rsplit(":", 1)[0], g.endswith(":lower")) for g in guardrails]
    extra = [c for c in [participation, *(g for g, _ in guards)] if c]
    agg = aggregate(eng, t, variant=variant, value=value, pre=pre, extra=extra, source=source)
    arms = sorted(agg)
    if control not in agg:
        from idic.suggest import unknown_name

        raise unknown_name("control variant", control, arms,
                           given_in=f"column {variant!r} of {source}")
    if len(arms) < 2:
        raise InputError(f"{source}: only one variant ({control!r}); nothing to compare")
    w = parse_weights(weights, arms)
    counts = [agg[a]["n"] for a in arms]
    srm_p = srm_p_value(counts, [w[a] for a in arms])
    total_w, total_n = sum(w.values()), sum(counts)
    ctrl = _arm(agg[control], value, pre)
    variants: dict[str, Any] = {}
    prior_var = None if prior_sd is None else prior_sd**2
    for a in [control, *[x for x in arms if x != control]]:
        arm = _arm(agg[a], value, pre)
        row: dict[str, Any] = {"n": arm.n, "mean": arm.mean, "is_control": a == control}
        if pre:
            row["pre_mean"] = arm.pre_mean
        if a == control:
            row.update(absolute=None, relative=None)
            if method == "bayesian":
                row.update(chance_to_win=None, expected_loss=None)
            variants[a] = row
            continue
        absolute, relative, theta = compare(ctrl, arm, cuped=pre is not None, alpha=alpha)
        row["absolute"], row["relative"] = _effect_dict(absolute), _effect_dict(relative)
        if pre:
            plain, _, _ = compare(ctrl, arm, alpha=alpha)
            row["cuped"] = {"theta": theta, "variance_reduction":
                            _finite(1 - absolute.se**2 / plain.se**2) if plain.se else None,
                            "unadjusted_effect": plain.effect}
        if method == "bayesian":
            # the prior is on the relative effect; scaled by the control mean for the
            # absolute one. A control mean of 0 has no relative effect: the chance to beat
            # control then comes from the absolute effect (flat prior).
            has_rel = ctrl.mean != 0 and math.isfinite(relative.effect)
            abs_prior = prior_var is not None and has_rel
            post_abs = posterior(absolute, prior_mean=prior_mean * abs(ctrl.mean),
                                 prior_variance=prior_var * ctrl.mean**2 if abs_prior else None,
                                 alpha=alpha)
            posts = {"absolute": post_abs}
            if has_rel:
                posts["relative"] = posterior(relative, prior_mean=prior_mean,
                                              prior_variance=prior_var, alpha=alpha)
            for key, p in posts.items():
                row[key].update(effect=p.mean, se=p.sd, ci=list(p.ci))
            main = posts.get("relative", post_abs)
            row.update(chance_to_win=main.chance_to_win, expected_loss=main.expected_loss,
                       risk_control=main.risk_control,
                       chance_on="relative effect" if has_rel else "absolute effect")
        variants[a] = row
    res: dict[str, Any] = {
        "metric": value, "control": control, "method": method, "alpha": alpha,
        "cuped": pre is not None, "pre_col": pre,
        "metric_type": "proportion" if agg[control]["binary"][value] else "mean",
        "variants": variants,
        "srm": {"p_value": srm_p, "counts": dict(zip(arms, counts, strict=True)),
                "expected": {a: w[a] / total_w * total_n for a in arms},
                "weights": w, "mismatch": srm_p < SRM_ALARM},
    }
    if method == "bayesian":
        res["prior"] = ({"kind": "flat (improper)", "on": "relative effect"} if prior_sd is None
                        else {"kind": "gaussian", "on": "relative effect", "mean": prior_mean,
                              "sd": prior_sd})
    if participation:
        res["participation"] = _participation(agg, arms, participation, control, source)
    if guards:
        res["guardrails"] = _guardrails(agg, arms, control, guards, alpha)
    return res


def _participation(agg: dict[str, Any], arms: list[str], col: str, control: str,
                   source: str) -> dict[str, Any]:
    """Share of the assigned units that took part, per arm, and a χ² test that the share is
    the same in every arm (differing participation biases a comparison of participants)."""
    from scipy import stats

    if not agg[control]["binary"][col]:
        raise InputError(f"{source}: column {col!r} must hold 0 or 1 (took part or not)")
    took = [agg[a][col][0] for a in arms]
    n = [agg[a]["n"] for a in arms]
    table = [[k, m - k] for k, m in zip(took, n, strict=True)]
    if sum(took) in (0, sum(n)):
        p = 1.0
    else:
        p = float(stats.chi2_contingency(table, correction=False)[1])
    return {"column": col, "rate": {a: k / m for a, k, m in zip(arms, took, n, strict=True)},
            "overall": sum(took) / sum(n), "p_value": p}


def _guardrails(agg: dict[str, Any], arms: list[str], control: str,
                guards: list[tuple[str, bool]], alpha: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col, lower_better in guards:
        per: dict[str, Any] = {}
        c = agg[control]
        ca = ArmStats(c["n"], *c[col], binary=c["binary"][col])
        for a in arms:
            if a == control:
                continue
            x = agg[a]
            absolute, relative, _ = compare(ca, ArmStats(x["n"], *x[col],
                                                         binary=x["binary"][col]), alpha=alpha)
            lo, hi = absolute.ci
            harm = hi < 0 if not lower_better else lo > 0
            per[a] = {"absolute": _effect_dict(absolute), "relative": _effect_dict(relative),
                      "status": "harm" if harm else "ok"}
        out[col] = {"direction": "lower is better" if lower_better else "higher is better",
                    "variants": per}
    return out


def analyze_file(path: Path, **opts: Any) -> dict[str, Any]:
    """:func:`analyze_table` on a results file (CSV, Parquet, JSON lines)."""
    eng, t = open_results(Path(path))
    try:
        return analyze_table(eng, t, source=str(path), **opts)
    finally:
        eng.close()


def analyze_arrays(variant: Sequence[Any], value: Sequence[float], *, control: str,
                   pre: Sequence[float] | None = None, **opts: Any) -> dict[str, Any]:
    """:func:`analyze_table` on in-memory columns (tests, notebooks)."""
    import pyarrow as pa

    from idic.engine import open_engine

    cols = {"variant": pa.array([str(v) for v in variant]), "value": pa.array(value,
                                                                              pa.float64())}
    if pre is not None:
        cols["pre"] = pa.array(pre, pa.float64())
    eng = open_engine("duckdb", None)
    try:
        t = eng.from_arrow(pa.table(cols), "_idic_experiment_arrays")
        return analyze_table(eng, t, variant="variant", value="value", control=control,
                             pre="pre" if pre is not None else None, source="arrays", **opts)
    finally:
        eng.close()


__all__ = [
    "aggregate",
    "analyze_arrays",
    "analyze_file",
    "analyze_table",
    "open_results",
    "parse_weights",
]
