"""Orders of the demo world: a BG/NBD purchase process with Gamma-Gamma spend.

Process per person (Fader, Hardie & Lee 2005): the first purchase happens at acquisition
(time 0 of the person's clock, ``T`` weeks before AS_OF). Repeat purchases arrive as a
Poisson process with rate ``lambda``; after each *repeat* purchase the person drops out with
probability ``p`` (so the number of repeat purchases before dropout is ``J ~ Geometric(p)``;
the customer cannot drop out before the first repeat purchase, exactly as in the BG/NBD
likelihood, where ``P(X(T)=0 | alive) = exp(-lambda T)``).

Vectorised sampling: with ``N ~ Poisson(lambda T)`` arrivals in ``(0, T]`` the observed
repeat count is ``X = min(J, N)``; the first ``X`` of ``N`` uniform order statistics are drawn
through exponential spacings, ``U_(i) = S_i / (S_X + G)`` with ``S_i`` the cumulative sum of
``Exp(1)`` spacings and ``G ~ Gamma(N + 1 - X)`` standing in for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets.demo_people import CATEGORIES, GAMMA_GAMMA, People
from idic.datasets.demo_util import AS_OF_S, WEEK_S, concat, group_rank, int_text, money_text

#: Margin rate per category (margin = rate x line revenue), known for ~70% of orders.
MARGIN_RATES = {
    "books": 0.22,
    "music": 0.28,
    "electronics": 0.12,
    "home": 0.35,
    "fashion": 0.48,
    "toys": 0.30,
    "beauty": 0.52,
    "garden": 0.33,
}
MARGIN_SHARE = 0.70
#: A few GB store orders are booked in GBP at this rate (amount_gbp = amount_eur x rate).
GBP_PER_EUR = 0.85
GBP_SHARE = 0.04
#: the workspace settings that convert them back (idic.money), set by ``idic demo``
MONEY_SETTINGS = {"currency": "EUR", "fx_rates": {"GBP": round(1 / GBP_PER_EUR, 6)}}
#: Planted pain point: P(Delivery Delayed) for a web order that is the person's last before
#: dropout vs any other web order.
DELAY_IF_LAST = 0.35
DELAY_OTHERWISE = 0.05
#: Share of web orders of app users placed in the app (source "web", channel "app").
APP_SHARE = 0.4


@dataclass
class BgnbdDraw:
    """Per-person outcome of the BG/NBD process."""

    x: np.ndarray  # repeat purchases observed in (0, T]
    churned: np.ndarray  # dropped out before AS_OF
    churn_s: np.ndarray  # epoch seconds of the dropout (-1 = still alive)
    offsets_w: np.ndarray  # repeat-purchase times (weeks after acquisition), grouped by person
    owner: np.ndarray  # person index of each repeat purchase


def simulate_bgnbd(
    rng: np.random.Generator,
    lam: np.ndarray,
    p: np.ndarray,
    t_weeks: np.ndarray,
    acquired_s: np.ndarray | None = None,
) -> BgnbdDraw:
    """Repeat purchases in ``(0, T]`` for each person of a BG/NBD process (vectorised)."""
    n = lam.size
    j = rng.geometric(np.clip(p, 1e-12, 1.0))
    big_n = rng.poisson(lam * t_weeks)
    x = np.minimum(j, big_n).astype(np.int64)
    churned = j <= big_n
    owner = np.repeat(np.arange(n), x)
    spacings = rng.exponential(1.0, owner.size)
    cum = np.cumsum(spacings)
    first = np.cumsum(x) - x  # index of each person's first spacing
    has = x > 0
    base = np.zeros(n)
    base[has] = cum[first[has]] - spacings[first[has]]
    s = cum - base[owner]
    s_x = np.zeros(n)
    s_x[has] = s[first[has] + x[has] - 1]
    rest = np.zeros(n)
    rest[has] = rng.gamma(big_n[has] + 1 - x[has])
    denom = s_x + rest
    offsets = t_weeks[owner] * s / denom[owner]
    churn_s = np.full(n, -1, dtype=np.int64)
    if acquired_s is not None:
        last_off = np.zeros(n)
        last_off[has] = offsets[first[has] + x[has] - 1]
        churn_s = np.where(churned, acquired_s + (last_off * WEEK_S).astype(np.int64), -1)
    return BgnbdDraw(x=x, churned=churned, churn_s=churn_s, offsets_w=offsets, owner=owner)


@dataclass
class Orders:
    """Order rows (sorted by time) plus per-order truth used by the journey generator."""

    person: np.ndarray
    t: np.ndarray  # epoch seconds
    web: np.ndarray  # bool: web order (else store)
    cents_eur: np.ndarray  # true spend in EUR cents
    cents: np.ndarray  # booked amount in its currency
    gbp: np.ndarray  # bool
    margin_cents: np.ndarray  # -1 = unknown
    items: pa.Array  # JSON text
    delayed: np.ndarray  # bool: Delivery Delayed planted (web orders only)
    last_before_dropout: np.ndarray  # bool
    order_id: pa.Array
    first_cat: np.ndarray  # category index of the first line item
    first_sku: np.ndarray  # SKU number of the first line item
    app: np.ndarray  # bool: web order placed in the mobile app (channel "app")


def make_orders(
    rng: np.random.Generator,
    people: People,
    has_web: np.ndarray,
    has_store: np.ndarray,
    draw: BgnbdDraw,
    has_device: np.ndarray | None = None,
) -> Orders:
    """All orders: one at acquisition plus the BG/NBD repeat purchases, with Gamma-Gamma spend."""
    n = people.n
    person = np.r_[np.arange(n), draw.owner]
    t = np.r_[
        people.acquired_s,
        people.acquired_s[draw.owner] + (draw.offsets_w * WEEK_S).astype(np.int64),
    ]
    t = np.minimum(t, AS_OF_S)
    # last repeat purchase of a churned person is followed by dropout
    is_last = np.zeros(person.size, dtype=bool)
    last_idx = n + np.cumsum(draw.x) - 1
    is_last[last_idx[draw.churned & (draw.x > 0)]] = True
    order = np.lexsort((person, t))
    person, t, is_last = person[order], t[order], is_last[order]
    m = person.size

    both = has_web[person] & has_store[person]
    web = np.where(both, rng.random(m) < people.web_pref[person], has_web[person])
    z = rng.gamma(GAMMA_GAMMA["p"], 1.0 / people.nu[person])
    cents_eur = np.maximum(np.round(z * 100), 1).astype(np.int64)
    gbp = (~web) & (people.country[person] == 0) & (rng.random(m) < GBP_SHARE * 2.5)
    cents = np.where(
        gbp, np.maximum(np.round(cents_eur * GBP_PER_EUR), 1).astype(np.int64), cents_eur
    )

    # Line items: 1-4 per order, categories from the person's preferences.
    n_items = np.minimum(1 + rng.poisson(0.45, m), 4)
    n_items = np.minimum(n_items, np.maximum(cents, 1))
    line_order = np.repeat(np.arange(m), n_items)
    cum = np.cumsum(people.cat_prefs, axis=1)
    u = rng.random(line_order.size)
    cat = (cum[person[line_order]] < u[:, None]).sum(axis=1)
    cat = np.minimum(cat, len(CATEGORIES) - 1)
    w = rng.gamma(2.0, 1.0, line_order.size)
    wsum = np.bincount(line_order, weights=w, minlength=m)
    line_cents = np.floor(cents[line_order] * w / wsum[line_order]).astype(np.int64)
    line_cents = np.maximum(line_cents, 0)
    pos = group_rank(line_order)
    first_line = np.flatnonzero(pos == 0)
    line_cents[first_line] += cents - np.bincount(
        line_order, weights=line_cents, minlength=m
    ).astype(np.int64)
    qty = np.where(
        (line_cents % 2 == 0) & (line_cents > 0) & (rng.random(line_order.size) < 0.12), 2, 1
    )
    price = line_cents // qty
    cat_codes = np.array([c[:3].upper() for c in CATEGORIES], dtype=object)
    sku_num = np.minimum(rng.zipf(1.6, line_order.size), 999)
    sku = concat(pa.array(cat_codes[cat].astype(str)), "-", int_text(sku_num, width=4))
    obj = concat(
        '{"sku":"',
        sku,
        '","category":"',
        pa.array(np.array(CATEGORIES)[cat]),
        '","qty":',
        pc.cast(pa.array(qty), pa.string()),
        ',"price":',
        money_text(price),
        "}",
    )
    offsets = np.r_[0, np.cumsum(n_items)].astype(np.int32)
    items = concat("[", pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), obj), ","), "]")

    rates = np.array([MARGIN_RATES[c] for c in CATEGORIES])
    margin_eur = np.bincount(line_order, weights=line_cents * rates[cat], minlength=m)
    margin = np.where(rng.random(m) < MARGIN_SHARE, np.round(margin_eur).astype(np.int64), -1)

    delayed = web & (rng.random(m) < np.where(is_last, DELAY_IF_LAST, DELAY_OTHERWISE))
    device = np.zeros(n, bool) if has_device is None else has_device
    app = web & device[person] & (rng.random(m) < APP_SHARE)
    seq = np.zeros(m, dtype=np.int64)
    seq[web] = np.arange(int(web.sum()))
    seq[~web] = np.arange(int((~web).sum()))
    oid = pc.if_else(pa.array(web), int_text(seq + 100_001, "WO-"), int_text(seq + 500_001, "SO-"))
    return Orders(
        person=person,
        t=t,
        web=web,
        cents_eur=cents_eur,
        cents=cents,
        gbp=gbp,
        margin_cents=margin,
        items=items,
        delayed=delayed,
        last_before_dropout=is_last,
        order_id=oid,
        app=app,
        first_cat=cat[first_line],
        first_sku=sku_num[first_line],
    )


def orders_table(o: Orders, web_rid: pa.Array, store_rid: pa.Array) -> pa.Table:
    """The ``orders`` table in canonical columns (text values, CSV-ready)."""
    from idic.datasets.demo_util import ts_text

    rid = pc.if_else(
        pa.array(o.web),
        pc.take(web_rid, pa.array(o.person)),
        pc.take(store_rid, pa.array(o.person)),
    )
    return pa.table(
        {
            "order_id": o.order_id,
            "source": pc.if_else(pa.array(o.web), pa.scalar("web"), pa.scalar("store")),
            "source_customer_id": rid,
            "ordered_at": ts_text(o.t),
            "amount": money_text(o.cents),
            "currency": pc.if_else(pa.array(o.gbp), pa.scalar("GBP"), pa.scalar("EUR")),
            "channel": pc.if_else(
                pa.array(o.app),
                pa.scalar("app"),
                pc.if_else(pa.array(o.web), pa.scalar("web"), pa.scalar("store")),
            ),
            "margin": money_text(np.maximum(o.margin_cents, 0), mask=o.margin_cents < 0),
            "items": o.items,
        }
    )
