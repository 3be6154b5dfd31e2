"""Contact pressure in the demo world: newsletter e-mails sent, and opt-outs they provoke.

Drawn from its own stream (``rng_for(seed, 13)``) after every other file, into two new files,
so every other generated file stays byte-identical:

* ``email_sends.parquet`` (events, the ``events.parquet`` layout): ``Email Sent`` to each
  e-mail-list subscriber at a personal cadence (1, 2, 4 or 8 newsletters per 30 days) over
  the last 180 days, and the ``Email Unsubscribed`` event of those who opt out;
* ``consents_optout.csv``: the matching ``email_marketing`` withdrawals (channel email,
  proof ``unsubscribe-link``), so the consent gate sees the opt-outs.

The planted effect (in ``truth/params.json`` under ``contact_pressure``): after each send,
the subscriber opts out (within 7 days) with probability ``H0 + H1 * (load - 1)``, where
``load`` is the number of e-mails they received in the 30 days up to and including it —
"a sense of pressure" pushes customers away (N'Goala et al., *Augmented Customer Strategy*,
ch. 13). Sends stop at an opt-out, and never go to someone already unsubscribed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from idic.datasets.demo_util import AS_OF_S, DAY_S, ts_text

STREAM = 13
EVENTS_FILE = "email_sends.parquet"
CONSENTS_FILE = "consents_optout.csv"
LOADS = (1, 2, 4, 8)
LOAD_P = (0.4, 0.3, 0.2, 0.1)
H0, H1 = 0.003, 0.004
WINDOW_DAYS = 180
PERIOD_DAYS = 30
OPTOUT_DAYS = 7


def make_pressure(rng: np.random.Generator, member: dict[str, np.ndarray],
                  rid: dict[str, pa.Array], first_seen: dict[str, np.ndarray],
                  unsub: np.ndarray, event_schema: pa.Schema
                  ) -> tuple[pa.Table, pa.Table, dict]:
    """The sends/opt-out events, the withdrawals, and the truth block."""
    start = AS_OF_S - WINDOW_DAYS * DAY_S
    people = np.flatnonzero(member["email_list"])
    loads = np.asarray(LOADS)[rng.choice(len(LOADS), people.size, p=LOAD_P)]
    who, when, what = [], [], []
    n_sends = np.zeros(len(LOADS), np.int64)
    n_out = np.zeros(len(LOADS), np.int64)
    for i, k in zip(people, loads, strict=True):
        gap = PERIOD_DAYS * DAY_S / k
        m = int(WINDOW_DAYS * DAY_S / gap)
        t = (start + (np.arange(m) + rng.random(m)) * gap).astype(np.int64)
        u = rng.random(m)
        v = rng.random()
        t = t[(t >= first_seen["email_list"][i]) & ((unsub[i] < 0) | (t < unsub[i]))]
        u = u[: t.size]
        if t.size == 0:
            continue
        load = np.searchsorted(t, t, side="right") - np.searchsorted(
            t, t - PERIOD_DAYS * DAY_S, side="right")
        p = H0 + H1 * (load - 1)
        hit = np.flatnonzero(u < p)
        li = LOADS.index(int(k))
        if hit.size:
            j = int(hit[0])
            t = t[: j + 1]
            t_out = min(int(t[-1] + v * OPTOUT_DAYS * DAY_S), AS_OF_S)
            who.append(i)
            when.append(t_out)
            what.append("Email Unsubscribed")
            n_out[li] += 1
        n_sends[li] += t.size
        who.extend([i] * t.size)
        when.extend(t.tolist())
        what.extend(["Email Sent"] * t.size)
    who_a, when_a = np.asarray(who, np.int64), np.asarray(when, np.int64)
    order = np.lexsort((np.asarray([w == "Email Unsubscribed" for w in what]), when_a))
    who_a, when_a = who_a[order], when_a[order]
    what_a = [what[j] for j in order]
    n = who_a.size
    uid = rid["email_list"]
    users = uid.take(pa.array(who_a)) if n else pa.array([], pa.string())
    ts = pa.array(when_a * 1000, pa.int64()).cast(pa.timestamp("ms", tz="UTC"))
    unsub_mask = np.asarray([w == "Email Unsubscribed" for w in what_a], bool)
    cols = {
        "message_id": pa.array([f"msgp-{j:010x}" for j in range(n)], pa.string()),
        "source": pa.array(["email"] * n, pa.string()),
        "type": pa.array(["track"] * n, pa.string()),
        "timestamp": ts,
        "event": pa.array(what_a, pa.string()),
        "user_id": users,
        "anonymous_id": pa.nulls(n, pa.string()),
        "channel": pa.array(["email"] * n, pa.string()),
        "stage": pa.array([None if m else "awareness" for m in unsub_mask], pa.string()),
        "creator": pa.array(["owned"] * n, pa.string()),
        "sentiment": pa.array(["negative" if m else None for m in unsub_mask], pa.string()),
        "properties": pa.array(['{"campaign": "newsletter"}'] * n, pa.string()),
        "context": pa.nulls(n, pa.string()),
    }
    events = pa.table({f.name: cols[f.name].cast(f.type) for f in event_schema})
    k = int(unsub_mask.sum())
    consents = pa.table({
        "source": pa.array(["email_list"] * k, pa.string()),
        "source_customer_id": users.filter(pa.array(unsub_mask)) if n else users,
        "purpose": pa.array(["email_marketing"] * k, pa.string()),
        "status": pa.array(["withdrawn"] * k, pa.string()),
        "recorded_at": ts_text(when_a[unsub_mask]),
        "proof": pa.array(["unsubscribe-link"] * k, pa.string()),
        "channel": pa.array(["email"] * k, pa.string()),
    })
    truth = {"stream": STREAM, "loads_per_30d": list(LOADS), "load_share": list(LOAD_P),
             "optout_h0": H0, "optout_h1": H1, "optout_within_days": OPTOUT_DAYS,
             "window_days": WINDOW_DAYS,
             "rule": "P(opt-out after a send) = h0 + h1 * (e-mails in the 30 days up to it - 1)",
             "sends_by_load": dict(zip(map(str, LOADS), n_sends.tolist(), strict=True)),
             "optouts_by_load": dict(zip(map(str, LOADS), n_out.tolist(), strict=True)),
             "files": {"events": EVENTS_FILE, "consents": CONSENTS_FILE}}
    return events, consents, truth
