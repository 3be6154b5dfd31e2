"""Consents, referrals and social mentions of the demo world.

* Consents: granted when a record is created (per purpose, per source), some withdrawn later;
  an e-mail-list withdrawal is also an ``Email Unsubscribed`` event.
* Referrals: among web accounts, referrers drawn with heavy-tailed (Pareto) propensities, so
  a few people refer many others.
* Social: mentions by the persons' social handles (plus strangers' handles), followers
  heavy-tailed (log-normal), bashers posting mostly negative mentions.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets.demo_journeys import EventBatch, singles
from idic.datasets.demo_people import People
from idic.datasets.demo_util import AS_OF_S, DAY_S, START_S, choice_idx, int_text, pick, ts_text

PURPOSES = ("email_marketing", "profiling", "personalisation", "third_party_sharing")
#: P(granted) per purpose at record creation, by source.
CONSENT_RATES = {
    "web": (0.65, 0.45, 0.55, 0.12),
    "store": (0.35, 0.25, 0.0, 0.05),
    "email_list": (1.0, 0.0, 0.0, 0.0),
}
WITHDRAW_SHARE = 0.10
REFERRED_SHARE = 0.10
BASHER_SHARE = 0.06
BASHER_SHARE_AFTER_PAIN = 0.30

_POS = (
    "Love the new store!",
    "Great service today, thanks @shop",
    "My order arrived early, brilliant",
    "Best prices in town",
    "Really helpful staff",
)
_NEU = (
    "Anyone tried the new range?",
    "Visiting the shop this weekend",
    "Is the sale still on?",
    "Ordered a few things online",
)
_NEG = (
    "Worst delivery ever, still waiting",
    "Never shopping here again",
    "Customer service is a joke",
    "Charged twice and no reply",
    "Avoid this shop",
)


def make_consents(
    rng: np.random.Generator,
    people: People,
    member: dict[str, np.ndarray],
    rid: dict[str, pa.Array],
    first_seen: dict[str, np.ndarray],
) -> tuple[pa.Table, EventBatch, np.ndarray]:
    """The consent ledger; returns also unsubscribe events and the per-person unsubscribe time."""
    tables: list[pa.Table] = []
    unsub = np.full(people.n, -1, dtype=np.int64)
    chan = {"web": "web", "store": "store", "email_list": "email"}
    proof = {"web": "form-signup-v3", "store": "paper-form-2024", "email_list": "double-opt-in"}
    for src, rates in CONSENT_RATES.items():
        idx = np.flatnonzero(member[src])
        for pi, purpose in enumerate(PURPOSES):
            g = idx[rng.random(idx.size) < rates[pi]]
            if g.size == 0:
                continue
            t_g = np.maximum(first_seen[src][g], START_S)
            w = rng.random(g.size) < WITHDRAW_SHARE
            t_w = t_g + (rng.random(g.size) * (AS_OF_S - t_g)).astype(np.int64)
            ids = pc.take(rid[src], pa.array(g))
            k, kw = g.size, int(w.sum())
            tables.append(
                pa.table(
                    {
                        "source": pa.array([src] * (k + kw)),
                        "source_customer_id": pa.concat_arrays([ids, ids.filter(pa.array(w))]),
                        "purpose": pa.array([purpose] * (k + kw)),
                        "status": pa.array(["granted"] * k + ["withdrawn"] * kw),
                        "t": pa.array(np.r_[t_g, t_w[w]]),
                        "proof": pa.array([proof[src]] * k + ["preference-centre"] * kw),
                        "channel": pa.array(
                            [chan[src]] * k + ["email" if src == "email_list" else "web"] * kw
                        ),
                    }
                )
            )
            if src == "email_list" and purpose == "email_marketing":
                unsub[g[w]] = t_w[w]
    tb = pa.concat_tables(tables)
    t = tb.column("t").to_numpy()
    tb = tb.take(pa.array(np.argsort(t, kind="stable")))
    out = tb.drop_columns(["t"]).add_column(4, "recorded_at", ts_text(tb.column("t").to_numpy()))
    u = np.flatnonzero(unsub >= 0)
    return out, singles(u, unsub[u], "Email Unsubscribed", "email"), unsub


def make_referrals(
    rng: np.random.Generator,
    people: People,
    member: dict[str, np.ndarray],
    rid: dict[str, pa.Array],
    web_created: np.ndarray,
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Referrals among web accounts; returns the table, referrer per person (-1) and the propensity."""
    n = people.n
    web = np.flatnonzero(member["web"])
    propensity = np.zeros(n)
    propensity[web] = rng.pareto(1.3, web.size) + 0.05
    order = web[np.argsort(web_created[web], kind="stable")]
    sorted_t = web_created[order]
    cumw = np.cumsum(propensity[order])
    referred = web[rng.random(web.size) < REFERRED_SHARE]
    t_ref = np.maximum(
        web_created[referred] - (rng.random(referred.size) * 3 * DAY_S).astype(np.int64), START_S
    )
    count = np.searchsorted(sorted_t, t_ref, side="left")
    ok = count > 0
    referred, t_ref, count = referred[ok], t_ref[ok], count[ok]
    target = rng.random(referred.size) * cumw[count - 1]
    referrer = order[np.minimum(np.searchsorted(cumw, target, side="right"), count - 1)]
    o = np.argsort(t_ref, kind="stable")
    referred, referrer, t_ref = referred[o], referrer[o], t_ref[o]
    k = referred.size
    table = pa.table(
        {
            "referral_id": int_text(np.arange(k) + 1, "R-", 6),
            "source": pa.array(["web"] * k),
            "referrer_id": pc.take(rid["web"], pa.array(referrer)),
            "referred_id": pc.take(rid["web"], pa.array(referred)),
            "referred_at": ts_text(t_ref),
            "channel": pick(("social", "email", "web"), choice_idx(rng, k, (0.45, 0.35, 0.20))),
        }
    )
    by = np.full(n, -1, dtype=np.int64)
    by[referred] = referrer
    return table, by, propensity


