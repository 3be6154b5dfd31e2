"""Behavioural events (Segment-style) of the demo world: journeys with planted effects.

Web / app sessions are expanded from a slot template (awareness touch, page, product views,
cart, checkout, checkout error, live chat, order, delivery, review). Every web order has a
converting session whose ``Order Completed`` event carries the order's time and id; other
sessions browse and sometimes abandon at checkout. Planted effects (recorded in the truth):

* pain point ``Checkout Error``: far more frequent in abandoned checkouts than in converting
  ones, so conversion of checkout sessions with an error is sharply lower;
* moment of truth ``Live Chat Resolved``: far more frequent in converting checkouts;
* pain point ``Delivery Delayed``: planted on web orders (see :mod:`demo_orders`), far more
  often on the last order before the person drops out.

Anonymous browsing happens before the web account exists (``anonymous_id`` = cookie only);
an ``identify`` call at account creation links the cookie to the ``user_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from idic.datasets.demo_util import (
    AS_OF_S,
    DAY_S,
    START_S,
    WEEK_S,
    group_rank,
    row_choice,
)

#: name -> (type, stage, channel, creator, sentiment)
EVENT_TAXONOMY: dict[str, tuple[str, str | None, str, str | None, str | None]] = {
    "Ad Clicked": ("track", "awareness", "web", "paid", "neutral"),
    "Social Ad Clicked": ("track", "awareness", "social", "paid", "neutral"),
    "Search Result Clicked": ("track", "awareness", "web", "earned", "neutral"),
    "Friend Referral Clicked": ("track", "awareness", "web", "earned", "positive"),
    "Page Viewed": ("page", "consideration", "web", "owned", "neutral"),
    "Screen Viewed": ("screen", "consideration", "app", "owned", "neutral"),
    "Product Viewed": ("track", "consideration", "web", "owned", "neutral"),
    "Added To Cart": ("track", "consideration", "web", "owned", "neutral"),
    "Checkout Started": ("track", "purchase", "web", "owned", "neutral"),
    "Checkout Error": ("track", "purchase", "web", "owned", "negative"),
    "Live Chat Resolved": ("track", "support", "web", "owned", "positive"),
    "Order Completed": ("track", "purchase", "web", "owned", "positive"),
    "Order Delivered": ("track", "use", "web", "owned", "positive"),
    "Delivery Delayed": ("track", "use", "web", "owned", "negative"),
    "Review Posted": ("track", "loyalty", "web", "earned", None),
    "Email Opened": ("track", "awareness", "email", "owned", "neutral"),
    "Email Clicked": ("track", "consideration", "email", "owned", "neutral"),
    "Email Unsubscribed": ("track", "loyalty", "email", "owned", "negative"),
    "Store Visit": ("track", "consideration", "store", "owned", "neutral"),
    "Support Call": ("track", "support", "call_centre", "owned", None),
    "Complaint Submitted": ("track", "support", "web", "owned", "negative"),
    "Social Post Liked": ("track", "loyalty", "social", "earned", "positive"),
    "identify": ("identify", None, "web", None, None),
}
NAMES = tuple(EVENT_TAXONOMY)
CODE = {name: i for i, name in enumerate(NAMES)}
EVENT_SOURCES = ("web", "app", "email", "store", "call_centre", "social")
SRC = {s: i for i, s in enumerate(EVENT_SOURCES)}
#: Which identities source holds the user_id of an event source.
USER_ID_SOURCE = {
    "web": "web",
    "app": "web",
    "email": "email_list",
    "store": "store",
    "call_centre": "call_centre",
    "social": "social",
}

# Planted journey effects (probabilities per checkout session).
P_ERROR_CONVERTING = 0.03
P_ERROR_ABANDONED = 0.40
P_CHAT_CONVERTING = 0.15
P_CHAT_ABANDONED = 0.02
#: Share of events whose stage / creator / sentiment are left empty (derived by rules).
UNLABELLED_SHARE = 0.15

_SLOTS = 12
_AWARE = ("Ad Clicked", "Social Ad Clicked", "Search Result Clicked", "Friend Referral Clicked")
_AWARE_CUM = np.array([0.4, 0.65, 0.9, 1.0])
_CAMPAIGNS = ("spring_sale", "summer_sale", "back_to_school", "black_friday", "christmas", "new_in")
_ERRORS = ("payment_declined", "address_invalid", "timeout", "promo_code_rejected")


@dataclass
class EventBatch:
    """Column arrays of events before assembly (one row per event)."""

    person: np.ndarray
    t: np.ndarray
    code: np.ndarray
    src: np.ndarray
    order: np.ndarray  # order index (-1 none)
    cat: np.ndarray  # category index for product events (-1 none)
    extra: np.ndarray  # rating / days late / error code (-1 none)

    @staticmethod
    def concat(parts: list[EventBatch]) -> EventBatch:
        return EventBatch(
            *[
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("person", "t", "code", "src", "order", "cat", "extra")
            ]
        )


def singles(
    person: np.ndarray,
    t: np.ndarray,
    name: str,
    source: str,
    extra: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> EventBatch:
    """A batch of one-off events of one name and source."""
    k = person.size
    return EventBatch(
        person=np.asarray(person, np.int64),
        t=np.asarray(t, np.int64),
        code=np.full(k, CODE[name], np.int32),
        src=np.full(k, SRC[source], np.int32),
        order=np.full(k, -1, np.int64) if order is None else np.asarray(order, np.int64),
        cat=np.full(k, -1, np.int32),
        extra=np.full(k, -1, np.int64) if extra is None else np.asarray(extra, np.int64),
    )


def web_sessions(
    rng: np.random.Generator,
    persons: np.ndarray,
    lam: np.ndarray,
    acq: np.ndarray,
    churn: np.ndarray,
    prefs: np.ndarray,
    has_device: np.ndarray,
    web_created: np.ndarray,
    o_idx: np.ndarray,
    o_person: np.ndarray,
    o_t: np.ndarray,
    o_cat: np.ndarray,
    o_sku: np.ndarray,
    o_delayed: np.ndarray,
    o_app: np.ndarray,
) -> tuple[EventBatch, dict[str, int]]:
    """Converting sessions for the web orders ``o_idx`` and browsing sessions for ``persons``."""
    # Browsing sessions: before acquisition and during the active life.
    lo = np.maximum(acq - 45 * DAY_S, START_S)
    hi = np.where(churn >= 0, np.minimum(churn + 30 * DAY_S, AS_OF_S), AS_OF_S)
    rate = 0.06 + 0.7 * lam
    n_browse = rng.poisson(rate * (hi - lo) / WEEK_S)
    n_pre = np.where(rng.random(persons.size) < 0.7, 1 + rng.poisson(0.6, persons.size), 0)
    b_person = np.repeat(np.arange(persons.size), n_browse)
    b_t = lo[b_person] + (rng.random(b_person.size) * (hi - lo)[b_person]).astype(np.int64)
    p_person = np.repeat(np.arange(persons.size), n_pre)
    p_t = acq[p_person] - (rng.random(p_person.size) * 30 * DAY_S).astype(np.int64) - 3600
    sp = np.r_[o_person, b_person, p_person]  # local person index
    st = np.r_[o_t, b_t, p_t]
    buy = np.r_[np.ones(o_person.size, bool), np.zeros(b_person.size + p_person.size, bool)]
    s_order = np.r_[o_idx, np.full(b_person.size + p_person.size, -1)]
    n_s = sp.size
    s_cat = np.r_[o_cat, row_choice(rng, prefs[np.r_[b_person, p_person]])]
    browse_app = (
        has_device[sp] & (st > web_created[sp]) & (web_created[sp] >= 0) & (rng.random(n_s) < 0.35)
    )
    app = np.where(buy, np.r_[o_app, np.zeros(n_s - o_app.size, bool)], browse_app)

    u = rng.random((n_s, _SLOTS))
    m = np.zeros((n_s, _SLOTS), dtype=bool)
    m[:, 0] = u[:, 0] < np.where(buy, 0.6, 0.5)
    m[:, 1] = True
    m[:, 2] = buy | (u[:, 2] < 0.8)
    m[:, 3] = m[:, 2] & (u[:, 3] < np.where(buy, 0.6, 0.4))
    m[:, 4] = m[:, 3] & (u[:, 4] < 0.4)
    m[:, 5] = buy | (m[:, 2] & (u[:, 5] < 0.40))
    m[:, 6] = buy | (m[:, 5] & (u[:, 6] < 0.60))
    m[:, 7] = m[:, 6] & (u[:, 7] < np.where(buy, P_ERROR_CONVERTING, P_ERROR_ABANDONED))
    m[:, 8] = m[:, 6] & (u[:, 8] < np.where(buy, P_CHAT_CONVERTING, P_CHAT_ABANDONED))
    m[:, 9] = buy
    m[:, 10] = buy
    m[:, 11] = buy & (u[:, 11] < 0.12)
    stats = {
        "checkout_sessions": int(m[:, 6].sum()),
        "checkout_converted": int((m[:, 6] & buy).sum()),
        "error_sessions": int(m[:, 7].sum()),
        "error_converted": int((m[:, 7] & buy).sum()),
        "chat_sessions": int(m[:, 8].sum()),
        "chat_converted": int((m[:, 8] & buy).sum()),
    }
    s, slot = np.nonzero(m)
    k = s.size
    gaps = (10 + rng.exponential(80.0, k)).astype(np.int64)
    cum = np.cumsum(gaps)
    rank = group_rank(s)
    first_idx = np.flatnonzero(rank == 0)
    start_cum = np.repeat(cum[first_idx] - gaps[first_idx], np.diff(np.r_[first_idx, k]))
    c = cum - start_cum
    # Anchor converting sessions on the order time (the Order Completed slot).
    at_order = np.zeros(n_s, dtype=np.int64)
    oi = slot == 9
    at_order[s[oi]] = c[oi]
    t = np.where(buy[s], st[s] - (at_order[s] - c), st[s] + c)
    delayed = np.zeros(n_s, dtype=bool)
    delayed[: o_person.size] = o_delayed
    deliv = slot == 10
    days = np.where(delayed[s], rng.uniform(8, 16, k), rng.uniform(1.5, 4.5, k))
    t = np.where(deliv, st[s] + (days * DAY_S).astype(np.int64), t)
    rev = slot == 11
    t = np.where(rev, st[s] + ((days + rng.uniform(1, 9, k)) * DAY_S).astype(np.int64), t)

    code = np.full(k, CODE["Page Viewed"], np.int32)
    aware = np.array([CODE[a] for a in _AWARE], np.int32)
    v = u[s, 0] / np.where(buy[s], 0.6, 0.5)
    code[slot == 0] = aware[np.minimum(np.searchsorted(_AWARE_CUM, v, side="right"), 3)][slot == 0]
    code[(slot == 1) & app[s]] = CODE["Screen Viewed"]
    for sl, name in (
        (2, "Product Viewed"),
        (3, "Product Viewed"),
        (4, "Product Viewed"),
        (5, "Added To Cart"),
        (6, "Checkout Started"),
        (7, "Checkout Error"),
        (8, "Live Chat Resolved"),
        (9, "Order Completed"),
        (11, "Review Posted"),
    ):
        code[slot == sl] = CODE[name]
    code[deliv] = np.where(delayed[s[deliv]], CODE["Delivery Delayed"], CODE["Order Delivered"])
    extra = np.full(k, -1, np.int64)
    good = rng.random(k) < np.where(delayed[s], 0.2, 0.85)
    extra[rev] = np.where(good, rng.integers(4, 6, k), rng.integers(1, 3, k))[rev]
    extra[deliv] = np.where(delayed[s], (days - 3).astype(np.int64), -1)[deliv]
    extra[slot == 7] = rng.integers(0, len(_ERRORS), k)[slot == 7]
    src = np.where(app[s] & (slot <= 9), SRC["app"], SRC["web"]).astype(np.int32)
    cat = np.where((slot >= 2) & (slot <= 5), s_cat[s], -1).astype(np.int32)
    other = (slot >= 3) & (slot <= 4)
    cat[other] = row_choice(rng, prefs[sp[s[other]]])
    # Product events carry a SKU number; converting sessions view and buy the order's first SKU.
    s_sku = np.r_[o_sku, np.minimum(rng.zipf(1.6, n_s - o_sku.size), 999)]
    sku_ev = np.where(other, np.minimum(rng.zipf(1.6, k), 999), s_sku[s])
    extra = np.where(cat >= 0, sku_ev, extra)
    batch = EventBatch(
        person=persons[sp[s]],
        t=t,
        code=code,
        src=src,
        order=np.where(slot >= 9, s_order[s], -1),
        cat=cat,
        extra=extra,
    )
    return batch, stats
