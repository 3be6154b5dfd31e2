"""One reporting currency: order amounts in other currencies are converted before anything is
summed, averaged or modelled.

``workspace.json``::

    {"currency": "EUR", "fx_rates": {"GBP": 1.1765, "USD": 0.92}}

``currency`` is the reporting currency (default: the most common order currency);
``fx_rates[X]`` is how many units of it one unit of ``X`` is worth (one fixed rate per
currency: a planning rate, as finance uses for budgets, not a daily rate). Orders in a currency
without a rate are an error that names the currencies, their order counts and the setting to
add — summing 100 GBP and 100 EUR as 200 of anything is wrong, and dropping the GBP orders
would make their customers look less valuable than they are.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

ISO = re.compile(r"^[A-Z]{3}$")


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


def fx_rates(ws: Workspace) -> dict[str, float]:
    """The validated ``fx_rates`` of workspace.json (units of the reporting currency per unit)."""
    raw: Any = ws.settings.get("fx_rates") or {}
    if not isinstance(raw, dict):
        raise InputError('workspace.json "fx_rates" must be an object such as {"GBP": 1.17}')
    out: dict[str, float] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not ISO.match(k):
            raise InputError(f'workspace.json "fx_rates": {k!r} is not an ISO 4217 code '
                             '(three capital letters)')
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) \
                or v <= 0:
            raise InputError(f'workspace.json "fx_rates" {k}: expected a positive number of '
                             f'reporting-currency units per {k}, got {v!r}')
        out[k] = float(v)
    return out


def rates(ws: Workspace) -> tuple[str, dict[str, float]]:
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


def convert(ws: Workspace, t: ir.Table, columns: tuple[str, ...] = ("amount", "margin")
            ) -> ir.Table:
    """``t`` (with ``currency``) with ``columns`` in the reporting currency and ``currency``
    set to it. A table in one currency is returned as it is."""
    cur, r = rates(ws)
    if all(v == 1.0 for v in r.values()):
        return t
    factor = ibis.cases(*((t.currency == c, ibis.literal(v)) for c, v in r.items() if v != 1.0),
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
    return {"currency": cur, "fx_rates": fx, "orders": counts,
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


def configure(ws: Workspace, *, currency: str | None = None,
              rates_: dict[str, float] | None = None) -> dict[str, Any]:
    """Set the reporting currency and/or rates in workspace.json; returns :func:`summary`."""
    upd: dict[str, Any] = {}
    if currency is not None:
        c = currency.strip().upper()
        if not ISO.match(c):
            raise InputError(f"--currency {currency!r}: expected an ISO 4217 code such as EUR")
        upd["currency"] = c
    if rates_:
        upd["fx_rates"] = {**fx_rates(ws), **rates_}
    if upd:
        ws.save_settings(**upd)
    return summary(ws)