def make_social(
    rng: np.random.Generator,
    people: People,
    member: dict[str, np.ndarray],
    first_seen: dict[str, np.ndarray],
    pained: np.ndarray,
) -> tuple[pa.Table, EventBatch, np.ndarray, np.ndarray]:
    """Social mentions; returns the table, like events, per-person basher flag and followers."""
    n = people.n
    so = np.flatnonzero(member["social"])
    followers = np.zeros(n, dtype=np.int64)
    followers[so] = np.round(rng.lognormal(5.0, 1.8, so.size)).astype(np.int64)
    basher = np.zeros(n, dtype=bool)
    basher[so] = rng.random(so.size) < np.where(pained[so], BASHER_SHARE_AFTER_PAIN, BASHER_SHARE)
    activity = rng.gamma(0.6, 5.0, so.size) * np.where(basher[so], 2.0, 1.0)
    n_m = rng.poisson(activity)
    person = np.repeat(so, n_m)
    lo = first_seen["social"][person]
    t = lo + (rng.random(person.size) * (AS_OF_S - lo)).astype(np.int64)
    # Strangers (handles not in any source) mention the brand too.
    n_str = max(person.size // 5, 1)
    s_handle = int_text(rng.integers(0, 10**6, n_str), "@fan", 6)
    s_t = START_S + (rng.random(n_str) * (AS_OF_S - START_S)).astype(np.int64)
    s_fol = np.round(rng.lognormal(4.0, 2.0, n_str)).astype(np.int64)
    handles = pa.concat_arrays([pa.array(people.handle[person].tolist(), pa.string()), s_handle])
    t_all = np.r_[t, s_t]
    fol = np.r_[followers[person], s_fol]
    is_b = np.r_[basher[person], np.zeros(n_str, bool)]
    senti = np.where(
        is_b,
        choice_idx(rng, t_all.size, (0.1, 0.1, 0.8)),
        choice_idx(rng, t_all.size, (0.6, 0.3, 0.1)),
    )
    engagement = rng.poisson(np.maximum(fol, 1) * 0.02 * np.where(senti == 2, 1.6, 1.0))
    texts = np.empty(t_all.size, dtype=object)
    u = rng.random(t_all.size)
    for s, pool in enumerate((_POS, _NEU, _NEG)):
        sel = senti == s
        texts[sel] = np.array(pool, dtype=object)[(u[sel] * len(pool)).astype(int)]
    o = np.argsort(t_all, kind="stable")
    k = t_all.size
    ids = int_text(np.arange(k) + 1, "M-", 7)
    table = pa.table(
        {
            "mention_id": ids,
            "source": pa.array(["social"] * k),
            "social_handle": handles.take(pa.array(o)),
            "posted_at": ts_text(t_all[o]),
            "text": pa.array(texts[o].tolist(), pa.string()),
            "followers": pa.array(fol[o]),
            "engagement": pa.array(engagement[o]),
            "sentiment": pick(
                ("positive", "neutral", "negative"), senti[o], mask=rng.random(k) < 0.3
            ),
            "url": pc.binary_join_element_wise(pa.scalar("https://social.example/p/"), ids, ""),
        }
    )
    likes = rng.poisson(0.02 * (AS_OF_S - first_seen["social"][so]) / (7 * DAY_S))
    lp = np.repeat(so, likes)
    lt = first_seen["social"][lp] + (
        rng.random(lp.size) * (AS_OF_S - first_seen["social"][lp])
    ).astype(np.int64)
    return table, singles(lp, lt, "Social Post Liked", "social"), basher, followers
