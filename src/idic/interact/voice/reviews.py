"""Suspicious (possibly deceptive) reviews, each flag with its reason.

Signals from the review-spam literature (Jindal & Liu 2008, "Opinion spam and analysis",
WSDM; Mukherjee, Liu & Glance 2012, "Spotting fake reviewer groups", WWW; Augmented
Customer Strategy ch. 5 on deceptive reviews):

* ``burst``: one author posts :data:`BURST_N` or more reviews within :data:`BURST_HOURS`
  hours (campaigns and paid reviewers post in bursts), or a day's count (per kind) is far
  above normal (more than the median day + :data:`DAY_Z` x max(1.4826 MAD, sqrt(median), 1));
* ``duplicate text``: the same text (case and spacing ignored, at least :data:`MIN_WORDS`
  words, so that "Great service" is not a duplicate) posted by two or more authors;
* ``rating/text disagreement``: a rating of 4-5 with negative text, or 1-2 with positive
  text (the retail sentiment scorer).

A flag is a reason to look, not proof: the demo world plants no fake reviews, and its flags
(42 of 764 reviews and mentions on the 1,000-customer demo, all bursts) are heavy posters and
busy days.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from idic.interact.voice.sentiment import score_texts

if TYPE_CHECKING:
    from idic.workspace import Workspace

BURST_N = 3
BURST_HOURS = 24
DAY_Z = 5.0
MIN_WORDS = 6
COLUMNS = ["review_id", "kind", "author", "posted_at", "rating", "text", "reasons"]


def _norm(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    t = " ".join(text.lower().split())
    return t if len(t.split()) >= MIN_WORDS else None


def flag_reviews(df: pd.DataFrame) -> pd.DataFrame:
    """Flag ``df`` (``review_id``, ``author``, ``posted_at``, ``rating`` 1-5 or null,
    ``text`` or null); returns the flagged rows with a ``reasons`` column."""
    d = df.copy()
    d["posted_at"] = pd.to_datetime(d["posted_at"], utc=True)
    reasons: list[list[str]] = [[] for _ in range(len(d))]
    pos = {i: k for k, i in enumerate(d.index)}
    # author bursts
    win = pd.Timedelta(hours=BURST_HOURS)
    for _, g in d.dropna(subset=["author"]).groupby("author"):
        if len(g) < BURST_N:
            continue
        g = g.sort_values("posted_at")
        t = g["posted_at"].to_numpy()
        hit = np.zeros(len(g), bool)
        for i in range(len(g) - BURST_N + 1):
            if t[i + BURST_N - 1] - t[i] <= win.to_timedelta64():
                hit[i:i + BURST_N] = True
        for idx in g.index[hit]:
            reasons[pos[idx]].append(f"burst: {BURST_N}+ reviews by one author in "
                                     f"{BURST_HOURS} h")
    # day bursts, per kind of review (ratings and mentions have their own rhythm)
    kinds = d["kind"] if "kind" in d.columns else pd.Series("review", index=d.index)
    for _, g in d.groupby(kinds):
        day = g["posted_at"].dt.floor("D")
        counts = day.value_counts()
        if len(counts) < 7:
            continue
        med = counts.median()
        scale = max(1.4826 * (counts - med).abs().median(), float(np.sqrt(med)), 1.0)
        hot = set(counts[counts > med + DAY_Z * scale].index)
        for idx, dd in zip(g.index, day, strict=True):
            if dd in hot:
                reasons[pos[idx]].append(f"burst: {int(counts[dd])} that day "
                                         f"(median {med:g})")
    # duplicate text across authors
    norm = d["text"].map(_norm)
    authors = d.assign(_n=norm).dropna(subset=["_n"]).groupby("_n")["author"].nunique()
    dup = set(authors[authors >= 2].index)
    for idx, n in zip(d.index, norm, strict=True):
        if n is not None and n in dup:
            reasons[pos[idx]].append(f"duplicate text: posted by {int(authors[n])} authors")
    # rating / text disagreement
    has = d["text"].notna() & d["rating"].notna()
    if has.any():
        sc = score_texts(d.loc[has, "text"].astype(str).tolist())
        for idx, r, s in zip(d.index[has], d.loc[has, "rating"], sc, strict=True):
            if (r >= 4 and s.label == "negative") or (r <= 2 and s.label == "positive"):
                reasons[pos[idx]].append(f"rating/text disagreement: {int(r)} stars, "
                                         f"{s.label} text")
    d["reasons"] = ["; ".join(r) if r else None for r in reasons]
    return d[d["reasons"].notna()].reset_index(drop=True)


def workspace_reviews(ws: Workspace) -> pd.DataFrame:
    """The workspace's reviews: ``Review Posted`` events (rating) and social mentions (text)."""
    parts = []
    if ws.engine.has_table("events"):
        e = ws.table("events")
        e = e.filter(e.event == "Review Posted").select(
            "message_id", "user_id", "anonymous_id", "timestamp", "properties").to_pandas()
        ratings = []
        for p in e["properties"]:
            try:
                v = json.loads(p).get("rating") if isinstance(p, str) else None
            except (ValueError, AttributeError):
                v = None
            ratings.append(float(v) if isinstance(v, int | float) else np.nan)
        parts.append(pd.DataFrame({
            "review_id": e["message_id"], "kind": "review",
            "author": e["user_id"].fillna(e["anonymous_id"]), "posted_at": e["timestamp"],
            "rating": ratings, "text": None}))
    if ws.engine.has_table("social"):
        m = ws.table("social").select("mention_id", "social_handle", "posted_at",
                                      "text").to_pandas()
        parts.append(pd.DataFrame({
            "review_id": m["mention_id"], "kind": "mention", "author": m["social_handle"],
            "posted_at": m["posted_at"], "rating": np.nan, "text": m["text"]}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS[:-1])
    return pd.concat(parts, ignore_index=True)


def suspicious_reviews(ws: Workspace) -> pd.DataFrame:
    """The ``suspicious_reviews`` rows of the workspace."""
    r = workspace_reviews(ws)
    if r.empty:
        return pd.DataFrame(columns=COLUMNS)
    return flag_reviews(r)[COLUMNS]


__all__ = ["flag_reviews", "suspicious_reviews", "workspace_reviews"]
