"""Deterministic hash assignment of units (customers) to arms: same arm on every run and engine.

The arm of a unit is a pure function of ``(salt, unit id, weights)``: the first 8 bytes of
``SHA-256(salt + ":" + unit_id)`` read as a big-endian integer, taken modulo 10,000, give a
bucket in [0, 10,000); arms own consecutive ranges of buckets in proportion to their
weights. This is the deterministic-hashing randomisation of online experiments (Kohavi,
Tang & Xu, *Trustworthy Online Controlled Experiments*, 2020, ch. 4 and 14: stable,
independent per salt, no stored assignment needed).

Computed in the engine so it scales: SHA-256 of the same UTF-8 bytes is the same on DuckDB
(``sha256``) and Spark (``sha2(x, 256)``) since both return the lower-case hex digest; the
first 15 hex digits are reduced modulo 10,000 digit by digit (Horner's rule) with portable
Ibis string and integer operations (no backend-specific hex parsing, no overflow), so both
engines give the same bucket.
:func:`bucket_py` is the same function in Python (tests compare them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

BUCKETS = 10_000
HEX_DIGITS = 15  # 60 bits: fits an int64 on every engine


def _bounds(weights: Sequence[float]) -> list[int]:
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    total = float(sum(weights))
    acc, out = 0.0, []
    for w in weights:
        acc += w
        out.append(round(BUCKETS * acc / total))
    out[-1] = BUCKETS
    return out


def bucket_py(unit_id: str, salt: str) -> int:
    h = hashlib.sha256(f"{salt}:{unit_id}".encode()).hexdigest()
    return int(h[:HEX_DIGITS], 16) % BUCKETS


def arm_py(unit_id: str, salt: str, arms: Sequence[str], weights: Sequence[float]) -> str:
    b = bucket_py(unit_id, salt)
    for arm, hi in zip(arms, _bounds(weights), strict=True):
        if b < hi:
            return arm
    return arms[-1]  # pragma: no cover


def _hex_mod(h: ir.StringValue) -> ir.IntegerValue:
    """``int(h[:HEX_DIGITS], 16) % BUCKETS`` by Horner's rule, reduced at every step so no
    intermediate exceeds 32 bits (Spark's ANSI mode raises on integer overflow)."""
    val = ibis.literal(0, type="int64")
    for i in range(HEX_DIGITS):
        digit = ibis.literal("0123456789abcdef").find(h.substr(i, 1)).cast("int64")
        val = (val * 16 + digit) % BUCKETS
    return val


def bucket_expr(unit: ir.StringValue, salt: str) -> ir.IntegerValue:
    if any(ord(c) < 32 for c in salt):
        raise ValueError("the salt must not hold control characters")
    h = (ibis.literal(f"{salt}:") + unit.cast("string")).hexdigest("sha256")
    return _hex_mod(h)


def assign(t: ir.Table, salt: str, arms: Sequence[str], weights: Sequence[float], *,
           unit: str = "customer_id", column: str = "arm") -> ir.Table:
    """``t`` with a column ``arm`` from the hash of ``unit`` and ``salt``."""
    b = bucket_expr(t[unit], salt)
    bounds = _bounds(weights)
    expr = ibis.cases(*[(b < hi, ibis.literal(a)) for a, hi in zip(arms[:-1], bounds[:-1],
                                                                   strict=True)],
                      else_=ibis.literal(arms[-1]))
    return t.mutate(**{column: expr})


def srm_pvalue(counts: Sequence[int], weights: Sequence[float]) -> float:
    """Sample-ratio-mismatch check: χ² goodness-of-fit p-value of the observed arm counts
    against the intended weights (Fabijan et al., "Diagnosing Sample Ratio Mismatch in
    Online Controlled Experiments", KDD 2019)."""
    from scipy.stats import chisquare

    n = sum(counts)
    total = float(sum(weights))
    expected = [n * w / total for w in weights]
    return float(chisquare(counts, expected).pvalue)
