"""Bashers and negative network effects.

A basher is a customer whose engagement is mostly negative (Augmented Customer Strategy,
table 6.1: "negative or hateful engagement"); the rule lives with the roles
(``idic.differentiate.roles/rules.json``: at least 3 mentions, most of them negative: a
majority, not half, because 2 negative mentions out of 4 are as likely from an ordinary
customer with two bad days; on the default demo, 20,000 persons, seed 42, ">= 50%" had a
precision of 0.84 and "> 50%" 0.94, with recall 0.95).
"Love becomes hate" (DOMAIN, voice of the customer): the basher rate of customers who met a
pain point (a complaint case or a delayed delivery) against those who did not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _rate(mask: np.ndarray, pop: np.ndarray) -> float | None:
    n = int(pop.sum())
    return round(float((mask & pop).sum()) / n, 4) if n else None


def summary(metrics: pd.DataFrame, basher: np.ndarray, top_share: float = 0.2) -> dict[str, Any]:
    """Bashers' count and reach, bashers among the most valuable, love-becomes-hate rates."""
    social = (metrics["mentions"] > 0).to_numpy()
    pained = ((metrics["cases"] > 0) | (metrics["delivery_delays"] > 0)).to_numpy()
    clv = metrics["clv"].fillna(0).to_numpy(float)
    top = clv >= np.quantile(clv, 1 - top_share) if len(clv) else clv.astype(bool)
    top &= clv > 0
    reach = metrics["reach"].fillna(0).to_numpy(float)
    return {
        "bashers": int(basher.sum()),
        "basher_reach": int(reach[basher].sum()),
        "basher_reach_share": round(float(reach[basher].sum() / reach.sum()), 4)
        if reach.sum() else None,
        "bashers_in_top_clv": int((basher & top).sum()),
        "top_clv_share": top_share,
        "top_clv_basher_rate": _rate(basher, top),
        "basher_rate_after_pain_point": _rate(basher, social & pained),
        "basher_rate_without_pain_point": _rate(basher, social & ~pained),
        "social_customers": int(social.sum()),
    }


def truth_comparison(ws_path: Path, id_map: pd.DataFrame, metrics: pd.DataFrame,
                     basher: np.ndarray, min_mentions: int = 3) -> dict[str, Any] | None:
    """Detected vs planted bashers of a demo workspace (``demo-data/truth``).

    A customer is a planted basher when any of its true persons is one. Recall is given over
    the planted bashers that posted at least ``min_mentions`` mentions (a person who posted
    once cannot be told from a customer with one bad day) and over all who posted.
    """
    truth = ws_path / "demo-data" / "truth"
    if not (truth / "persons.parquet").is_file():
        return None
    import pyarrow.parquet as pq

    persons = pq.read_table(truth / "persons.parquet",
                            columns=["person_id", "basher", "delivery_delays",
                                     "bad_complaint", "social_handle", "sources"]).to_pandas()
    ids = pq.read_table(truth / "identity_truth.parquet").to_pandas()
    planted = set(persons.loc[persons["basher"], "person_id"])
    out: dict[str, Any] = {}
    params = truth / "params.json"
    if params.is_file():
        p = json.loads(params.read_text()).get("bashers")
        if p:
            out["planted_rates"] = {"after_pain_point": p["basher_share_after_pain_point"],
                                    "without": p["basher_share"]}
    social = persons[persons["sources"].str.contains("social")]
    pained = (social["delivery_delays"] > 0) | social["bad_complaint"]
    out["true_rate_after_pain_point"] = round(float(social.loc[pained, "basher"].mean()), 4)
    out["true_rate_without_pain_point"] = round(float(social.loc[~pained, "basher"].mean()), 4)
    return {**out, **_match(id_map, ids, planted, metrics, basher, min_mentions)}


def customer_person(id_map: pd.DataFrame, ids: pd.DataFrame) -> pd.Series:
    """customer_id -> the true person holding most of its records."""
    j = id_map.merge(ids, on=["source", "source_record_id"])
    n = j.groupby(["customer_id", "person_id"]).size().rename("n").reset_index()
    n = n.sort_values(["customer_id", "n", "person_id"], ascending=[True, False, True])
    return n.drop_duplicates("customer_id").set_index("customer_id")["person_id"]


def _match(id_map: pd.DataFrame, ids: pd.DataFrame, planted: set[str], metrics: pd.DataFrame,
           basher: np.ndarray, min_mentions: int) -> dict[str, Any]:
    person = metrics["customer_id"].map(customer_person(id_map, ids))
    true = person.isin(planted).to_numpy()
    mentions = metrics["mentions"].to_numpy()
    tp = int((basher & true).sum())
    det = int(basher.sum())
    obs = true & (mentions >= min_mentions)
    posted = true & (mentions >= 1)
    return {"detected": det, "true_positives": tp,
            "precision": round(tp / det, 4) if det else None,
            "planted_with_min_mentions": int(obs.sum()), "min_mentions": min_mentions,
            "recall": round(int((basher & obs).sum()) / int(obs.sum()), 4)
            if obs.any() else None,
            "planted_who_posted": int(posted.sum()),
            "recall_all_who_posted": round(int((basher & posted).sum()) / int(posted.sum()), 4)
            if posted.any() else None}
