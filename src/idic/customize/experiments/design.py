"""Designing an A/B test: sample size per arm, minimum detectable effect, duration.

- Proportions (conversion rates): Cohen's effect size h = 2·asin(√p₂) − 2·asin(√p₁) with
  the normal approximation, per arm n = 2·((z₁₋α/₂ + z_power) / h)² (Cohen 1988,
  *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed., ch. 6; the same as
  statsmodels' ``NormalIndPower`` with equal arms). 10% → 12% at α = 0.05 (two-sided) and
  80% power: 3,834.6 units per arm.
- Means (revenue, CLV change): the two-sample t test with equal arms, solved exactly on
  the noncentral t distribution: power = P(|T| > t₁₋α/₂,ν) with ν = 2n − 2 and noncentrality
  δ/σ·√(n/2) (Cohen 1988 ch. 2). d = 0.5 at α = 0.05, 80% power: 63.77 per arm.

Peppers & Rogers (ch. 12) ask for "a sample large enough to be meaningful" and one variable
changed at a time; these functions say how large.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize, stats

from idic.errors import InputError


def _check_probability(name: str, value: float, *, open_: bool = True) -> None:
    ok = 0 < value < 1 if open_ else 0 <= value <= 1
    if not (isinstance(value, int | float) and math.isfinite(value) and ok):
        raise InputError(f"{name} must be between 0 and 1 (exclusive), got {value!r}")


def _z_sum(alpha: float, power: float, two_sided: bool) -> float:
    _check_probability("alpha", alpha)
    _check_probability("power", power)
    if power <= alpha:
        raise InputError(f"power ({power}) must be larger than alpha ({alpha})",
                         hint="usual values: --power 0.8 --alpha 0.05")
    a = alpha / 2 if two_sided else alpha
    return float(stats.norm.ppf(1 - a) + stats.norm.ppf(power))


def _finite_n(n: float, mde: float) -> float:
    if not math.isfinite(n) or n > 1e15:
        raise InputError(f"an effect of {mde!r} is too small to detect with any sample")
    return n


def _normal_n(z: float, effect: float, mde: float) -> float:
    """2·(z/effect)², the normal-approximation size per arm (effect: h or d)."""
    if effect == 0 or abs(z / effect) > 1e7:
        raise InputError(f"an effect of {mde!r} is too small to detect with any sample")
    return 2 * (z / effect) ** 2


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h between two proportions: 2·asin(√p₂) − 2·asin(√p₁) (Cohen 1988, 6.2)."""
    _check_probability("baseline", p1, open_=False)
    _check_probability("treatment rate", p2, open_=False)
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def sample_size_proportion(baseline: float, mde: float, *, alpha: float = 0.05,
                           power: float = 0.8, two_sided: bool = True) -> float:
    """Units per arm to detect ``baseline`` → ``baseline + mde`` (absolute MDE), two equal
    arms, Cohen's h with the normal approximation: n = 2·((z₁₋α/₂ + z_power)/h)²."""
    _check_probability("baseline", baseline)
    if not math.isfinite(mde) or mde == 0 or not 0 <= baseline + mde <= 1:
        raise InputError(f"mde {mde!r} must be non-zero and keep the rate within 0..1 "
                         f"(baseline {baseline})", hint="the MDE is absolute: 0.02 = 2 points")
    h = cohens_h(baseline, baseline + mde)
    return _normal_n(_z_sum(alpha, power, two_sided), h, mde)


def mde_proportion(baseline: float, n_per_arm: float, *, alpha: float = 0.05,
                   power: float = 0.8, two_sided: bool = True) -> float:
    """The smallest absolute lift (upwards) of a rate ``baseline`` that ``n_per_arm`` units
    per arm detect: h = z·√(2/n), p₂ = sin²(asin(√p₁) + h/2)."""
    _check_probability("baseline", baseline)
    if not (n_per_arm > 0 and math.isfinite(n_per_arm)):
        raise InputError(f"n per arm must be a positive number, got {n_per_arm!r}")
    h = _z_sum(alpha, power, two_sided) * math.sqrt(2 / n_per_arm)
    angle = min(math.asin(math.sqrt(baseline)) + h / 2, math.pi / 2)
    return math.sin(angle) ** 2 - baseline


def _t_power(n: float, d: float, alpha: float, two_sided: bool) -> float:
    """Power of the two-sample t test with ``n`` units per arm and effect size ``d``."""
    df = 2 * n - 2
    nc = abs(d) * math.sqrt(n / 2)
    crit = float(stats.t.ppf(1 - (alpha / 2 if two_sided else alpha), df))
    upper = float(stats.nct.sf(crit, df, nc))
    if not math.isfinite(upper):  # scipy's nct gives NaN far in the tails
        upper = 1.0 if nc > crit else 0.0
    if not two_sided:
        return upper
    lower = float(stats.nct.cdf(-crit, df, nc))
    return upper + (lower if math.isfinite(lower) else 0.0)


