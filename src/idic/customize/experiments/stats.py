"""The statistics of an A/B test from per-arm sufficient statistics (n, sums, sums of
squares, cross products): what the engine aggregates, so any number of rows is one pass.

Every formula follows GrowthBook's ``gbstats`` (MIT; ``packages/stats/gbstats``), and its
own tests are ours (``tests/customize/experiments/test_experiment_stats.py``):

- absolute effect μ_B − μ_A, variance σ²_B/n_B + σ²_A/n_A; relative effect
  (μ_B − μ_A)/|μ_A| with its variance by the delta method
  σ²_B/(n_B μ_A²) + σ²_A μ_B²/(n_A μ_A⁴) (``gbstats.utils.frequentist_variance``);
- Welch's t test, degrees of freedom by Welch–Satterthwaite on the arms' variances, the
  same ν for the relative effect (``gbstats.frequentist.tests.TwoSidedTTest``);
- CUPED (Deng, Xu, Kohavi & Walker 2013, "Improving the sensitivity of online controlled
  experiments by utilizing pre-experiment data", WSDM): Y − θ·X with
  θ = cov(Y, X)/var(X) pooled over the two arms compared, the relative effect's variance as
  ``gbstats.models.tests.frequentist_variance_relative_cuped``;
- Bayesian: a Gaussian posterior on the effect (``EffectBayesianABTest``): data N(δ̂, se²)
  times the prior N(m, v) (default: flat and improper, so the posterior is N(δ̂, se²));
  chance to beat control P(δ > 0); expected loss E[max(0, −δ)] of shipping the variant;
- a variable whose every value is 0 or 1 is a proportion with variance p(1 − p) (gbstats'
  ``ProportionStatistic``); other variables use the sample variance (n − 1);
- sample-ratio mismatch: Pearson's χ² of the counts against the planned weights
  (``gbstats.utils.check_srm``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

from idic.errors import InputError


@dataclass(frozen=True)
class ArmStats:
    """Sufficient statistics of one arm: the outcome Y and, for CUPED, the pre-period X."""

    n: int
    sum: float
    sum_squares: float
    pre_sum: float | None = None
    pre_sum_squares: float | None = None
    sum_products: float | None = None
    binary: bool = False
    pre_binary: bool = False

    @property
    def has_pre(self) -> bool:
        return self.pre_sum is not None

    @property
    def mean(self) -> float:
        return self.sum / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        return _variance(self.n, self.sum, self.sum_squares, self.binary)

    @property
    def pre_mean(self) -> float:
        return (self.pre_sum or 0.0) / self.n if self.n else 0.0

    @property
    def pre_variance(self) -> float:
        return _variance(self.n, self.pre_sum or 0.0, self.pre_sum_squares or 0.0,
                         self.pre_binary)

    @property
    def covariance(self) -> float:
        return _covariance(self.n, self.sum, self.pre_sum or 0.0, self.sum_products or 0.0,
                           self.binary and self.pre_binary)

    def __add__(self, other: ArmStats) -> ArmStats:
        pre = self.has_pre and other.has_pre
        return ArmStats(
            self.n + other.n, self.sum + other.sum, self.sum_squares + other.sum_squares,
            (self.pre_sum or 0.0) + (other.pre_sum or 0.0) if pre else None,
            (self.pre_sum_squares or 0.0) + (other.pre_sum_squares or 0.0) if pre else None,
            (self.sum_products or 0.0) + (other.sum_products or 0.0) if pre else None,
            self.binary and other.binary, self.pre_binary and other.pre_binary)


def _variance(n: int, s: float, ss: float, binary: bool) -> float:
    if n <= 1:
        return 0.0
    if binary:
        p = s / n
        return p * (1 - p)
    return max((ss - s * s / n) / (n - 1), 0.0)


def _covariance(n: int, sa: float, sb: float, sp: float, binary: bool) -> float:
    if n <= 1:
        return 0.0
    if binary:
        return sp / n - sa * sb / n**2
    return (sp - sa * sb / n) / (n - 1)


def pooled_theta(a: ArmStats, b: ArmStats) -> float:
    """CUPED's θ = cov(Y, X)/var(X) over both arms together (0 when X or Y is constant)."""
    j = a + b
    if j.pre_variance <= 0 or j.variance <= 0:
        return 0.0
    return j.covariance / j.pre_variance


@dataclass(frozen=True)
class Effect:
    """One effect estimate (absolute or relative) with its interval and test."""

    effect: float
    se: float
    ci: tuple[float, float]
    p_value: float
    df: float

    def to_dict(self) -> dict[str, Any]:
        return {"effect": self.effect, "se": self.se, "ci": list(self.ci),
                "p_value": self.p_value, "df": self.df}


def _adjusted(s: ArmStats, theta: float) -> tuple[float, float]:
    """(mean, variance) of Y − θX in one arm."""
    if theta == 0:
        return s.mean, s.variance
    return (s.mean - theta * s.pre_mean,
            max(s.variance + theta**2 * s.pre_variance - 2 * theta * s.covariance, 0.0))


