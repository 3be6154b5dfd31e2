"""Numbers for people: one place that turns raw values into what a manager reads.

Used by the report and dashboard tables (:func:`frame`), the CLI tables (:func:`cell`) and the
charts (:func:`money`, :func:`percent`, :func:`duration`). ``--json`` output never goes
through here: scripts get raw values.

Rules (the house style, after the Economist / GOV.UK style guides on numbers):

* thousands separators always (``14,351``), never scientific notation;
* money with its currency, no cents from 1,000 up (``11,642 EUR``, ``9.50 EUR``);
* shares and rates as percentages (``43.6%``);
* durations in the unit a person thinks in: minutes, hours, days (``3.2 days``);
* ``True``/``False`` as ``yes``/``no``; a missing value as an empty cell;
* column labels from :data:`GLOSSARY`, else the name with spaces (``share before`` ->
  ``Share before``).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

#: raw column / key -> (label people read, unit); unit one of UNITS (or "" for text)
GLOSSARY: dict[str, tuple[str, str]] = {
    # customers and value
    "customer_id": ("Customer", "text"),
    "person_id": ("Person", "text"),
    "frequency": ("Repeat purchases", "count"),
    "recency": ("Age at last purchase (periods)", "number"),
    "T": ("Customer age (periods)", "number"),
    "monetary": ("Average order value", "money"),
    "avg_monetary": ("Average order value", "money"),
    "clv": ("CLV (12 months)", "money"),
    "lifetime_value": ("Lifetime value", "money"),
    "p_alive": ("P(alive)", "percent"),
    "expected_purchases": ("Expected purchases", "number"),
    "expected_ipt_days": ("Expected days between purchases", "days"),
    "recency_days": ("Days since last purchase", "days"),
    "dormant": ("Dormant", "bool"),
    "value_rank": ("Value rank", "count"),
    "share_before": ("Share of value before this customer", "percent"),
    "value_share": ("Share of value", "percent"),
    "customer_share": ("Share of customers", "percent"),
    "abc_class": ("ABC class", "text"),
    "value_category": ("Value category", "text"),
    "actual_value": ("Actual value", "money"),
    "potential_value": ("Potential value", "money"),
    "unrealised_potential": ("Unrealised potential", "money"),
    "share_of_customer": ("Share of wallet", "percent"),
    "r_score": ("Recency score", "count"),
    "f_score": ("Frequency score", "count"),
    "m_score": ("Monetary score", "count"),
    "rfm_score": ("RFM score", "text"),
    "segment": ("Segment", "text"),
    "revenue": ("Revenue", "money"),
    "value": ("Value", "money"),
    "value_at_stake": ("Value at stake", "money"),
    "equity": ("Customer equity", "money"),
    "customers": ("Customers", "count"),
    "orders": ("Orders", "count"),
    "share": ("Share", "percent"),
    # journeys
    "stage": ("Stage", "text"),
    "next_stage": ("Next stage", "text"),
    "reach": ("Persons reached", "count"),
    "reach_rate": ("Share of persons reached", "percent"),
    "started_here": ("Persons starting here", "count"),
    "volume": ("Touches", "count"),
    "emotion": ("Emotion (-1 to +1)", "score"),
    "sentiment_score": ("Sentiment (-1 to +1)", "score"),
    "conversion_to_next": ("Conversion to next stage", "percent"),
    "median_seconds_to_next": ("Median time to next stage", "seconds"),
    "median_seconds_from_previous": ("Median time from previous step", "seconds"),
    "conversion_rate": ("Conversion rate", "percent"),
    "drop_off_rate": ("Drop-off rate", "percent"),
    "lost_persons": ("Persons lost", "count"),
    "touchpoint": ("Touchpoint", "text"),
    "top_touchpoints": ("Main touchpoints", "text"),
    "pain_points": ("Pain points", "text"),
    "love_points": ("Love points", "text"),
    "moments_of_truth": ("Moments of truth", "text"),
    "moment_of_truth": ("Moment of truth", "bool"),
    "kind": ("Kind", "text"),
    "n_exposed": ("Journeys with it", "count"),
    "n_baseline": ("Comparison journeys", "count"),
    "rate_exposed": ("Conversion with it", "percent"),
    "rate_baseline": ("Conversion without it", "percent"),
    "odds_ratio": ("Odds ratio", "ratio"),
    "or_low": ("Odds ratio, low (95%)", "ratio"),
    "or_high": ("Odds ratio, high (95%)", "ratio"),
    "lift": ("Lift", "ratio"),
    "lift_low": ("Lift, low (95%)", "ratio"),
    "lift_high": ("Lift, high (95%)", "ratio"),
    "p_value": ("p-value", "pvalue"),
    "impact": ("Outcomes gained or lost", "signed"),
    "coverage": ("Share of conversions with it", "percent"),
    "journeys": ("Journeys", "count"),
    "conversions": ("Conversions", "count"),
    "nulls": ("Journeys without conversion", "count"),
    "count": ("Persons", "count"),
    "credit": ("Conversions credited", "number"),
    "path": ("Path", "text"),
    "event": ("Event", "text"),
    "channel": ("Channel", "text"),
    "step": ("Step", "count"),
    # voice, needs, networks, customize (the stages' own columns)
    "last_nps": ("Last NPS answer (0-10)", "number"),
    "nps_group": ("NPS group", "text"),
    "nps": ("NPS", "signed"),
    "n_cases": ("Cases", "count"),
    "n_complaints": ("Complaints", "count"),
    "last_case_at": ("Last case", "text"),
    "negative_mentions": ("Negative public mentions", "count"),
    "mean_sentiment": ("Mean sentiment (-1 to +1)", "score"),
    "silent_dissatisfied": ("Silent dissatisfied", "bool"),
    "segment_name": ("Needs segment", "text"),
    "probability": ("Probability", "percent"),
    "pagerank": ("PageRank", "number"),
    "referrals": ("Customers referred", "count"),
    "referral_value": ("Customer referral value", "money"),
    "role": ("Role", "text"),
    "arm": ("Arm", "text"),
    "campaign": ("Campaign", "text"),
    "treatment": ("Treatment", "text"),
    "reason": ("Reason", "text"),
}

UNITS = ("text", "count", "number", "money", "percent", "ratio", "score", "signed", "seconds",
         "days", "pvalue", "bool")

_MONEY = re.compile(r"(^|_)(value|revenue|amount|clv|monetary|equity|margin|cash_flow|spend|"
                    r"price|cost|potential)($|_)")
_RATE = re.compile(r"(^|_)(rate|share|ratio_pct|pct|percent|probability|p_alive|coverage)($|_)")
_COUNT = re.compile(r"(^|_)(n|count|customers|persons|orders|journeys|events|records|touches|"
                    r"volume|reach)($|_)")


def unit_of(name: str) -> str:
    """The unit of a column: from :data:`GLOSSARY`, else guessed from its name."""
    if name in GLOSSARY:
        return GLOSSARY[name][1]
    low = name.lower()
    if low.endswith("_seconds") or low.startswith("seconds_") or "_seconds_" in low:
        return "seconds"
    if low.endswith("_days") or low.startswith("days_"):
        return "days"
    if _RATE.search(low):
        return "percent"
    if _MONEY.search(low):
        return "money"
    if _COUNT.search(low):
        return "count"
    return ""


def label(name: str) -> str:
    """The label people read for a raw column name (``share_before`` -> ``Share of value
    before this customer``; unknown names: underscores to spaces, first letter capital)."""
    if name in GLOSSARY:
        return GLOSSARY[name][0]
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return isinstance(v, numbers.Real) and math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def number(v: Any, digits: int | None = None) -> str:
    """``14,351``, ``3.77``, ``0.0123``: separators, never scientific notation."""
    if _missing(v):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    x = float(v)
    if digits is not None:
        return f"{x:,.{digits}f}"
    if isinstance(v, numbers.Integral) or (x.is_integer() and abs(x) >= 1):
        return f"{x:,.0f}"
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:,.2f}"
    if a == 0:
        return "0"
    # three significant digits, written out (0.000123, not 1.23e-04)
    decimals = min(12, 2 - math.floor(math.log10(a)))
    return f"{x:.{decimals}f}"


def count(v: Any) -> str:
    return "" if _missing(v) else f"{round(float(v)):,}"


def money(v: Any, currency: str = "") -> str:
    """``11,642 EUR`` (no cents from 1,000 up), ``9.50 EUR``."""
    if _missing(v):
        return ""
    x = float(v)
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.2f}"
    return f"{text} {currency}".strip()


def percent(v: Any, digits: int = 1) -> str:
    """A share 0-1 as ``43.6%``."""
    return "" if _missing(v) else f"{float(v) * 100:,.{digits}f}%"


def signed(v: Any) -> str:
    """``+1,116``, ``-31``, ``+0.42``: a change with its sign."""
    if _missing(v):
        return ""
    x = float(v)
    return f"{x:+,.0f}" if abs(x) >= 1 else f"{x:+.2f}"


def ratio(v: Any) -> str:
    """An odds ratio or lift: ``0.20``, ``1.76``, ``13.4``, ``1,921``."""
    if _missing(v):
        return ""
    x = float(v)
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 0.01 or x == 0:
        return f"{x:.2f}"
    return "< 0.01"


def pvalue(v: Any) -> str:
    if _missing(v):
        return ""
    x = float(v)
    return "< 0.001" if x < 0.001 else f"{x:.3f}"


def duration(seconds: Any) -> str:
    """Seconds as people say them: ``45 s``, ``12 min``, ``5.5 hours``, ``3.2 days``."""
    if _missing(seconds):
        return ""
    s = float(seconds)
    a = abs(s)
    if a < 60:
        return f"{s:.0f} s"
    if a < 3600:
        return f"{s / 60:.0f} min"
    if a < 48 * 3600:
        h = s / 3600
        return f"{h:.1f} hours" if a < 10 * 3600 else f"{h:.0f} hours"
    d = s / 86400
    return f"{d:.1f} days" if abs(d) < 10 else f"{d:,.0f} days"


def days(v: Any) -> str:
    return "" if _missing(v) else duration(float(v) * 86400)


def boolean(v: Any) -> str:
    if _missing(v):
        return ""
    if isinstance(v, str):
        return v
    return "yes" if bool(v) else "no"


def cell(v: Any, unit: str = "", currency: str = "") -> str:
    """One value as text for people, in ``unit`` (see :data:`UNITS`; "" guesses from the type)."""
    if isinstance(v, Decimal):
        v = float(v)
    if _missing(v):
        return ""
    if isinstance(v, bool) or unit == "bool":
        return boolean(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    if not isinstance(v, numbers.Real):
        if isinstance(v, (list, tuple)):
            return ", ".join(str(x) for x in v)
        return str(v)
    fn = {
        "count": count, "money": lambda x: money(x, currency), "percent": percent,
        "ratio": ratio, "score": lambda x: f"{float(x):+.2f}", "signed": signed,
        "seconds": duration, "days": days, "pvalue": pvalue, "number": number,
    }.get(unit, number)
    return fn(v)


def frame(df: pd.DataFrame, *, currency: str = "", units: Mapping[str, str] | None = None,
          labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with every value as text for people and human column labels.

    Columns already holding text keep it (so a table formatted by hand passes through
    unchanged); ``units`` and ``labels`` override the glossary per column.
    """
    units = dict(units or {})
    labels = dict(labels or {})
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        name = str(col)
        unit = units.get(name) or unit_of(name)
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            unit = "bool"
        elif not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
                  or s.dtype == object):
            unit = unit or "text"
        out[labels.get(name) or label(name)] = [cell(v, unit, currency) for v in s]
    return out


def is_human_label(name: str) -> bool:
    """True when a column label reads as words (no underscores, not a lone code letter)."""
    return "_" not in name and not re.fullmatch(r"[A-Za-z]", name) and name == name.strip()


__all__ = ["GLOSSARY", "boolean", "cell", "count", "days", "duration", "frame", "label",
           "money", "number", "percent", "pvalue", "ratio", "signed", "unit_of"]
