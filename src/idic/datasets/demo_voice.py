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
_TEXTS = {
    "late delivery": (
        "Parcel arrived {n} days late",
        "My order still hasn't arrived, it's been {n} days",
        "Delivery was promised for Friday, nothing yet",
        "Where is my order?? {n} days waiting",
    ),
    "damaged item": (
        "The box was crushed and the item is broken",
        "Arrived damaged, screen cracked",
        "Item scratched on arrival",
    ),
    "wrong item": ("I received the wrong size", "This is not what I ordered", "Wrong colour sent"),
    "refund request": (
        "I returned the item {n} days ago and still no refund",
        "Please refund my order",
        "Refund not received yet",
    ),
    "billing error": (
        "I was charged twice",
        "The price charged is higher than on the website",
        "Promo code not applied to my bill",
    ),
    "website problem": (
        "Checkout keeps failing with an error",
        "Cannot log in to my account",
        "Payment page times out",
    ),
    "product quality": (
        "Stopped working after a week",
        "Quality is poor for the price",
        "Fell apart after {n} washes",
    ),
    "rude staff": ("The shop assistant was rude to me", "Staff were unhelpful and dismissive"),
}
_COMMENTS = {
    "detractor": (
        "Delivery was late and nobody told me",
        "Terrible service",
        "Never again",
        "Support did not solve my problem",
        "Too slow, too expensive",
    ),
    "passive": ("It was ok", "Fine, nothing special", "Good products but delivery could be faster"),
    "promoter": (
        "Fast delivery, thanks",
        "Great choice and friendly staff",
        "Love this shop",
        "Excellent service, will buy again",
    ),
}


@dataclass
class Voice:
    cases: pa.Table
    surveys: pa.Table
    events: EventBatch
    n_cases: np.ndarray  # per person
    unresolved: np.ndarray  # per person: had an unresolved / rejected complaint
    attitude: np.ndarray  # per person latent attitude (N(0, 1))


def _texts(rng: np.random.Generator, topic: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = np.empty(topic.size, dtype=object)
    pick_i = rng.random(topic.size)
    for i, (tp, u, k) in enumerate(zip(topic.tolist(), pick_i.tolist(), n.tolist(), strict=True)):
        opts = _TEXTS[TOPICS[tp]]
        out[i] = opts[int(u * len(opts))].format(n=k)
    return out


def make_cases(
    rng: np.random.Generator,
    people: People,
    orders: Orders,
    member: dict[str, np.ndarray],
    rid: dict[str, pa.Array],
    churn_s: np.ndarray,
) -> tuple[pa.Table, EventBatch, np.ndarray, np.ndarray]:
    """Complaint cases (late deliveries and background topics) and their events."""
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
    keep = opened <= AS_OF_S - 3600
    person, opened, topic = person[keep], opened[keep], topic[keep]
    o = np.lexsort((person, opened))
    person, opened, topic = person[o], opened[o], topic[o]
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
    return table, ev, n_cases, had_bad


def make_surveys(
    rng: np.random.Generator,
    people: People,
    orders: Orders,
    member: dict[str, np.ndarray],
    rid: dict[str, pa.Array],
    cases: pa.Table,
    unresolved: np.ndarray,
) -> tuple[pa.Table, np.ndarray]:
    """NPS after orders, CSAT after cases, CES after calls, wallet answers."""
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
    comments = np.array(
        [
            _COMMENTS[b][int(u * len(_COMMENTS[b]))] if u < 0.4 else None
            for b, u in zip(
                np.array(["detractor", "passive", "promoter"])[band].tolist(),
                (rng.random(band.size)).tolist(),
                strict=True,
            )
        ],
        dtype=object,
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
        }
    )
    return out, attitude
