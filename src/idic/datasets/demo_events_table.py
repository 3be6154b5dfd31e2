"""Assembly of the canonical ``events`` table from an :class:`EventBatch` (vectorised).

Low-cardinality text (names, taxonomy labels, most properties) is produced by dictionary
decoding of integer codes; identifiers by one gather from a concatenated id array.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets.demo_journeys import (
    _AWARE,
    _CAMPAIGNS,
    _ERRORS,
    CODE,
    EVENT_SOURCES,
    EVENT_TAXONOMY,
    NAMES,
    SRC,
    UNLABELLED_SHARE,
    USER_ID_SOURCE,
    EventBatch,
)
from idic.datasets.demo_people import CATEGORIES
from idic.datasets.demo_util import (
    AS_OF_S,
    START_S,
    WEEK_S,
    concat,
    hex_text,
    money_text,
    pick,
    ts_array,
)
from idic.schema.tables import CHANNELS, CREATORS, SENTIMENTS, STAGES

_FIELDS = ("person", "t", "code", "src", "order", "cat", "extra")
_PATHS = ("home", "offers", "stores", "help")


def _codes(vocab: tuple[str, ...], col: int) -> np.ndarray:
    """Per event-name code: the index of its taxonomy label in ``vocab`` (-1 = none)."""
    return np.array(
        [vocab.index(v[col]) if v[col] in vocab else -1 for v in EVENT_TAXONOMY.values()]
    )


def _vocab() -> tuple[list[str], dict[str, int]]:
    """Fixed JSON property strings and the offsets of each family in that vocabulary."""
    words = ["{}"]
    off = {"campaign": len(words)}
    words += [f'{{"campaign":"{c}"}}' for c in _CAMPAIGNS]
    off["path"] = len(words)
    words += [f'{{"path":"/{p}"}}' for p in _PATHS]
    off["error"] = len(words)
    words += [f'{{"error":"{e}"}}' for e in _ERRORS]
    off["rating"] = len(words)
    words += [f'{{"rating":{r}}}' for r in range(1, 6)]
    off["sku"] = len(words)
    words += [
        f'{{"sku":"{c[:3].upper()}-{k:04d}","category":"{c}"}}'
        for c in CATEGORIES
        for k in range(1000)
    ]
    return words, off


_WORDS, _OFF = _vocab()
_WORDS_ARR = pa.array(_WORDS, pa.string())


def assemble(
    rng: np.random.Generator,
    ev: EventBatch,
    msg_offset: int,
    user_ids: dict[str, pa.Array],
    web_created: np.ndarray,
    cookie: pa.Array,
    device: pa.Array,
    order_ids: pa.Array,
    order_cents: np.ndarray,
    order_gbp: np.ndarray,
    lo: int = 0,
) -> pa.Table:
    """Turn an event batch into the canonical ``events`` table (sorted by time).

    Per-person arrays (``user_ids``, ``web_created``, ``cookie``, ``device``) cover the persons
    ``lo <= person < lo + len(web_created)`` of the batch.
    """
    keep = (ev.t <= AS_OF_S) & (ev.t >= START_S)
    order = np.flatnonzero(keep)
    # identify calls sort first among a person's events of the same second
    rank = np.where(ev.code[order] == CODE["identify"], -1, ev.code[order])
    order = order[np.lexsort((rank, ev.person[order], ev.t[order]))]
    ev = EventBatch(*[getattr(ev, f)[order] for f in _FIELDS])
    k, n = ev.t.size, web_created.size
    code, src, person = ev.code, ev.src, ev.person - lo

    # user_id: one gather from the per-source id arrays (web / app before the account: none).
    id_sources = ("web", "email_list", "store", "call_centre", "social")
    all_ids = pa.concat_arrays([_flat(user_ids[s]) for s in id_sources])
    base = np.array([id_sources.index(USER_ID_SOURCE[s]) * n for s in EVENT_SOURCES])
    web_like = (src == SRC["web"]) | (src == SRC["app"])
    known = ~web_like | ((ev.t >= web_created[person]) & (web_created[person] >= 0))
    user = pc.take(all_ids, pa.array(base[src] + person, mask=~known))
    # anonymous_id: the cookie on the web (a never-identified cookie without an account), the device in the app.
    # 10 hex digits: never equal to a known (8-digit) cookie
    stranger = hex_text(
        np.arange(lo, lo + n, dtype=np.uint64) * np.uint64(2654435761) % np.uint64(2**40), "ck-", 10
    )
    cookies = pc.coalesce(_flat(cookie), stranger)
    anon_ids = pa.concat_arrays([cookies, _flat(device)])
    anon_idx = np.where(src == SRC["app"], n + person, person)
    anon = pc.take(anon_ids, pa.array(anon_idx, mask=~web_like))

    unl = rng.random(k) < UNLABELLED_SHARE
    stage = _codes(STAGES, 1)[code]
    creator = _codes(CREATORS, 3)[code]
    senti = _codes(SENTIMENTS, 4)[code]
    rev = code == CODE["Review Posted"]
    senti[rev] = np.where(ev.extra[rev] >= 4, 0, np.where(ev.extra[rev] <= 2, 2, 1))
    call = code == CODE["Support Call"]
    senti[call] = np.where(ev.extra[call] == 1, 2, 1)
    chan = np.where(
        src == SRC["web"],
        _codes(CHANNELS, 2)[code],
        np.array([CHANNELS.index(s) for s in EVENT_SOURCES])[src],
    )
    ident = code == CODE["identify"]
    chan[ident] = -1
    types = tuple(sorted({v[0] for v in EVENT_TAXONOMY.values()}))
    msg = hex_text(
        (np.arange(k, dtype=np.uint64) + np.uint64(msg_offset))
        * np.uint64(0x9E3779B1)
        % np.uint64(2**40),
        "msg-",
        width=10,
    )
    return pa.table(
        {
            "message_id": msg,
            "source": pick(EVENT_SOURCES, src),
            "type": pick(types, _codes(types, 0)[code]),
            "timestamp": ts_array(ev.t),
            "event": pick(NAMES, code, mask=ident),
            "user_id": user,
            "anonymous_id": anon,
            "channel": pick(CHANNELS, chan, mask=chan < 0),
            "stage": pick(STAGES, stage, mask=(stage < 0) | unl),
            "creator": pick(CREATORS, creator, mask=(creator < 0) | unl),
            "sentiment": pick(SENTIMENTS, senti, mask=(senti < 0) | unl),
            "properties": _properties(ev, order_ids, order_cents, order_gbp),
            "context": pa.nulls(k, pa.string()),
        }
    )


def _flat(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _properties(
    ev: EventBatch, order_ids: pa.Array, order_cents: np.ndarray, order_gbp: np.ndarray
) -> pa.Array:
    """JSON properties: fixed strings by dictionary code, order events built per order."""
    k = ev.t.size
    code = ev.code
    idx = np.zeros(k, dtype=np.int64)
    aware = np.isin(code, [CODE[a] for a in (*_AWARE, "Email Opened", "Email Clicked")])
    idx[aware] = _OFF["campaign"] + (ev.t[aware] // (8 * WEEK_S)) % len(_CAMPAIGNS)
    page = np.isin(code, [CODE["Page Viewed"], CODE["Screen Viewed"]])
    idx[page] = _OFF["path"] + ev.t[page] % len(_PATHS)
    err = code == CODE["Checkout Error"]
    idx[err] = _OFF["error"] + np.clip(ev.extra[err], 0, len(_ERRORS) - 1)
    prod = ev.cat >= 0
    idx[prod] = _OFF["sku"] + ev.cat[prod] * 1000 + np.clip(ev.extra[prod], 0, 999)
    rev_plain = (code == CODE["Review Posted"]) & (ev.order < 0)
    idx[rev_plain] = _OFF["rating"] + np.clip(ev.extra[rev_plain], 1, 5) - 1
    # Order events: strings built for those rows only.
    has_order = (ev.order >= 0) & ~prod
    hi = np.flatnonzero(has_order)
    oi = ev.order[hi]
    oid = pc.take(_flat(order_ids), pa.array(oi))
    c = code[hi]
    cur = pick(("EUR", "GBP"), order_gbp[oi].astype(np.int32))
    full = concat(
        '{"order_id":"',
        oid,
        '","revenue":',
        money_text(order_cents[oi]),
        ',"currency":"',
        cur,
        '"}',
    )
    num = pc.cast(pa.array(np.maximum(ev.extra[hi], 1)), pa.string())
    late = concat('{"order_id":"', oid, '","days_late":', num, "}")
    rated = concat('{"order_id":"', oid, '","rating":', num, "}")
    short = concat('{"order_id":"', oid, '"}')
    val = pc.if_else(
        pa.array(c == CODE["Order Completed"]),
        full,
        pc.if_else(
            pa.array(c == CODE["Delivery Delayed"]),
            late,
            pc.if_else(pa.array(c == CODE["Review Posted"]), rated, short),
        ),
    )
    idx[hi] = len(_WORDS) + np.arange(hi.size)
    return pc.take(pa.concat_arrays([_WORDS_ARR, _flat(val)]), pa.array(idx))
