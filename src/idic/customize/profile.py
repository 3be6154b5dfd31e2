"""The customer profile: one row per customer, the columns an audience rule may use.

Built from the stage tables that exist in the workspace: ``customers`` (golden record:
country, age from birth date), ``value`` (CLV, P(alive), value category, dormancy, ...),
``abc`` (ABC class), ``rfm`` (RFM segment and scores), and, when those stages have run,
``segments`` (needs segment), ``customer_roles`` (one boolean ``role_<name>`` per role),
``customer_voice`` (NPS, cases, sentiment) and ``network_metrics`` (PageRank, referrals).
Consent is on the profile too (``consent_<purpose>``: the current state in the ledger), and
"remembered specifications" (``customer_preferences``: what a customer told us they want).

No direct identifier (name, e-mail, phone, address) is on the profile: a rule cannot select
on them and an audience export does not carry them (data minimisation, GDPR art. 5(1)(c)).
Treating customers by value and needs is the Customize step of IDIC (Peppers & Rogers,
*Managing Customer Experience and Relationships*, ch. 9-10).
"""

from __future__ import annotations

import re
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

PROFILE_TABLE = "customer_profile"

#: the columns every profile has (null where the stage has not run for the customer)
CORE_COLUMNS = ("customer_id", "country", "abc_class", "rfm_segment", "value_category", "clv",
                "p_alive")

#: the value-table columns carried over (beside clv, p_alive, value_category)
VALUE_COLUMNS = ("orders", "recency_days", "revenue", "actual_value", "potential_value",
                 "unrealised_potential", "soc", "dormant", "recent_complaints", "last_nps",
                 "nps_drop", "falling_frequency", "fewer_channels")

#: optional tables of other stages: table -> columns taken (besides customer_id)
OPTIONAL = {
    "segments": ("segment", "probability"),
    "customer_voice": ("last_nps", "nps_group", "n_cases", "n_complaints", "negative_mentions",
                       "mean_sentiment", "silent_dissatisfied"),
    "network_metrics": ("pagerank", "referrals", "referral_value"),
}
RENAMES = {("segments", "probability"): "segment_probability"}

AGE_BANDS = ((0, 25, "under 25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"),
             (55, 65, "55-64"), (65, 200, "65+"))

_NAME = re.compile(r"[^a-z0-9_]+")


def column_name(prefix: str, value: str) -> str:
    """A safe column name for a dynamic value (role, purpose, preference): ``role_fan``."""
    return prefix + (_NAME.sub("_", str(value).strip().lower()).strip("_") or "unnamed")


def _money(t: ir.Table, c: str) -> ir.Value:
    return t[c].cast("float64") if t[c].type().is_decimal() else t[c]


def _age(ws, t: ir.Table, as_of: Any) -> dict[str, ir.Value]:
    """Age in whole years at ``as_of`` and its band (for fairness reports)."""
    born = t.birth_date.cast("date")
    day = ibis.literal(as_of, type=dt.date)
    years = day.year() - born.year()
    had = (day.month() > born.month()) | ((day.month() == born.month())
                                          & (day.day() >= born.day()))
    age = (years - ibis.ifelse(had, 0, 1)).cast("int64")
    band = ibis.cases(*[((age >= lo) & (age < hi), ibis.literal(lab)) for lo, hi, lab in AGE_BANDS],
                      else_=ibis.null(dt.string))
    return {"age": age, "age_band": band}


def _as_of(ws) -> Any:
    from datetime import UTC, datetime

    if ws.engine.has_table("rfm"):
        r = ws.table("rfm")
        v = ws.engine.to_arrow(r.aggregate(m=r.last_order_at.max())).column("m")[0].as_py()
        if v is not None:
            return v.date()
    return datetime.now(UTC).date()


def _base(ws) -> ir.Table | None:
    eng = ws.engine
    for name in ("customers", "value", "rfm"):
        if eng.has_table(name):
            return ws.table(name).select("customer_id").distinct()
    return None


EMPTY = {"customer_id": "string", "country": "string", "abc_class": "string",
         "rfm_segment": "string", "value_category": "string", "clv": "float64",
         "p_alive": "float64"}


def _left(t: ir.Table, other: ir.Table) -> ir.Table:
    return t.left_join(other, "customer_id").drop("customer_id_right")


