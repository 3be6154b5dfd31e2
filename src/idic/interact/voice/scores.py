"""NPS, CSAT and CES with their uncertainty, overall or by group.

* **NPS** (Reichheld 2003): promoters answer 9-10, passives 7-8, detractors 0-6;
  NPS = 100 (p - d) with p, d the shares of promoters and detractors. Each answer is a draw
  of X in {+1, 0, -1}, so Var(X) = p + d - (p - d)^2 and the standard error of the NPS is
  SE = 100 sqrt((p + d - (p - d)^2) / n); the 95% interval is NPS +- 1.96 SE (clipped to
  [-100, 100]).
* **CSAT**: share of 4-5 answers on the 5-point scale (SE sqrt(p (1 - p) / n)) and the mean.
* **CES**: the mean effort score (SE = sample standard deviation / sqrt(n)).

Groups (period, touchpoint, channel, segment, value category) are computed from their own
counts; an overall score is always computed from the pooled counts, never by averaging the
groups' scores. The counting is one Ibis aggregation, so it runs on any engine.
"""

from __future__ import annotations

import math
from typing import Any

import ibis.expr.types as ir

Z95 = 1.959963984540054


def nps_from_counts(promoters: int, passives: int, detractors: int) -> dict[str, Any]:
    """NPS, its standard error and 95% interval from the three counts."""
    n = promoters + passives + detractors
    if n == 0:
        raise ValueError("no NPS answers")
    p, d = promoters / n, detractors / n
    nps = 100.0 * (p - d)
    se = 100.0 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return {"nps": nps, "se": se,
            "ci": [max(nps - Z95 * se, -100.0), min(nps + Z95 * se, 100.0)],
            "n": n, "promoters": promoters, "passives": passives, "detractors": detractors}


def _mean_from_sums(n: int, s: float, ss: float) -> tuple[float, float]:
    mean = s / n
    var = (ss - n * mean * mean) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(max(var, 0.0) / n)


def csat_from_sums(n: int, satisfied: int, s: float, ss: float) -> dict[str, Any]:
    """CSAT (share of 4-5) with SE and 95% interval, and the mean score."""
    if n == 0:
        raise ValueError("no CSAT answers")
    p = satisfied / n
    se = math.sqrt(p * (1 - p) / n)
    mean, mse = _mean_from_sums(n, s, ss)
    return {"csat": p, "se": se, "ci": [max(p - Z95 * se, 0.0), min(p + Z95 * se, 1.0)],
            "mean": mean, "mean_se": mse, "n": n, "satisfied": satisfied}


def ces_from_sums(n: int, s: float, ss: float) -> dict[str, Any]:
    """CES mean with SE and 95% interval."""
    if n == 0:
        raise ValueError("no CES answers")
    mean, se = _mean_from_sums(n, s, ss)
    return {"ces": mean, "se": se, "ci": [mean - Z95 * se, mean + Z95 * se], "n": n}


def _grouped(t: ir.Table, by: str | None, **aggs: ir.Scalar) -> list[dict[str, Any]]:
    expr = t.group_by(by).aggregate(**aggs) if by else t.aggregate(**aggs)
    return expr.to_pyarrow().to_pylist()


def _key(v: Any) -> str:
    return "(blank)" if v is None or (isinstance(v, str) and not v.strip()) else str(v)


def _by(rows: list[dict[str, Any]], by: str | None, fn) -> dict[str, Any]:
    if by is None:
        return fn(rows[0])
    return {"groups": {_key(r[by]): fn(r) for r in sorted(rows, key=lambda r: _key(r[by]))}}


def nps(t: ir.Table, score: str = "score", by: str | None = None) -> dict[str, Any]:
    """NPS of the non-null 0-10 scores in ``t[score]``, overall or ``{"groups": {...}}``."""
    s = t[score].cast("float64")
    t = t.filter(s.notnull())
    s = t[score].cast("float64")
    rows = _grouped(t, by, promoters=(s >= 9).sum(), passives=((s >= 7) & (s < 9)).sum(),
                    detractors=(s < 7).sum())
    return _by(rows, by, lambda r: nps_from_counts(int(r["promoters"] or 0),
                                                   int(r["passives"] or 0),
                                                   int(r["detractors"] or 0)))


def csat(t: ir.Table, score: str = "score", by: str | None = None) -> dict[str, Any]:
    """CSAT of the non-null 1-5 scores, overall or by group."""
    s = t[score].cast("float64")
    t = t.filter(s.notnull())
    s = t[score].cast("float64")
    rows = _grouped(t, by, n=s.count(), satisfied=(s >= 4).sum(), s=s.sum(), ss=(s * s).sum())
    return _by(rows, by, lambda r: csat_from_sums(int(r["n"]), int(r["satisfied"] or 0),
                                                  float(r["s"] or 0), float(r["ss"] or 0)))


def ces(t: ir.Table, score: str = "score", by: str | None = None) -> dict[str, Any]:
    """CES mean of the non-null scores, overall or by group."""
    s = t[score].cast("float64")
    t = t.filter(s.notnull())
    s = t[score].cast("float64")
    rows = _grouped(t, by, n=s.count(), s=s.sum(), ss=(s * s).sum())
    return _by(rows, by, lambda r: ces_from_sums(int(r["n"]), float(r["s"] or 0),
                                                 float(r["ss"] or 0)))


PERIODS: dict[str, str | None] = {"week": None, "month": "%Y-%m", "quarter": None, "year": "%Y"}


def period_key(ts: ir.TimestampValue, period: str) -> ir.StringValue:
    """The period of a timestamp as text: week 2024-03-04 (its Monday), 2024-03, 2024-Q1, 2024."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    if period == "quarter":
        return ts.year().cast("string") + "-Q" + ts.quarter().cast("string")
    if period == "week":
        return ts.truncate("W").strftime("%Y-%m-%d")
    return ts.strftime(PERIODS[period] or "")


__all__ = ["Z95", "ces", "ces_from_sums", "csat", "csat_from_sums", "nps",
           "nps_from_counts", "period_key"]
