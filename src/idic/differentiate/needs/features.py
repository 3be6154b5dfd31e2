"""Needs features per customer, computed on the engine (Ibis), so DuckDB and Spark agree.

Peppers & Rogers (*Managing Customer Experience and Relationships*, ch. 7): customers differ
in what they *need* from the firm, and "demographics do not reveal needs" - needs show in
behaviour (what they buy, where, how they use the service) and attitude (what they say).
One row per customer (``customer_id`` resolved through ``identity_map`` as in the value
stage), columns (documented with their scaling in ``docs/needs.md``):

* ``orders``, ``web_orders`` (web and app), ``store_orders``, ``spend`` (booked amounts);
* per category ``C`` (``cat_<C>``, the name made an identifier): ``lines_C`` (order lines
  bought, quantity-free), ``spend_C`` (line price x quantity), ``views_C`` (events whose
  properties name the category: product views, cart adds);
* ``product_views`` (all such events), ``cases`` (complaints), ``support_events`` (events at
  the ``support`` stage), ``price_index`` (mean of log(line price / the category's median line
  price): below 0 buys cheaper items than others in the same categories - the price
  sensitivity the data shows without a discount column), ``nps``, ``csat``, ``ces`` (mean
  answers), ``wallet_answered`` (stated category spend given).

Order items are JSON arrays of ``{sku, category, qty, price}`` objects (``orders.items``); they
are read with regular expressions on the text of each object (``}``-separated), the one
parse that compiles the same on DuckDB and Spark: a ``}`` inside a string value would split
an object (categories and SKUs do not hold one in practice).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from idic.differentiate.value import sources

if TYPE_CHECKING:
    from idic.workspace import Workspace

#: At most this many categories get their own columns (the most bought); the rest is "other".
MAX_CATEGORIES = 16
_CAT = r'"category"\s*:\s*"([^"]*)"'
_SKU = r'"sku"\s*:\s*"([^"]*)"'
_QTY = r'"qty"\s*:\s*"?([0-9]+(?:\.[0-9]+)?)'
_PRICE = r'"price"\s*:\s*"?(-?[0-9]+(?:\.[0-9]+)?)'


def column_name(category: str) -> str:
    """A safe column suffix for a category name (lower case letters, digits, ``_``)."""
    s = re.sub(r"[^0-9a-z]+", "_", category.strip().lower()).strip("_")
    return s[:40] or "blank"


def order_lines(orders: ir.Table) -> ir.Table:
    """One row per order line: ``customer_id, order_id, ordered_at, channel, category, item
    (the SKU, else the category), qty, price, spend`` (lines without a category are dropped)."""
    o = orders.filter(orders.items.notnull())
    parts = o.select("customer_id", "order_id", "ordered_at", "channel",
                     part=o["items"].cast("string").split("}").unnest())
    cat = parts.part.re_extract(_CAT, 1).lower()
    qty = parts.part.re_extract(_QTY, 1).try_cast("float64")
    price = parts.part.re_extract(_PRICE, 1).try_cast("float64")
    sku = parts.part.re_extract(_SKU, 1)
    lines = parts.select("customer_id", "order_id", "ordered_at", "channel",
                         category=cat, item=ibis.cases((sku.length() > 0, sku), else_=cat),
                         qty=ibis.coalesce(qty, ibis.literal(1.0)), price=price)
    lines = lines.filter(lines.category.notnull() & (lines.category.length() > 0))
    return lines.mutate(spend=(lines.qty * lines.price.fill_null(0.0)))


def event_categories(ws: Workspace) -> ir.Table | None:
    """Events naming a product category: ``customer_id, category`` (None without events)."""
    if not ws.engine.has_table("events"):
        return None
    from idic.interact.journeys.persons import person_events

    ev = person_events(ws.engine, include_anonymous=False)
    ev = ev.filter(ev.properties.contains('"category"'))
    cat = ev.properties.re_extract(_CAT, 1).lower()
    ev = ev.select(customer_id=ev.person_id, category=cat)
    return ev.filter(ev.category.notnull() & (ev.category.length() > 0))


def top_categories(lines: ir.Table, limit: int = MAX_CATEGORIES) -> list[str]:
    """The categories bought most (by lines), at most ``limit``, in name order."""
    c = lines.group_by("category").aggregate(n=lines.count())
    rows = c.order_by([ibis.desc("n"), "category"]).limit(limit).to_pyarrow().to_pylist()
    return sorted(r["category"] for r in rows)


def needs_features(ws: Workspace, *, orders: ir.Table | None = None,
                   categories: list[str] | None = None) -> tuple[ir.Table, list[str]]:
    """The features expression (one row per customer with an order) and its categories.

    ``orders`` (keyed by ``customer_id``) defaults to the workspace's; ``categories`` fixes
    the category columns (default: :func:`top_categories`).
    """
    o = sources.orders(ws) if orders is None else orders
    lines = order_lines(o)
    cats = categories if categories is not None else top_categories(lines)
    names = {c: column_name(c) for c in cats}
    if len(set(names.values())) != len(names):  # two names made the same identifier
        seen: dict[str, int] = {}
        for c in cats:
            base = names[c]
            seen[base] = seen.get(base, 0) + 1
            if seen[base] > 1:
                names[c] = f"{base}_{seen[base]}"

    web = o.channel.isin(("web", "app"))
    base = o.group_by("customer_id").aggregate(
        orders=o.count(),
        web_orders=web.cast("int64").sum(),
        store_orders=(o.channel == "store").cast("int64").sum(),
        spend=o.amount.cast("float64").sum(),
    )
    # the median line price of each category, then each line's log price ratio
    med = lines.filter(lines.price > 0).group_by("category").aggregate(
        _med=lines.price.median())
    pl = lines.filter(lines.price > 0).join(med, "category")
    pl = pl.mutate(_lr=(pl.price / pl._med).ln())
    price = pl.group_by("customer_id").aggregate(price_index=pl._lr.mean())

    agg: dict[str, ir.Value] = {}
    for c, n in names.items():
        hit = lines.category == c
        agg[f"lines_{n}"] = hit.cast("int64").sum()
        agg[f"spend_{n}"] = lines.spend.sum(where=hit)
    agg["lines_other"] = (~lines.category.isin(cats)).cast("int64").sum()
    agg["spend_other"] = lines.spend.sum(where=~lines.category.isin(cats))
    per_cat = lines.group_by("customer_id").aggregate(**agg)

    t = base.left_join(per_cat, "customer_id").select(base, *[per_cat[k] for k in agg])
    t = t.left_join(price, "customer_id").select(t, price.price_index)

    ev = event_categories(ws)
    vcols: list[str] = []
    if ev is not None:
        vagg = {f"views_{n}": (ev.category == c).cast("int64").sum() for c, n in names.items()}
        vagg["product_views"] = ev.count()
        views = ev.group_by("customer_id").aggregate(**vagg)
        vcols = list(vagg)
        t = t.left_join(views, "customer_id").select(t, *[views[k] for k in vcols])
    cases = sources.cases(ws)
    if cases is not None:
        cc = cases.group_by("customer_id").aggregate(cases=cases.count())
        t = t.left_join(cc, "customer_id").select(t, cc.cases)
    sup = sources.service_contacts(ws)
    if sup is not None:
        sc = sup.group_by("customer_id").aggregate(support_events=sup.count())
        t = t.left_join(sc, "customer_id").select(t, sc.support_events)
    sv = sources.surveys(ws)
    if sv is not None:
        s = sv.filter(sv.score.notnull() | sv.category_spend.notnull())
        sa = s.group_by("customer_id").aggregate(
            nps=s.score.mean(where=s.survey == "nps"),
            csat=s.score.mean(where=s.survey == "csat"),
            ces=s.score.mean(where=s.survey == "ces"),
            wallet_answered=(s.category_spend.notnull()).cast("int64").max(),
        )
        t = t.left_join(sa, "customer_id").select(t, sa.nps, sa.csat, sa.ces,
                                                  sa.wallet_answered)
    fills: dict[str, ir.Value] = {}
    for col in t.columns:
        if col.startswith(("lines_", "views_", "spend_")) or col in (
                "product_views", "cases", "support_events", "wallet_answered"):
            zero = 0.0 if col.startswith("spend_") else 0
            fills[col] = t[col].fill_null(zero)
    t = t.mutate(**fills)
    for col, kind in (("product_views", "int64"), ("cases", "int64"),
                      ("support_events", "int64"), ("nps", "float64"), ("csat", "float64"),
                      ("ces", "float64"), ("wallet_answered", "int64")):
        if col not in t.columns:
            t = t.mutate(**{col: ibis.literal(0 if kind == "int64" else None, type=kind)})
    for n in names.values():
        if f"views_{n}" not in t.columns:
            t = t.mutate(**{f"views_{n}": ibis.literal(0, type="int64")})
    return t, cats


__all__ = ["MAX_CATEGORIES", "column_name", "event_categories", "needs_features",
           "order_lines", "top_categories"]