def build_profile(ws, *, as_of: Any = None) -> ir.Table | None:
    """The profile as one Ibis expression (not written; :func:`write_profile` writes it);
    None when the workspace has no customers yet."""
    eng = ws.engine
    t = _base(ws)
    if t is None:
        return None
    cols: dict[str, ir.Value] = {}
    if eng.has_table("customers"):
        c = ws.table("customers")
        keep = {"country": c.country}
        if "birth_date" in c.columns:
            keep.update(_age(ws, c, as_of or _as_of(ws)))
        if "gender" in c.columns:
            keep["gender"] = c.gender
        t = _left(t, c.select("customer_id", **keep))
    else:
        cols["country"] = ibis.null(dt.string)
    if eng.has_table("abc"):
        a = ws.table("abc")
        t = _left(t, a.select("customer_id", "abc_class"))
    else:
        cols["abc_class"] = ibis.null(dt.string)
    if eng.has_table("rfm"):
        r = ws.table("rfm")
        t = _left(t, r.select("customer_id", rfm_segment=r.segment, r_score=r.r_score,
                              f_score=r.f_score, m_score=r.m_score, frequency=r.frequency,
                              monetary=_money(r, "monetary")))
    else:
        cols["rfm_segment"] = ibis.null(dt.string)
    if eng.has_table("value"):
        v = ws.table("value")
        take = {c: _money(v, c) for c in ("value_category", "clv", "p_alive", *VALUE_COLUMNS)
                if c in v.columns}
        t = _left(t, v.select("customer_id", **take))
    else:
        cols.update(value_category=ibis.null(dt.string), clv=ibis.null(dt.float64),
                    p_alive=ibis.null(dt.float64))
    if cols:
        t = t.mutate(**cols)
    t = _optional(ws, t)
    t = _roles(ws, t)
    t = _consents(ws, t)
    t = _preferences(ws, t)
    first = [c for c in CORE_COLUMNS if c in t.columns]
    return t.select(*first, *[c for c in t.columns if c not in first])


def _optional(ws, t: ir.Table) -> ir.Table:
    for name, wanted in OPTIONAL.items():
        if not ws.engine.has_table(name):
            continue
        o = ws.table(name)
        if "customer_id" not in o.columns:
            continue
        take = {RENAMES.get((name, c), c): o[c] for c in wanted if c in o.columns}
        if not take:
            continue
        clash = [c for c in take if c in t.columns]  # the newer stage's column wins
        o = o.select(customer_id=o.customer_id.cast("string"), **take)
        o = o.distinct(on="customer_id", keep="first") if name == "segments" else o
        t = _left(t.drop(*clash), o)
    return t


def _distinct_values(ws, t: ir.Table, col: str, limit: int = 200) -> list[str]:
    rows = ws.engine.to_arrow(t.select(col).distinct().order_by(col).limit(limit)).column(col)
    return [v for v in rows.to_pylist() if v is not None and str(v).strip()]


def _roles(ws, t: ir.Table) -> ir.Table:
    if not ws.engine.has_table("customer_roles"):
        return t
    r = ws.table("customer_roles")
    if not {"customer_id", "role"} <= set(r.columns):
        return t
    names = _distinct_values(ws, r, "role")
    if not names:
        return t
    agg = r.group_by(customer_id=r.customer_id.cast("string")).aggregate(
        **{column_name("role_", n): (r.role == n).any() for n in names})
    t = _left(t, agg)
    return t.mutate(**{column_name("role_", n): t[column_name("role_", n)].fill_null(False)
                       for n in names})


def _consents(ws, t: ir.Table) -> ir.Table:
    from idic.customize.gate import current_purpose_state

    cur = current_purpose_state(ws)
    if cur is None:
        return t
    purposes = _distinct_values(ws, cur, "purpose")
    if not purposes:
        return t
    agg = cur.group_by("customer_id").aggregate(
        **{column_name("consent_", p): ((cur.purpose == p) & (cur.status == "granted")).any()
           for p in purposes})
    t = _left(t, agg)
    return t.mutate(**{column_name("consent_", p): t[column_name("consent_", p)].fill_null(False)
                       for p in purposes})


def _preferences(ws, t: ir.Table) -> ir.Table:
    """Remembered specifications: the latest stated value per preference key."""
    from idic.customize.preferences import PREFERENCES, current_preferences

    if not ws.engine.has_table(PREFERENCES):
        return t
    cur = current_preferences(ws)
    keys = _distinct_values(ws, cur, "key", limit=50)
    if not keys:
        return t
    agg = cur.group_by("customer_id").aggregate(
        **{column_name("pref_", k): cur.value.max(where=cur.key == k) for k in keys})
    return _left(t, agg)


def write_profile(ws, *, as_of: Any = None) -> int:
    """Write the ``customer_profile`` table; returns its row count."""
    expr = build_profile(ws, as_of=as_of)
    if expr is None:
        ws.engine.create_table(PROFILE_TABLE, schema=ibis.schema(EMPTY))
        return 0
    ws.engine.create_table(PROFILE_TABLE, expr)
    return ws.engine.count(PROFILE_TABLE)


def profile(ws) -> ir.Table:
    """The written profile, or the expression when it was never written."""
    if ws.engine.has_table(PROFILE_TABLE):
        return ws.table(PROFILE_TABLE)
    expr = build_profile(ws)
    if expr is None:
        from idic.errors import NotFoundError

        raise NotFoundError("no customers in this workspace yet",
                            hint="load data and run `idic run` first")
    return expr