def welch_df(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    """Welch–Satterthwaite degrees of freedom."""
    num = (var_b / n_b + var_a / n_a) ** 2
    den = var_b**2 / (n_b**2 * (n_b - 1)) + var_a**2 / (n_a**2 * (n_a - 1))
    return num / den if den > 0 else math.inf


def _t_effect(est: float, se: float, df: float, alpha: float) -> Effect:
    if not se > 0:
        return Effect(est, 0.0, (est, est), math.nan, df)
    q = float(stats.t.ppf(1 - alpha / 2, df))
    p = float(2 * stats.t.sf(abs(est / se), df))
    return Effect(est, se, (est - q * se, est + q * se), p, df)


def compare(a: ArmStats, b: ArmStats, *, cuped: bool = False,
            alpha: float = 0.05) -> tuple[Effect, Effect, float]:
    """Absolute and relative effect of ``b`` against control ``a`` (Welch t test), and the
    CUPED θ used (0 without CUPED). Raises :class:`InputError` when an arm has fewer than
    two units or the control mean is 0 (no relative effect)."""
    for name, s in (("control", a), ("variant", b)):
        if s.n < 2:
            raise InputError(f"the {name} arm has {s.n} unit(s); a test needs at least 2")
    theta = pooled_theta(a, b) if cuped and a.has_pre and b.has_pre else 0.0
    ma, va = _adjusted(a, theta)
    mb, vb = _adjusted(b, theta)
    df = welch_df(va, a.n, vb, b.n)
    absolute = _t_effect(mb - ma, math.sqrt(vb / b.n + va / a.n), df, alpha)
    base = a.mean  # the unadjusted control mean
    if base == 0:
        rel = Effect(math.nan, math.nan, (math.nan, math.nan), math.nan, df)
        return absolute, rel, theta
    if theta == 0:
        var_rel = vb / (b.n * base**2) + va * mb**2 / (a.n * base**4)
    else:  # gbstats' frequentist_variance_relative_cuped
        v_trt = vb / (b.n * base**2)
        const = -b.mean
        v_ctrl = (a.variance * const**2 / base**2 + 2 * theta * a.covariance * const / base
                  + theta**2 * a.pre_variance) / (a.n * base**2)
        var_rel = v_trt + v_ctrl
    relative = _t_effect((mb - ma) / abs(base), math.sqrt(max(var_rel, 0.0)), df, alpha)
    return absolute, relative, theta


@dataclass(frozen=True)
class Posterior:
    """Gaussian posterior of an effect: mean, sd, credible interval, chance to beat
    control, and the expected loss of choosing the variant (and of keeping control)."""

    mean: float
    sd: float
    ci: tuple[float, float]
    chance_to_win: float
    expected_loss: float
    risk_control: float

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "sd": self.sd, "ci": list(self.ci),
                "chance_to_win": self.chance_to_win, "expected_loss": self.expected_loss,
                "risk_control": self.risk_control}


def posterior(effect: Effect, *, prior_mean: float = 0.0, prior_variance: float | None = None,
              alpha: float = 0.05) -> Posterior:
    """Combine the data N(effect, se²) with a Gaussian prior N(prior_mean, prior_variance)
    (``prior_variance`` None: the flat improper prior gbstats uses by default)."""
    m, se = effect.effect, effect.se
    if not (se > 0 and math.isfinite(m)):
        return Posterior(0.0, 0.0, (0.0, 0.0), 0.5, 0.0, 0.0)
    prec = 1 / se**2
    if prior_variance is not None:
        if not prior_variance > 0:
            raise InputError(f"the prior variance must be positive, got {prior_variance!r}")
        post_prec = prec + 1 / prior_variance
        m = (m * prec + prior_mean / prior_variance) / post_prec
        prec = post_prec
    sd = math.sqrt(1 / prec)
    z = float(stats.norm.ppf(1 - alpha / 2))
    ctw = float(stats.norm.sf(0, m, sd))
    # E[max(0, -δ)] and E[max(0, δ)] for δ ~ N(m, sd²): closed form of the truncated means
    pdf, cdf_neg = float(stats.norm.pdf(m / sd)), float(stats.norm.cdf(-m / sd))
    loss_variant = sd * pdf - m * cdf_neg
    loss_control = loss_variant + m
    return Posterior(m, sd, (m - z * sd, m + z * sd), ctw, max(loss_variant, 0.0),
                     max(loss_control, 0.0))


def srm_p_value(counts: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Sample-ratio mismatch: p-value of Pearson's χ² of the observed ``counts`` against the
    planned ``weights`` (default equal), df = arms − 1. A small p (< 0.001 is the usual
    alarm) means the split is broken and the effects cannot be trusted."""
    if len(counts) < 2:
        raise InputError("the SRM check needs the counts of at least 2 arms")
    weights = [1.0] * len(counts) if weights is None else list(weights)
    if len(weights) != len(counts):
        raise InputError(f"{len(counts)} counts but {len(weights)} weights",
                         hint="give one planned weight per arm, e.g. --weights 0.5,0.5")
    if any(not math.isfinite(c) or c < 0 for c in counts):
        raise InputError("counts must be non-negative numbers")
    if any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise InputError("weights must be non-negative numbers with a positive sum")
    total = float(sum(counts))
    if total == 0:
        return 1.0
    tw = float(sum(weights))
    x = 0.0
    for o, w in zip(counts, weights, strict=True):
        if w <= 0:
            continue
        e = w / tw * total
        x += (o - e) ** 2 / e
    return float(stats.chi2.sf(x, len(counts) - 1))
