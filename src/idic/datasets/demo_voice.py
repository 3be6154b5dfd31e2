"""Voice of the customer in the demo world: complaint cases and survey responses.

Cases follow experience: a delayed delivery opens a ``late delivery`` complaint with
probability :data:`CASE_IF_DELAYED`; other topics arrive at a low background rate. NPS
scores fall after a delayed delivery and after an unresolved complaint (detractors are far
more likely after pain points); CSAT follows the case outcome; ``wallet`` answers state the
person's true annual category spend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets.demo_journeys import EventBatch, singles
from idic.datasets.demo_orders import Orders
from idic.datasets.demo_people import People
from idic.datasets.demo_util import (
    AS_OF_S,
    DAY_S,
    WEEK_S,
    choice_idx,
    int_text,
    money_text,
    pick,
    ts_text,
)

CASE_IF_DELAYED = 0.45
CASE_RATE_PER_WEEK = 0.004
NPS_SHARE_OF_ORDERS = 0.06
#: NPS model: score = round(8.3 + 1.2 * attitude - 3.5 * delayed - 2.5 * unresolved case + noise)
NPS_MODEL = {
    "base": 8.3,
    "attitude": 1.2,
    "delayed_delivery": -3.5,
    "unresolved_case": -2.5,
    "noise_sd": 1.0,
}
WALLET_SHARE = 0.30

TOPICS = (
    "late delivery",
    "damaged item",
    "wrong item",
    "refund request",
    "billing error",
    "website problem",
    "product quality",
    "rude staff",
)
_TOPIC_P = (0.0, 0.18, 0.12, 0.18, 0.12, 0.14, 0.18, 0.08)
_SEVERITY = ("low", "medium", "high", "critical")
_OUTCOMES = ("resolved", "refund", "replacement", "compensation", "rejected", "unresolved")
#: complaint text = one opening and one detail of the case's topic (``{n}`` a number of days):
#: real complaints name what went wrong in more than one way, so the words of a topic occur
#: together (what lets an unsupervised topic model find the topics; see ``voice/topics.py``)
_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "late delivery": (
        ("My delivery is {n} days late", "My parcel still hasn't arrived",
         "The delivery is late again", "Where is my parcel?? The delivery is late",
         "Still waiting for my delivery", "Late delivery"),
        ("the parcel tracking has not updated for {n} days",
         "delivery was promised for Friday", "the courier says the parcel is out for delivery",
         "I have been waiting {n} days for the delivery", "no delivery date, no parcel"),
    ),
    "damaged item": (
        ("The item arrived damaged", "The box was crushed and the item is broken",
         "It arrived broken and damaged", "My item came damaged", "Damaged on arrival"),
        ("the packaging was torn and the item damaged", "it is scratched and dented",
         "the glass is broken", "the box was soaked and the item is broken",
         "parts broke off, it is damaged"),
    ),
    "wrong item": (
        ("I received the wrong item", "This is the wrong item, not what I ordered",
         "You sent the wrong size", "Wrong colour sent", "The wrong product arrived"),
        ("I ordered a medium and got the wrong size", "the label shows someone else's order",
         "the colour is wrong", "it is the wrong model",
         "I need the item I actually ordered, not the wrong one"),
    ),
    "refund request": (
        ("I still have no refund", "Please refund my order", "Refund not received yet",
         "I want my money back, refund please", "Where is my refund?"),
        ("I returned the item {n} days ago and want a refund",
         "the return was accepted {n} days ago but no refund",
         "I sent it back with the return label", "the refund was promised within a week",
         "you confirmed the return but not the refund"),
    ),
    "billing error": (
        ("I was charged twice", "The price charged is higher than on the website",
         "My card was charged twice", "There is a wrong charge on my bill",
         "I was overcharged on my bill"),
        ("the promo code was not applied to my bill", "the bill shows a double charge",
         "the bill does not match the checkout price", "please correct the charge on my card",
         "the payment was charged two times"),
    ),
    "website problem": (
        ("Checkout keeps failing with an error", "I cannot log in to the website",
         "The website payment page times out", "Your website crashes at checkout",
         "The app shows an error at checkout"),
        ("the password reset link on the website does not work",
         "the website freezes after I enter my card", "the basket empties when I log in",
         "the website says error 500", "the checkout button does nothing"),
    ),
    "product quality": (
        ("It stopped working after a week, poor quality", "The quality is poor for the price",
         "It fell apart after {n} washes", "The product is faulty", "Very poor quality"),
        ("the stitching came loose, poor quality", "the material feels cheap",
         "the zip broke, the quality is poor",
         "it wore out in {n} days", "the battery dies after an hour, poor quality"),
    ),
    "rude staff": (
        ("The shop assistant was rude to me", "Staff were unhelpful and dismissive",
         "The staff member was rude", "Your staff were very rude", "The manager was rude"),
        ("the staff ignored my question", "the staff laughed at my complaint",
         "the staff refused to help", "the assistant was rude and shouted at me",
         "nobody on the staff would listen"),
    ),
}
#: NPS comment drivers and their comment parts, by answer group: a comment names what drove
#: the score (delivery after a delayed order, service after a badly handled complaint, else one
#: of price, product, service, delivery) and often adds a second remark of the same driver
DRIVERS = ("delivery", "price", "service", "product quality")
_COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "detractor": {
        "delivery": ("Delivery was late and nobody told me", "My parcel delivery came a week late",
                     "The courier lost my parcel", "Delivery took far too long",
                     "Delivery tracking never updated", "Late delivery again"),
        "price": ("Prices are too high", "Prices went up again", "Overpriced, poor value",
                  "Delivery charges make the price a rip-off", "Prices are cheaper elsewhere"),
        "service": ("Customer service did not solve my problem", "Terrible service",
                    "Customer service never answered my emails", "Customer service is a joke",
                    "My complaint was ignored by customer service",
                    "Still waiting for a reply from customer service"),
        "product quality": ("The product broke quickly, poor quality", "Poor quality products",
                            "The product was faulty", "Cheap quality materials",
                            "The product fell apart"),
    },
    "passive": {
        "delivery": ("Delivery was ok", "Delivery could be faster",
                     "Parcel delivery arrived in the end", "Delivery took a few days"),
        "price": ("Prices are fair", "Price is ok", "Not the cheapest prices",
                  "Prices are average"),
        "service": ("Customer service was fine", "Service was ok",
                    "Customer service answered eventually", "Service is average"),
        "product quality": ("Products are ok", "Product quality is fine for the price",
                            "Product quality is nothing special", "Good products, average quality"),
    },
    "promoter": {
        "delivery": ("Fast delivery, thanks", "Parcel delivery next day", "Super quick delivery",
                     "Delivery was on time", "Delivery arrived early, great"),
        "price": ("Great prices", "Good prices, good value", "Best prices in town",
                  "Great prices and deals"),
        "service": ("Excellent service, will buy again", "Friendly customer service",
                    "Customer service was very helpful", "Great customer service"),
        "product quality": ("Love the product quality", "Great quality products",
                            "Excellent product quality", "The products last, great quality"),
    },
}
COMMENT_SHARE = 0.4

@dataclass
class Voice:
    cases: pa.Table
    surveys: pa.Table
    events: EventBatch
    n_cases: np.ndarray  # per person
    unresolved: np.ndarray  # per person: had an unresolved / rejected complaint
    attitude: np.ndarray  # per person latent attitude (N(0, 1))


def _texts(rng: np.random.Generator, topic: np.ndarray, n: np.ndarray) -> np.ndarray:
    """One opening and one detail of each case's topic (the last draws of the cases stream,
    so they change the ``text`` column only)."""
    out = np.empty(topic.size, dtype=object)
    u = rng.random((topic.size, 2))
    for i, (tp, (a, b), k) in enumerate(zip(topic.tolist(), u.tolist(), n.tolist(),
                                            strict=True)):
        opening, detail = _TEXTS[TOPICS[tp]]
        text = f"{opening[int(a * len(opening))]}: {detail[int(b * len(detail))]}"
        out[i] = text.format(n=k)
    return out


def _comments(
    rng: np.random.Generator, band: np.ndarray, delayed: np.ndarray, unresolved: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """NPS comments: separate draws for *whether* there is a comment (share
    :data:`COMMENT_SHARE`), its driver, which remark and an optional second remark. A detractor
    after a delayed order writes about delivery, one after a badly handled complaint about
    service; everyone else about a driver drawn uniformly from :data:`DRIVERS`."""
    k = band.size
    has = rng.random(k) < COMMENT_SHARE
    drv = rng.integers(0, len(DRIVERS), k)
    drv = np.where((band == 0) & unresolved, DRIVERS.index("service"), drv)
    drv = np.where((band == 0) & delayed, DRIVERS.index("delivery"), drv)
    u = rng.random((k, 3))
    groups = np.array(["detractor", "passive", "promoter"])[band]
    text = np.full(k, None, dtype=object)
    driver = np.full(k, None, dtype=object)
    for i in np.flatnonzero(has).tolist():
        d = DRIVERS[int(drv[i])]
        opts = _COMMENTS[str(groups[i])][d]
        first = int(u[i, 0] * len(opts))
        text[i] = opts[first]
        if u[i, 1] < 0.35:  # a second remark about the same driver
            second = (first + 1 + int(u[i, 2] * (len(opts) - 1))) % len(opts)
            text[i] = f"{opts[first]}. {opts[second]}"
        driver[i] = d
    return text, driver


def make_cases(
    rng: np.random.Generator,
    people: People,
    orders: Orders,
    member: dict[str, np.ndarray],
    rid: dict[str, pa.Array],
    churn_s: np.ndarray,
) -> tuple[pa.Table, EventBatch, np.ndarray, np.ndarray, np.ndarray]:
    """Complaint cases (late deliveries and background topics) and their events; also the
    per-person case count and bad-handling flag and, per case, the index of the delayed order
    a late-delivery case complains about (-1 for the other topics)."""
    n = people.n
    d = np.flatnonzero(orders.delayed & (rng.random(orders.t.size) < CASE_IF_DELAYED))
    d_person, d_t = (
        orders.person[d],
        orders.t[d] + ((5 + rng.random(d.size) * 7) * DAY_S).astype(np.int64),
    )
    end = np.where(churn_s >= 0, np.minimum(churn_s + 60 * DAY_S, AS_OF_S), AS_OF_S)
    n_bg = rng.poisson(CASE_RATE_PER_WEEK * (end - people.acquired_s) / WEEK_S)
    b_person = np.repeat(np.arange(n), n_bg)
    b_t = people.acquired_s[b_person] + (
        rng.random(b_person.size) * (end - people.acquired_s)[b_person]
    ).astype(np.int64)
    person = np.r_[d_person, b_person]
    opened = np.r_[d_t, b_t]
    topic = np.r_[np.zeros(d.size, np.int32), choice_idx(rng, b_person.size, _TOPIC_P)]
    from_order = np.r_[d, np.full(b_person.size, -1, np.int64)]
    keep = opened <= AS_OF_S - 3600
    person, opened, topic, from_order = person[keep], opened[keep], topic[keep], from_order[keep]
    o = np.lexsort((person, opened))
    person, opened, topic, from_order = person[o], opened[o], topic[o], from_order[o]
    k = person.size
    cc = member["call_centre"][person] & (rng.random(k) < 0.75)
    web = ~cc & member["web"][person]
    channel = np.where(cc, 4, np.where(web, 0, np.where(rng.random(k) < 0.5, 3, 2)))  # index in ch
    src_id = pc.if_else(
        pa.array(cc),
        pc.take(rid["call_centre"], pa.array(person)),
        pc.if_else(
            pa.array(web),
            pc.take(rid["web"], pa.array(person)),
            pc.take(rid["store"], pa.array(person)),
        ),
    )
    source = np.where(cc, 2, np.where(web, 0, 1))
    first_resp = opened + np.where(
        cc, rng.exponential(600, k), rng.lognormal(np.log(6 * 3600), 1.0, k)
    ).astype(np.int64)
    resolve = first_resp + rng.lognormal(np.log(2 * DAY_S), 1.0, k).astype(np.int64)
    outcome = choice_idx(rng, k, (0.40, 0.20, 0.10, 0.12, 0.10, 0.08))
    late = topic == 0
    outcome = np.where(late & (outcome == 2), 3, outcome)
    unresolved = (outcome == 5) | (resolve > AS_OF_S)
    outcome = np.where(resolve > AS_OF_S, 5, outcome)
    first_resp = np.where(first_resp > AS_OF_S, -1, first_resp)
    resolved_at = np.where(unresolved, -1, resolve)
    sev = np.where(
        late, choice_idx(rng, k, (0.1, 0.5, 0.35, 0.05)), choice_idx(rng, k, (0.35, 0.4, 0.2, 0.05))
    )
    days = rng.integers(3, 15, k)
    table = pa.table(
        {
            "case_id": int_text(np.arange(k) + 1, "C-", 6),
            "source": pick(("web", "store", "call_centre"), source),
            "source_customer_id": src_id,
            "opened_at": ts_text(opened),
            "first_response_at": ts_text(first_resp),
            "resolved_at": ts_text(resolved_at),
            "channel": pick(("web", "app", "email", "store", "call_centre"), channel),
            "topic": pick(TOPICS, topic),
            "severity": pick(_SEVERITY, sev),
            "outcome": pick(_OUTCOMES, outcome),
            "text": pa.array(_texts(rng, topic, days).tolist(), pa.string()),
        }
    )
    bad = unresolved | (outcome == 4)
    ev = EventBatch.concat(
        [
            singles(
                person[cc],
                opened[cc],
                "Support Call",
                "call_centre",
                extra=bad[cc].astype(np.int64),
            ),
            singles(person[web], opened[web], "Complaint Submitted", "web"),
        ]
    )
    n_cases = np.bincount(person, minlength=n)
    had_bad = np.bincount(person, weights=bad, minlength=n) > 0
    return table, ev, n_cases, had_bad, from_order


def make_surveys(
    rng: np.random.Generator,
    people: People,
    orders: Orders,
    member: dict[str, np.ndarray],
    rid: dict[str, pa.Array],
    cases: pa.Table,
    unresolved: np.ndarray,
) -> tuple[pa.Table, np.ndarray, pa.ChunkedArray]:
    """NPS after orders, CSAT after cases, CES after calls, wallet answers; returns the
    table, the per-person attitude and each answer's comment driver (truth; null when the
    answer has no comment)."""
    n = people.n
    attitude = rng.normal(0, 1, n)
    sel = np.flatnonzero(rng.random(orders.t.size) < NPS_SHARE_OF_ORDERS)
    p_nps = orders.person[sel]
    t_nps = orders.t[sel] + ((3 + rng.random(sel.size) * 7) * DAY_S).astype(np.int64)
    m = NPS_MODEL
    score = (
        m["base"]
        + m["attitude"] * attitude[p_nps]
        + m["delayed_delivery"] * orders.delayed[sel]
        + m["unresolved_case"] * unresolved[p_nps]
        + rng.normal(0, m["noise_sd"], sel.size)
    )
    nps = np.clip(np.round(score), 0, 10)
    tp_nps = np.where(orders.web[sel], "delivery", "store")
    # CSAT and CES after cases.
    c_src = cases.column("source").to_numpy(zero_copy_only=False)
    c_id = cases.column("source_customer_id")
    c_out = cases.column("outcome").to_numpy(zero_copy_only=False)
    c_res = pc.strptime(cases.column("opened_at"), format="%Y-%m-%dT%H:%M:%SZ", unit="s")
    c_t = pc.cast(c_res, pa.int64()).to_numpy(zero_copy_only=False)
    k = c_src.size
    resp = rng.random(k) < 0.5
    good = np.isin(c_out, ["resolved", "refund", "replacement", "compensation"])
    csat = np.clip(np.round(np.where(good, 4.2, 1.8) + rng.normal(0, 0.8, k)), 1, 5)
    ces = np.clip(np.round(np.where(good, 2.5, 5.5) + rng.normal(0, 1.0, k)), 1, 7)
    is_ces = rng.random(k) < 0.35
    # Wallet answers (exact true annual category spend).
    w = np.flatnonzero(rng.random(n) < WALLET_SHARE)
    t_w = np.minimum(
        people.acquired_s[w]
        + (rng.random(w.size) * (AS_OF_S - people.acquired_s[w])).astype(np.int64),
        AS_OF_S,
    )

    def cust(persons: np.ndarray) -> tuple[pa.Array, pa.Array]:
        has_web = member["web"][persons]
        ids = pc.if_else(
            pa.array(has_web),
            pc.take(rid["web"], pa.array(persons)),
            pc.take(rid["store"], pa.array(persons)),
        )
        return pick(("web", "store"), (~has_web).astype(np.int32)), ids

    s1, id1 = cust(p_nps)
    s3, id3 = cust(w)
    ri = np.flatnonzero(resp)
    band = np.where(nps >= 9, 2, np.where(nps >= 7, 1, 0))
    comments, drivers = _comments(
        rng, band, orders.delayed[sel], unresolved[p_nps].astype(bool)
    )
    parts = [
        pa.table(
            {
                "source": s1,
                "source_customer_id": id1,
                "t": pa.array(t_nps),
                "survey": pa.array(["nps"] * sel.size),
                "score": pa.array(nps.astype(np.int64)),
                "comment": pa.array(comments.tolist(), pa.string()),
                "cents": pa.array(np.full(sel.size, -1)),
                "touchpoint": pa.array(tp_nps.tolist()),
                "order_id": pc.take(orders.order_id, pa.array(sel)),
                "case_id": pa.nulls(sel.size, pa.string()),
                "driver": pa.array(drivers.tolist(), pa.string()),
            }
        ),
        pa.table(
            {
                "source": pa.array(c_src[ri].tolist(), pa.string()),
                "source_customer_id": pc.take(c_id, pa.array(ri)),
                "t": pa.array(c_t[ri] + 2 * DAY_S),
                "survey": pa.array(np.where(is_ces[ri], "ces", "csat").tolist()),
                "score": pa.array(np.where(is_ces[ri], ces[ri], csat[ri]).astype(np.int64)),
                "comment": pa.nulls(ri.size, pa.string()),
                "cents": pa.array(np.full(ri.size, -1)),
                "touchpoint": pa.array(["complaint handling"] * ri.size),
                "order_id": pa.nulls(ri.size, pa.string()),
                "case_id": pc.take(cases.column("case_id"), pa.array(ri)),
                "driver": pa.nulls(ri.size, pa.string()),
            }
        ),
        pa.table(
            {
                "source": s3,
                "source_customer_id": id3,
                "t": pa.array(t_w),
                "survey": pa.array(["wallet"] * w.size),
                "score": pa.nulls(w.size, pa.int64()),
                "comment": pa.nulls(w.size, pa.string()),
                "cents": pa.array(np.round(people.wallet[w] * 100).astype(np.int64)),
                "touchpoint": pa.nulls(w.size, pa.string()),
                "order_id": pa.nulls(w.size, pa.string()),
                "case_id": pa.nulls(w.size, pa.string()),
                "driver": pa.nulls(w.size, pa.string()),
            }
        ),
    ]
    tb = pa.concat_tables(parts)
    t = tb.column("t").to_numpy()
    keep = np.flatnonzero(t <= AS_OF_S)
    tb = tb.take(pa.array(keep[np.argsort(t[keep], kind="stable")]))
    cents = tb.column("cents").to_numpy()
    out = pa.table(
        {
            "response_id": int_text(np.arange(tb.num_rows) + 1, "S-", 7),
            "source": tb.column("source"),
            "source_customer_id": tb.column("source_customer_id"),
            "responded_at": ts_text(tb.column("t").to_numpy()),
            "survey": tb.column("survey"),
            "score": tb.column("score"),
            "comment": tb.column("comment"),
            "category_spend": money_text(np.maximum(cents, 0), mask=cents < 0),
            "touchpoint": tb.column("touchpoint"),
            "channel": pa.array(["email"] * tb.num_rows),
            "order_id": tb.column("order_id"),
            "case_id": tb.column("case_id"),
        }
    )
    return out, attitude, tb.column("driver")


def delayed_orders_truth(
    orders: Orders, cases: pa.Table, case_order: np.ndarray, person_id: pa.Array
) -> pa.Table:
    """``truth/delayed_orders.parquet``: every delayed order, the late-delivery case it led to
    (null if none) and ``silent`` (the customer never complained about it)."""
    delayed = np.flatnonzero(orders.delayed)
    case_of = np.full(orders.t.size, -1, np.int64)
    late = np.flatnonzero(case_order >= 0)
    case_of[case_order[late]] = late
    ci = case_of[delayed]
    case_id = pc.take(cases.column("case_id"), pa.array(np.where(ci >= 0, ci, 0)))
    return pa.table(
        {
            "order_id": pc.take(orders.order_id, pa.array(delayed)),
            "person_id": pc.take(person_id, pa.array(orders.person[delayed])),
            "ordered_at": ts_text(orders.t[delayed]),
            "case_id": pc.if_else(pa.array(ci >= 0), case_id, pa.scalar(None, pa.string())),
            "silent": pa.array(ci < 0),
        }
    )


def voice_truth() -> dict[str, object]:
    """The voice effects planted in the demo (``params.json`` -> ``voice``)."""
    return {
        "complaint_if_delayed": CASE_IF_DELAYED,
        "background_cases_per_week": CASE_RATE_PER_WEEK,
        "case_topic_shares_background": dict(zip(TOPICS, _TOPIC_P, strict=True)),
        "case_outcome_shares": dict(
            zip(_OUTCOMES, (0.40, 0.20, 0.10, 0.12, 0.10, 0.08), strict=True)
        ),
        "badly_handled_outcomes": ["rejected", "unresolved"],
        "recovery_effect_on_retention": 0.0,
        "recovery_effect_note": "case outcomes are drawn independently of the person's purchase"
        " and dropout process, so handling a complaint well or badly has NO effect on"
        " retention (planted effect null); only NPS, CSAT and CES follow the outcome",
        "nps_model": dict(NPS_MODEL),
        "csat_model": {"mean_if_handled_well": 4.2, "mean_if_badly": 1.8, "noise_sd": 0.8},
        "ces_model": {"mean_if_handled_well": 2.5, "mean_if_badly": 5.5, "noise_sd": 1.0},
        "survey_response_share_after_case": 0.5,
        "ces_share_of_case_surveys": 0.35,
        "nps_comment_share": COMMENT_SHARE,
        "nps_comment_drivers": list(DRIVERS),
        "nps_comment_driver_rule": "detractor after a delayed order: delivery; detractor with a"
        " badly handled complaint: service; otherwise uniform over the drivers (truth per"
        " answer: truth/comment_drivers.parquet)",
        "silent_dissatisfied": "delayed orders without a late-delivery case (truth per order:"
        " truth/delayed_orders.parquet, column silent)",
        "survey_links": "NPS answers carry the order_id they follow; CSAT/CES the case_id",
    }