def sample_size_mean(mde: float, sd: float, *, alpha: float = 0.05, power: float = 0.8,
                     two_sided: bool = True) -> float:
    """Units per arm for a two-sample t test to detect a difference ``mde`` in means when
    the outcome's standard deviation is ``sd`` (exact, noncentral t; continuous n)."""
    if not (math.isfinite(sd) and sd > 0):
        raise InputError(f"sd must be a positive number, got {sd!r}")
    if not (math.isfinite(mde) and mde != 0):
        raise InputError(f"mde must be a non-zero number, got {mde!r}")
    d = abs(mde) / sd
    approx = _normal_n(_z_sum(alpha, power, two_sided), d, mde)
    lo, hi = 2.0, max(approx * 2 + 10, 10.0)
    if _t_power(lo, d, alpha, two_sided) >= power:
        return lo
    while _t_power(hi, d, alpha, two_sided) < power:  # the normal approximation fell short
        hi = _finite_n(hi * 4, mde)
    return float(optimize.brentq(lambda n: _t_power(n, d, alpha, two_sided) - power, lo, hi,
                                 xtol=1e-10))


def mde_mean(n_per_arm: float, sd: float, *, alpha: float = 0.05, power: float = 0.8,
             two_sided: bool = True) -> float:
    """The smallest difference in means that ``n_per_arm`` units per arm detect."""
    if not n_per_arm > 2:
        raise InputError(f"n per arm must be more than 2, got {n_per_arm!r}")
    if not (math.isfinite(sd) and sd > 0):
        raise InputError(f"sd must be a positive number, got {sd!r}")
    if not math.isfinite(n_per_arm) or n_per_arm > 1e15:
        raise InputError(f"n per arm must be a finite number, got {n_per_arm!r}")
    approx = _z_sum(alpha, power, two_sided) * math.sqrt(2 / n_per_arm)
    hi = 4 * approx + 1
    while _t_power(n_per_arm, hi, alpha, two_sided) < power:  # tiny samples: widen
        hi *= 4
        if hi > 1e9:
            raise InputError(f"{n_per_arm!r} units per arm cannot reach {power} power")
    d = optimize.brentq(lambda d: _t_power(n_per_arm, d, alpha, two_sided) - power,
                        1e-12, hi, xtol=1e-12)
    return float(d * sd)


def duration_days(n_per_arm: float, daily_units: float, *, arms: int = 2,
                  share: float = 1.0) -> int:
    """Whole days until every arm has ``n_per_arm`` units, when ``daily_units`` new units
    arrive per day and a ``share`` of them enter the experiment."""
    if not (math.isfinite(daily_units) and daily_units > 0):
        raise InputError(f"daily traffic must be positive, got {daily_units!r}")
    if not 0 < share <= 1:
        raise InputError(f"share must be in (0, 1], got {share!r}")
    if arms < 2:
        raise InputError(f"an experiment needs at least 2 arms, got {arms}")
    return math.ceil(math.ceil(n_per_arm) * arms / (daily_units * share))


@dataclass
class Design:
    """The answer of :func:`design`: units per arm (exact and whole), total, duration."""

    metric: str
    per_arm: float
    per_arm_whole: int
    arms: int
    total: int
    days: int | None
    baseline: float
    mde: float
    alpha: float
    power: float
    sd: float | None = None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def design(baseline: float, mde: float, *, alpha: float = 0.05, power: float = 0.8,
           sd: float | None = None, arms: int = 2, daily_units: float | None = None,
           share: float = 1.0) -> Design:
    """Size an experiment: a rate (``sd`` None) or a mean with standard deviation ``sd``.
    ``mde`` is absolute (0.02 = two percentage points; 5.0 = 5 EUR). Two-sided."""
    if arms < 2:
        raise InputError(f"an experiment needs at least 2 arms, got {arms}")
    if sd is None:
        n = sample_size_proportion(baseline, mde, alpha=alpha, power=power)
    else:
        n = sample_size_mean(mde, sd, alpha=alpha, power=power)
    whole = math.ceil(n - 1e-9)  # 3834.0000000001 is 3834 units, not 3835
    days = None if daily_units is None else duration_days(n, daily_units, arms=arms,
                                                          share=share)
    return Design("proportion" if sd is None else "mean", n, whole, arms, whole * arms, days,
                  baseline, mde, alpha, power, sd)
