"""Identification inventory: how much customer identification does the company already have?

Peppers & Rogers (*Managing Customer Experience and Relationships*, ch. 4, "How Much Customer
Identification Does a Company Already Have?") ask, before any new programme, which share of
transactions and interactions can already be tied to an identified customer, through which
sources and channels, and with which identifiers. Definitions used here:

- an **order** is *identified* when its buyer key (``source`` + ``source_customer_id``) is a
  record that identify resolved to a customer (``identity_map``); revenue likewise (summed in
  the orders' amounts in the reporting currency, :mod:`idic.money`);
- an **event** is *identified* when it carries a ``user_id``, or an ``anonymous_id`` that an
  ``identify``/``alias`` call of the same source tied to a user id (the visitor who logged in
  later: :func:`idic.interact.journeys.persons.anonymous_links`); the rest are *anonymous*;
- **identifier coverage**: per source, the share of its identity records holding each
  identifier (e-mail, phone, loyalty card, account, device, cookie, social handle);
- **addressable**: the share of resolved customers whose current consent for a purpose is
  ``granted`` (:func:`idic.privacy.consent.current_consents`).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from idic.errors import NotFoundError

IDENTIFIERS = ("email", "phone", "loyalty_id", "account_id", "device_id", "cookie_id",
               "social_handle")


def _share(n: Any, d: Any) -> float | None:
    return None if not d else round(float(n) / float(d), 6)


def _orders(ws, m: ir.Table | None) -> ir.Table:
    from idic.money import convert

    o = convert(ws, ws.table("orders"), ("amount",))
    if m is None:
        return o.mutate(_ident=ibis.literal(False), _amount=o.amount.cast("float64"))
    keys = m.select(_src=m.source, _rid=m.source_record_id).distinct()
    j = o.left_join(keys, [o.source == keys._src, o.source_customer_id == keys._rid])
    return j.mutate(_ident=j._rid.notnull(), _amount=j.amount.cast("float64"))


def _events(ws) -> ir.Table:
    from idic.interact.journeys.persons import anonymous_links

    e = ws.table("events")
    links = anonymous_links(e).select(_src=ibis._.source, _anon=ibis._.anonymous_id)
    j = e.left_join(links, [e.source == links._src, e.anonymous_id == links._anon])
    return j.mutate(_ident=j.user_id.notnull() | j._anon.notnull())


def _by(ws, t: ir.Table, col: str, *, revenue: bool) -> dict[str, dict[str, Any]]:
    aggs = {"n": t.count(), "ident": t._ident.cast("int64").sum()}
    if revenue:
        aggs |= {"rev": t._amount.sum(), "rev_ident": ibis.ifelse(t._ident, t._amount, 0.0).sum()}
    rows = ws.engine.to_arrow(t.group_by(col).aggregate(**aggs)).to_pylist()
    out = {}
    for r in rows:
        d = {"count": int(r["n"]), "identified_share": _share(r["ident"], r["n"])}
        if revenue:
            d["revenue"] = round(float(r["rev"] or 0), 2)
            d["revenue_identified_share"] = _share(r["rev_ident"], r["rev"])
        out[str(r[col]) if r[col] is not None else "(none)"] = d
    return dict(sorted(out.items()))


def identification_inventory(ws) -> dict[str, Any]:
    """The inventory as one JSON-ready dict (see the module docstring)."""
    have = {n for n in ws.tables()
            if n not in ("orders", "events", "identities") or ws.engine.count(n)}
    if not ({"orders", "events", "identities"} & have):
        raise NotFoundError("nothing loaded yet: no orders, events or identities",
                            hint="load files with `idic ingest`, then `idic identify`")
    m = ws.table("identity_map") if "identity_map" in have else None
    out: dict[str, Any] = {"identify_has_run": m is not None}
    by_source: dict[str, dict[str, Any]] = {}
    if "orders" in have:
        o = _orders(ws, m)
        tot = ws.engine.to_arrow(o.aggregate(
            n=o.count(), ident=o._ident.cast("int64").sum(), rev=o._amount.sum(),
            rev_ident=ibis.ifelse(o._ident, o._amount, 0.0).sum())).to_pylist()[0]
        out["orders"] = int(tot["n"])
        out["orders_identified_share"] = _share(tot["ident"], tot["n"])
        out["revenue_identified_share"] = _share(tot["rev_ident"], tot["rev"])
        for src, d in _by(ws, o, "source", revenue=True).items():
            by_source.setdefault(src, {})["orders"] = d
        out["orders_by_channel"] = _by(ws, o, "channel", revenue=True)
    if "events" in have:
        e = _events(ws)
        tot = ws.engine.to_arrow(e.aggregate(n=e.count(), ident=e._ident.cast("int64").sum())
                                 ).to_pylist()[0]
        out["events"] = int(tot["n"])
        out["events_identified_share"] = _share(tot["ident"], tot["n"])
        out["anonymous_events_share"] = (None if not tot["n"] else
                                         round(1 - (out["events_identified_share"] or 0), 6))
        for src, d in _by(ws, e, "source", revenue=False).items():
            by_source.setdefault(src, {})["events"] = d
        out["events_by_channel"] = _by(ws, e, "channel", revenue=False)
    if "identities" in have:
        t = ws.table("identities")
        cols = [c for c in IDENTIFIERS if c in t.columns]
        rows = ws.engine.to_arrow(t.group_by("source").aggregate(
            n=t.count(), **{c: t[c].notnull().cast("int64").sum() for c in cols})).to_pylist()
        for r in rows:
            by_source.setdefault(r["source"], {})["identities"] = {
                "records": int(r["n"]),
                "identifier_coverage": {c: _share(r[c], r["n"]) for c in cols}}
    out["by_source"] = dict(sorted(by_source.items()))
    out["addressable"] = _addressable(ws, m)
    return out


def _addressable(ws, m: ir.Table | None) -> dict[str, Any]:
    from idic.privacy.consent import current_consents

    if m is None:
        return {}
    customers = int(m.customer_id.nunique().execute())
    cur = current_consents(ws)
    if cur is None or not customers:
        return {"customers": customers, "granted_share": {}}
    known = m.select("customer_id").distinct()
    g = cur.filter(cur.status == "granted").semi_join(known, "customer_id")
    rows = ws.engine.to_arrow(g.group_by("purpose").aggregate(n=g.customer_id.nunique())
                              ).to_pylist()
    return {"customers": customers,
            "granted_share": {r["purpose"]: _share(r["n"], customers)
                              for r in sorted(rows, key=lambda r: r["purpose"])}}
