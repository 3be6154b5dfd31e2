"""One reporting currency: order amounts in other currencies are converted before anything is
summed, averaged or modelled.

``workspace.json``::

    {"currency": "EUR", "fx_rates": {"GBP": 1.1765, "USD": 0.92}}

``currency`` is the reporting currency (default: the most common order currency);
``fx_rates[X]`` is how many units of it one unit of ``X`` is worth: one fixed rate (a
planning rate, as finance uses for budgets), or **dated rates**, an object of ISO dates to
rates, e.g. ``{"GBP": {"2025-01-01": 1.19, "2025-07-01": 1.17}}`` (monthly averages, say):
an order converts at the rate of the latest date on or before its day (``ordered_at``, UTC),
and orders before the first date at the first rate. Orders in a currency without a rate
are an error that names the currencies, their order counts and the setting to add —
summing 100 GBP and 100 EUR as 200 of anything is wrong, and dropping the GBP orders would
make their customers look less valuable than they are.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import TYPE_CHECKING, Any, TypeAlias

import ibis
import ibis.expr.types as ir

from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

ISO = re.compile(r"^[A-Z]{3}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_DATES = 500  # dated rates per currency (each is one branch of the conversion's CASE)
#: the date a fixed rate is kept under when dated rates are added to it (in force before them)
BEFORE = "1970-01-01"
#: a fixed rate, or (from date, rate) pairs sorted by date
Rate: TypeAlias = float | tuple[tuple[str, float], ...]


def _counts(ws: Workspace) -> dict[str, int]:
    """Orders per currency (one small aggregate; not memoised: a replaced orders table of the
    same size must not keep an old answer)."""
    eng = ws.engine
    if not eng.has_table("orders") or "currency" not in ws.table("orders").columns:
        return {}
    o = ws.table("orders")
    rows = eng.to_arrow(o.group_by("currency").aggregate(n=o.count())).to_pylist()
    return {str(r["currency"]): int(r["n"]) for r in rows if r["currency"] is not None}


def reporting_currency(ws: Workspace) -> str:
    """``currency`` of workspace.json, else the most common order currency (``""``: none)."""
    cur = ws.settings.get("currency")
    if cur is not None:
        if not isinstance(cur, str) or not ISO.match(cur):
            raise InputError(f'workspace.json "currency" must be an ISO 4217 code such as '
                             f'"EUR", not {cur!r}')
        return cur
    counts = _counts(ws)
    return max(sorted(counts), key=lambda c: counts[c]) if counts else ""


def _positive(v: Any, where: str, code: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
        raise InputError(f'workspace.json "fx_rates" {where}: expected a positive number of '
                         f'reporting-currency units per {code}, got {v!r}')
    return float(v)


def _day(text: Any, code: str) -> str:
    ok = isinstance(text, str) and DAY.match(text)
    if ok:
        try:
            date.fromisoformat(text)
        except ValueError:
            ok = False
    if not ok:
        raise InputError(f'workspace.json "fx_rates" {code}: {text!r} is not a date '
                         '(YYYY-MM-DD, the first day the rate applies)')
    return str(text)


def fx_rates(ws: Workspace) -> dict[str, Rate]:
    """The validated ``fx_rates`` of workspace.json: per currency a fixed rate, or dated
    rates as sorted ``(from date, rate)`` pairs (units of the reporting currency per unit)."""
    raw: Any = ws.settings.get("fx_rates") or {}
    if not isinstance(raw, dict):
        raise InputError('workspace.json "fx_rates" must be an object such as {"GBP": 1.17} '
                         'or {"GBP": {"2025-01-01": 1.19, "2025-07-01": 1.17}}')
    out: dict[str, Rate] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not ISO.match(k):
            raise InputError(f'workspace.json "fx_rates": {k!r} is not an ISO 4217 code '
                             '(three capital letters)')
        if isinstance(v, dict):
            if not v or len(v) > MAX_DATES:
                raise InputError(f'workspace.json "fx_rates" {k}: dated rates need 1 to '
                                 f'{MAX_DATES} dates (got {len(v)})',
                                 hint="use monthly average rates")
            out[k] = tuple(sorted((_day(d, k), _positive(r, f"{k} {d}", k))
                                  for d, r in v.items()))
        else:
            out[k] = _positive(v, k, k)
    return out


def jsonable(fx: dict[str, Rate]) -> dict[str, Any]:
    """``fx_rates`` as workspace.json holds them (dated rates as an object of dates)."""
    return {k: (dict(v) if isinstance(v, tuple) else v) for k, v in fx.items()}


def describe(rate: Rate) -> str:
    """A rate for people: ``1.17`` or ``1.19 from 2025-01-01, 1.17 from 2025-07-01``."""
    if not isinstance(rate, tuple):
        return f"{rate:g}"
    parts = [f"{r:g} " + ("before" if d == BEFORE else f"from {d}") for d, r in rate]
    if rate[0][0] == BEFORE and len(rate) > 1:
        parts[0] = f"{rate[0][1]:g} before {rate[1][0]}"
    return ", ".join(parts)


def rates(ws: Workspace) -> tuple[str, dict[str, Rate]]:
    """The reporting currency and a rate for every order currency; raises when one is missing."""
    cur = reporting_currency(ws)
    fx = fx_rates(ws)
    counts = _counts(ws)
    missing = {c: n for c, n in counts.items() if c != cur and c not in fx}
    if missing:
        listed = ", ".join(f"{c} ({n:,} orders)" for c, n in sorted(missing.items()))
        example = " ".join(f"--rate {c}=<{cur} per {c}>" for c in sorted(missing))
        raise InputError(
            f"orders are in {len(counts)} currencies and the reporting currency is {cur}: "
            f"no exchange rate for {listed}. Set it: idic currency set {example} "
            '(workspace.json "fx_rates"; "currency" sets the reporting currency)')
    return cur, {c: (1.0 if c == cur else fx[c]) for c in counts}


def _dated(t: ir.Table, rate: tuple[tuple[str, float], ...]) -> ir.FloatingValue:
    """The rate in force on each row's order day (the first rate before the first date)."""
    if "ordered_at" not in t.columns:
        raise InputError("dated exchange rates need the orders' ordered_at")
    day = t.ordered_at.date()
    later = [(day >= ibis.date(d), ibis.literal(r)) for d, r in reversed(rate[1:])]
    first = ibis.literal(rate[0][1])
    return ibis.cases(*later, else_=first) if later else first


