"""A randomised win-back campaign in the demo world, with uplift planted by segment and value.

Drawn from its own stream (``rng_for(seed, 14)``) after every other file, into one new file
(``winback_campaign.csv``), so every other generated file stays byte-identical. Each unit
names the customer record it was mailed to (``source``, ``source_customer_id``). The lapsed
customers (the generator's churned persons) are split at random, half to a win-back mailing
(arm ``winback``) and half to a holdout (arm ``control``); ``reactivated`` (0/1) is drawn with

    P(reactivated) = BASE[value tier] + treated x (SEG_UPLIFT[segment] + TIER_UPLIFT[tier])

where the value tier is ``high`` for a wallet at or above the lapsed customers' median. The
planted uplifts (the expected treated-minus-control difference of each segment and tier over
its own customers) are in ``truth/params.json`` under ``winback_campaign``. Peppers & Rogers
ch. 12: one variable at a time, real randomness, a control group; the uplift differs by
customer, which is why the next best action should use it per segment.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

STREAM = 14
FILE = "winback_campaign.csv"
BASE = {"high": 0.06, "low": 0.03}
TIER_UPLIFT = {"high": 0.10, "low": 0.02}
SEG_UPLIFT = {"bookworm": 0.02, "tech_enthusiast": 0.00, "home_maker": 0.08,
              "fashionista": 0.04, "family_shopper": 0.06}
TREATED_SHARE = 0.5


def _record_keys(records: dict[str, pa.Array], idx: np.ndarray) -> tuple[list, list]:
    """Per unit, the customer record the mailing list used: the person's record in the first
    source (in ``records`` order) that has one (no random draw)."""
    cols = {s: np.asarray(a.to_pylist(), dtype=object)[idx] for s, a in records.items()}
    src: list[str | None] = [None] * len(idx)
    rid: list[str | None] = [None] * len(idx)
    for s, ids in cols.items():
        for i, r in enumerate(ids):
            if src[i] is None and r is not None:
                src[i], rid[i] = s, r
    return src, rid


def make_winback(rng: np.random.Generator, segment: np.ndarray, wallet: np.ndarray,
                 churned: np.ndarray, segment_names: list[str],
                 records: dict[str, pa.Array] | None = None) -> tuple[pa.Table, dict]:
    """The campaign's unit rows and its truth (``segment`` indexes ``segment_names``).

    With ``records`` (per source, each person's record id or null), every unit also carries
    the customer record it was mailed to (``source``, ``source_customer_id``, as orders do),
    so the campaign can be joined to the workspace's customers; no random draw is added."""
    idx = np.flatnonzero(churned)
    seg = np.array(segment_names, dtype=object)[segment[idx]]
    w = wallet[idx]
    tier = np.where(w >= np.median(w) if len(w) else 0.0, "high", "low").astype(object)
    treated = rng.random(len(idx)) < TREATED_SHARE
    base = np.array([BASE[t] for t in tier], dtype=float)
    up = np.array([SEG_UPLIFT[s] + TIER_UPLIFT[t] for s, t in zip(seg, tier, strict=True)],
                  dtype=float)
    y = (rng.random(len(idx)) < base + treated * up).astype(np.int64)
    keys: dict[str, pa.Array] = {}
    if records is not None:
        src, rid = _record_keys(records, idx)
        keys = {"source": pa.array(src, pa.string()),
                "source_customer_id": pa.array(rid, pa.string())}
    table = pa.table({
        "unit_id": [f"WB-{i + 1:06d}" for i in range(len(idx))],
        **keys,
        "segment": pa.array(seg.tolist(), pa.string()),
        "value_tier": pa.array(tier.tolist(), pa.string()),
        "arm": pa.array(np.where(treated, "winback", "control").tolist(), pa.string()),
        "reactivated": pa.array(y),
    })

    def planted(mask: np.ndarray) -> float:
        return round(float(up[mask].mean()), 6) if mask.any() else 0.0

    truth = {
        "stream": STREAM, "file": FILE, "units": len(idx), "treated_share": TREATED_SHARE,
        "outcome": "reactivated", "variant_col": "arm", "control": "control",
        "base_rate": dict(BASE), "tier_uplift": dict(TIER_UPLIFT),
        "segment_uplift": dict(SEG_UPLIFT),
        "uplift_overall": planted(np.ones(len(idx), dtype=bool)),
        "uplift_by_segment": {s: planted(seg == s) for s in segment_names if (seg == s).any()},
        "uplift_by_value_tier": {t: planted(tier == t) for t in ("high", "low")
                                 if (tier == t).any()},
    }
    return table, truth
