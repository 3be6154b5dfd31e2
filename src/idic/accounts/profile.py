"""The account 360: an account's attributes, value, contacts, recent orders and journeys; and
the account of one customer (shown in the customer 360)."""

from __future__ import annotations

from typing import Any

from idic.errors import NotFoundError
from idic.service.customers360 import _rows
from idic.suggest import closest


def account_of(ws, customer_id: str) -> dict[str, Any] | None:
    """The customer's account link and the account's attributes and sums, if linked."""
    if not ws.engine.has_table("account_contacts"):
        return None
    c = ws.table("account_contacts")
    got = _rows(ws, c.filter(c.customer_id == customer_id), 1)
    if not got:
        return None
    link = got[0]
    out: dict[str, Any] = {k: link[k] for k in ("account_id", "linked_by", "evidence",
                                                 "n_accounts")}
    if ws.engine.has_table("account_value"):
        v = ws.table("account_value")
        row = _rows(ws, v.filter(v.account_id == link["account_id"]), 1)
        if row:
            out.update({k: row[0][k] for k in ("name", "domain", "industry", "size", "owner",
                                               "contacts", "revenue", "clv", "rfm_segment")})
    return out


def account_profile(ws, account_id: str, *, recent: int = 20) -> dict[str, Any]:
    """Everything on one account; an unknown account id is a NotFoundError naming the closest."""
    have = set(ws.tables())
    acc = ws.table("accounts")
    rows = _rows(ws, acc.filter(acc.account_id == account_id), 1)
    linked = []
    if "account_contacts" in have:
        c = ws.table("account_contacts")
        linked = _rows(ws, c.filter(c.account_id == account_id).order_by("customer_id"))
    if not rows and not linked:
        known = [r["account_id"] for r in _rows(ws, acc.select("account_id"), 10_000)]
        near = closest(account_id, known) if known else []
        raise NotFoundError(f"unknown account {account_id!r}"
                            + (f"; closest: {', '.join(near)}" if near else "; none loaded"),
                            hint="list them with idic export accounts -o accounts.csv")
    out: dict[str, Any] = {"account": rows[0] if rows else {"account_id": account_id},
                           "value": None, "contacts": []}
    if "account_value" in have:
        v = ws.table("account_value")
        got = _rows(ws, v.filter(v.account_id == account_id), 1)
        out["value"] = got[0] if got else None
    names: dict[str, dict[str, Any]] = {}
    if linked and "customers" in have:
        cu = ws.table("customers")
        ids = [r["customer_id"] for r in linked]
        for r in _rows(ws, cu.filter(cu.customer_id.isin(ids)).select(
                "customer_id", "first_name", "last_name", "email")):
            names[r["customer_id"]] = r
    out["contacts"] = [{**r, **{k: names.get(r["customer_id"], {}).get(k)
                                for k in ("first_name", "last_name", "email")}}
                       for r in linked]
    for table, key in (("account_orders", "ordered_at"), ("account_journeys", "started_at")):
        if table in have:
            t = ws.table(table)
            out[table.removeprefix("account_")] = _rows(
                ws, t.filter(t.account_id == account_id).order_by(t[key].desc()), recent)
    return out
