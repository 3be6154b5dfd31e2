"""Value beyond purchases: customer referral, influencer and knowledge value.

* **Customer referral value** (Kumar, Petersen & Leone 2007, "How valuable is word of mouth?",
  HBR 85(10); Kumar, Aksoy et al. 2010, J. Service Research): for each customer, over the
  customers they referred (direct referrals only; each referred customer credited once, to
  the earliest referrer)::

      CRV = s * sum(CLV of the referred) + (1 - s) * n * acquisition_cost - n * incentive

  ``s`` is the share of referred customers who would not have joined without the referral
  (their whole value is due to it); for the others (1 - s) the referral only saved the
  acquisition cost. ``n`` counts referrals (strangers included: they cost an incentive and
  saved an acquisition). Every number is an assumption in ``config.json`` (override it in
  ``<workspace>/network.json``); the CLV is the clv stage's ``lifetime_value`` by default.
* **Customer influencer value** (Kumar, Bhaskaran, Mirchandani & Shah 2013, "Creating a
  measurable social media marketing strategy", Marketing Science): a stated proxy, not their
  full model: value per engagement x sum over the person's mentions of engagement x the
  mention's sentiment score (-1..1), so bashers' reach counts as value destroyed.
* **Customer knowledge value** (Kumar & Bhagwat 2010; DOMAIN: useful information a customer
  gives): a count proxy: survey comments, complaint cases and reviews, each at a stated value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from idic.interact.network import graphs

if TYPE_CHECKING:
    from idic.workspace import Workspace

COUNTS = ("known", "orders", "survey_comments", "nps_answers", "cases", "touchpoints", "channels",
          "event_kinds", "reviews", "delivery_delays", "referrals", "in_degree", "out_degree",
          "referral_depth", "descendants", "mentioned_by", "mentions", "positive_mentions",
          "negative_mentions", "reach", "engagement", "negative_engagement", "influence",
          "engagement_rate", "share_of_voice")


def referral_value(n_referred: np.ndarray, referred_clv: np.ndarray,
                   cfg: dict[str, Any]) -> np.ndarray:
    """Kumar, Petersen & Leone's CRV from the counts and summed CLV of the referred."""
    s = float(cfg["share_would_not_join_otherwise"])
    return (s * referred_clv + (1 - s) * n_referred * float(cfg["acquisition_cost"])
            - n_referred * float(cfg["incentive_per_referral"]))


def add_values(ws: Workspace, df: pd.DataFrame, refs: pd.DataFrame,
               cfg: dict[str, Any]) -> pd.DataFrame:
    rv = cfg["referral_value"]
    col = rv["referred_value_column"]
    for c in COUNTS:
        if c not in df.columns:
            df[c] = 0
        df[c] = df[c].fillna(0)
    df["nps_mean"] = df.get("nps_mean", pd.Series(np.nan, index=df.index))
    df["mention_sentiment"] = df.get("mention_sentiment",
                                     pd.Series(np.nan, index=df.index))
    clv = {}
    if graphs.has_rows(ws, "clv"):
        c = ws.table("clv").select("customer_id", v=col).to_pyarrow().to_pandas()
        clv = dict(zip(c["customer_id"], c["v"].astype(float), strict=True))
    df["clv"] = df["customer_id"].map(clv).astype(float)
    r = refs[refs["referred_customer"]]
    got = r.assign(v=r["referred"].map(clv).fillna(0.0)).groupby("referrer")["v"].sum()
    df["referred_value"] = df["customer_id"].map(got).fillna(0.0)
    df["referral_value"] = referral_value(df["referrals"].to_numpy(float),
                                          df["referred_value"].to_numpy(float), rv)
    iv = cfg["influencer_value"]
    df["influencer_value"] = df["influence"].astype(float) * float(iv["value_per_engagement"])
    kv = cfg["knowledge_value"]
    df["knowledge_value"] = (df["survey_comments"] * float(kv["per_survey_comment"])
                             + df["cases"] * float(kv["per_case"])
                             + df["reviews"] * float(kv["per_review"]))
    df["negative_share"] = np.where(df["mentions"] > 0,
                                    df["negative_mentions"] / df["mentions"].clip(lower=1), 0.0)
    df["positive_share"] = np.where(df["mentions"] > 0,
                                    df["positive_mentions"] / df["mentions"].clip(lower=1), 0.0)
    return df


def top_referrers(metrics: pd.DataFrame, k: int = 10) -> dict[str, Any]:
    """The top referrers by count and by referral value (they differ: value is not volume)."""
    m = metrics[metrics["referrals"] > 0]
    by_count = m.sort_values(["referrals", "referral_value"], ascending=False).head(k)
    by_value = m.sort_values(["referral_value", "referrals"], ascending=False).head(k)
    keep = ["customer_id", "referrals", "referred_value", "referral_value", "clv"]

    def rows(d: pd.DataFrame) -> list[dict[str, Any]]:
        return [{**r, "referrals": int(r["referrals"])} for r in d[keep].to_dict("records")]

    return {"by_count": rows(by_count), "by_value": rows(by_value),
            "same_top": bool(len(m) and by_count.iloc[0]["customer_id"]
                             == by_value.iloc[0]["customer_id"])}


def targeting_grid(metrics: pd.DataFrame) -> pd.DataFrame:
    """Kumar, Petersen & Leone's 2x2: CLV high/low x CRV high/low (split at the medians of
    the customers who referred someone): Champions (both high), Affluents (CLV only),
    Advocates (CRV only), Misers (both low)."""
    m = metrics[metrics["referrals"] > 0].copy()
    if m.empty:
        return m.assign(quadrant=pd.Series(dtype=str))
    hi_clv = m["clv"].fillna(0) >= m["clv"].fillna(0).median()
    hi_crv = m["referral_value"] >= m["referral_value"].median()
    m["quadrant"] = np.select([hi_clv & hi_crv, hi_clv & ~hi_crv, ~hi_clv & hi_crv],
                              ["Champions", "Affluents", "Advocates"], "Misers")
    return m