def convert(ws: Workspace, t: ir.Table, columns: tuple[str, ...] = ("amount", "margin")
            ) -> ir.Table:
    """``t`` (with ``currency``; with ``ordered_at`` for dated rates) with ``columns`` in
    the reporting currency and ``currency`` set to it. A table in one currency is returned
    as it is."""
    cur, r = rates(ws)
    if all(v == 1.0 for v in r.values()):
        return t
    factor = ibis.cases(*((t.currency == c, _dated(t, v) if isinstance(v, tuple)
                           else ibis.literal(v)) for c, v in r.items() if v != 1.0),
                        else_=ibis.literal(1.0))
    conv = {}
    for c in columns:
        if c in t.columns:
            col = t[c]
            typ = col.type()
            conv[c] = (col.cast("float64") * factor).cast(typ) if typ.is_decimal() \
                else col * factor
    return t.mutate(**conv, currency=ibis.literal(cur))


def summary(ws: Workspace) -> dict[str, Any]:
    """What the orders hold and how they convert: ``{"currency", "fx_rates", "orders":
    {CUR: n}, "missing": [CUR, ...]}``."""
    cur, fx, counts = reporting_currency(ws), fx_rates(ws), _counts(ws)
    return {"currency": cur, "fx_rates": jsonable(fx), "orders": counts,
            "rates_text": {c: describe(v) for c, v in fx.items()},
            "missing": sorted(c for c in counts if c != cur and c not in fx)}


def parse_rate(text: str) -> tuple[str, float]:
    """``"GBP=1.1765"`` → ``("GBP", 1.1765)``, validated as workspace.json would be."""
    code, sep, num = text.partition("=")
    code = code.strip().upper()
    if not sep or not ISO.match(code):
        raise InputError(f"--rate {text!r}: expected CODE=NUMBER, e.g. GBP=1.1765")
    try:
        v = float(num)
    except ValueError:
        raise InputError(f"--rate {text!r}: {num!r} is not a number") from None
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"--rate {text!r}: the rate must be a positive number")
    return code, v


def parse_day(text: str) -> str:
    """``--from``: an ISO date (the first day a rate applies)."""
    t = text.strip()
    try:
        if not DAY.match(t):
            raise ValueError
        date.fromisoformat(t)
    except ValueError:
        raise InputError(f"--from {text!r}: expected a date YYYY-MM-DD (the first day the "
                         "rate applies)") from None
    return t


def configure(ws: Workspace, *, currency: str | None = None,
              rates_: dict[str, float] | None = None, from_: str | None = None
              ) -> dict[str, Any]:
    """Set the reporting currency and/or rates in workspace.json; returns :func:`summary`.
    ``from_``: the rates are dated rates applying from that day (a fixed rate the currency
    had stays in force before its first date)."""
    upd: dict[str, Any] = {}
    if currency is not None:
        c = currency.strip().upper()
        if not ISO.match(c):
            raise InputError(f"--currency {currency!r}: expected an ISO 4217 code such as EUR")
        upd["currency"] = c
    if rates_:
        fx = jsonable(fx_rates(ws))
        for code, v in rates_.items():
            if from_ is None:
                fx[code] = v
                continue
            day = parse_day(from_)
            old = fx.get(code)
            dated = dict(old) if isinstance(old, dict) else (
                {BEFORE: old} if old is not None else {})
            dated[day] = v
            if len(dated) > MAX_DATES:
                raise InputError(f"{code}: at most {MAX_DATES} dated rates",
                                 hint="use monthly average rates")
            fx[code] = dict(sorted(dated.items()))
        upd["fx_rates"] = fx
    elif from_ is not None:
        raise InputError("--from needs --rate CODE=NUMBER")
    if upd:
        ws.save_settings(**upd)
    return summary(ws)
