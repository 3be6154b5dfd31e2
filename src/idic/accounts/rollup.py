"""Account level: the contacts' orders, RFM, value, CLV and journeys summed per account.

Every sum is over the account's contacts (``account_contacts``), so an account's revenue,
orders, CLV, actual and potential value equal the sums of its contacts' rows in ``rfm``,
``clv`` and ``value`` for the same as-of date. RFM is scored again among accounts (the
quintiles of accounts, not of people).
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from idic.differentiate.value.rfm import customer_rfm_base, score

ORDER_COLUMNS = ("account_id", "customer_id", "order_id", "source", "ordered_at", "amount",
                 "currency", "channel", "margin")
VALUE_COLUMNS = (
    "account_id", "name", "domain", "industry", "size", "owner", "contacts",
    "contacts_with_orders", "orders", "revenue", "margin", "first_order_at", "last_order_at",
    "recency_days", "r_score", "f_score", "m_score", "rfm_segment", "clv",
    "expected_purchases", "lifetime_value", "p_alive_max", "actual_value", "potential_value",
    "journeys", "converted_journeys",
)


def account_orders(ws, contacts: ir.Table) -> ir.Table:
    """The orders of every account's contacts, with ``account_id``."""
    o = ws.customer_orders()
    c = contacts.select(_cid="customer_id", account_id="account_id")
    j = o.inner_join(c, o.customer_id == c._cid)
    return j.select(*ORDER_COLUMNS)


def _sum_by_account(contacts: ir.Table, t: ir.Table, **aggs) -> ir.Table:
    c = contacts.select(_acc="account_id", _cid="customer_id")
    j = t.inner_join(c, t.customer_id == c._cid)
    return j.group_by(account_id=j._acc).aggregate(**{k: f(j) for k, f in aggs.items()})


def account_value(ws, contacts: ir.Table, orders: ir.Table, as_of: date | None) -> ir.Table:
    """One row per account (every account of ``accounts`` and every account id a contact
    is linked to): attributes, contacts and the sums (see module docstring)."""
    eng = ws.engine
    ids = contacts.select("account_id").union(ws.table("accounts").select("account_id"))
    out = ids.distinct()
    acc = ws.table("accounts").select("account_id", "name", "domain", "industry", "size",
                                      "owner")
    out = out.left_join(acc, "account_id").select(out.account_id, *acc.columns[1:])
    n = contacts.group_by("account_id").aggregate(contacts=contacts.count())
    parts: list[ir.Table] = [n]
    if as_of is not None:
        base, _ = customer_rfm_base(orders, as_of=as_of, customer_col="account_id")
        scored = score(base)
        o = orders.filter(orders.ordered_at.date() <= as_of)
        extra = o.group_by("account_id").aggregate(
            contacts_with_orders=o.customer_id.nunique(), margin=o.margin.sum(),
            first_order_at=o.ordered_at.min())
        parts.append(scored.select(account_id="customer_id", orders="frequency",
                                   revenue="monetary", last_order_at="last_order_at",
                                   recency_days="recency_days", r_score="r_score",
                                   f_score="f_score", m_score="m_score",
                                   rfm_segment="segment"))
        parts.append(extra)
    if eng.has_table("clv"):
        parts.append(_sum_by_account(
            contacts, ws.table("clv"), clv=lambda j: j.clv.sum(),
            expected_purchases=lambda j: j.expected_purchases.sum(),
            lifetime_value=lambda j: j.lifetime_value.sum(),
            p_alive_max=lambda j: j.p_alive.max()))
    if eng.has_table("value"):
        parts.append(_sum_by_account(
            contacts, ws.table("value"), actual_value=lambda j: j.actual_value.sum(),
            potential_value=lambda j: j.potential_value.sum()))
    if eng.has_table("journeys") and "person_id" in ws.table("journeys").columns:
        jr = ws.table("journeys").rename(customer_id="person_id")
        parts.append(_sum_by_account(
            contacts, jr, journeys=lambda j: j.count(),
            converted_journeys=lambda j: j.converted.cast("int64").sum()))
    for p in parts:
        p = p.rename(_a="account_id")
        out = out.left_join(p, out.account_id == p._a).drop("_a")
    cols = {c: out[c] if c in out.columns else ibis.null(_TYPES.get(c, "float64"))
            for c in VALUE_COLUMNS}
    for c in ("contacts", "contacts_with_orders", "orders", "journeys", "converted_journeys"):
        cols[c] = cols[c].cast("int64").fill_null(0)
    return out.select(**cols).order_by("account_id")


_TYPES = {"contacts_with_orders": "int64", "orders": "int64", "revenue": "decimal(18, 2)",
          "margin": "decimal(18, 2)", "first_order_at": "timestamp('UTC')",
          "last_order_at": "timestamp('UTC')", "recency_days": "int64", "r_score": "int64",
          "f_score": "int64", "m_score": "int64", "rfm_segment": "string",
          "journeys": "int64", "converted_journeys": "int64"}


def account_journeys(ws, contacts: ir.Table) -> ir.Table | None:
    """The journeys of every account's contacts, with ``account_id``."""
    if not ws.engine.has_table("journeys"):
        return None
    jr = ws.table("journeys")
    if "person_id" not in jr.columns:
        return None
    c = contacts.select(_cid="customer_id", account_id="account_id")
    j = jr.inner_join(c, jr.person_id == c._cid)
    return j.select("account_id", *[x for x in jr.columns if x != "account_id"])
