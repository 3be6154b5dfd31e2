"""The voice of each customer, and the "love becomes hate" alert list.

* ``customer_voice``: one row per customer who answered, complained, posted or was hurt:
  ``last_nps``, ``nps_group`` (promoter 9-10 / passive 7-8 / detractor 0-6), ``n_cases``,
  ``n_complaints`` (cases whose text reads negative), ``last_case_at``, ``negative_mentions``,
  ``mean_sentiment`` (over the person's NPS comments, case texts and mentions),
  ``silent_dissatisfied`` (a delayed order never complained about).
* ``voice_alerts`` ("love becomes hate", Grégoire, Tripp & Legoux 2009, *Journal of
  Marketing* 73(6): the most loyal customers turn most hostile after a failure handled
  badly; Augmented Customer Strategy ch. 10): the most valuable customers (top
  :data:`TOP_SHARE` by CLV, else by historical value) who turned detractor (last NPS 0-6 after
  an earlier 7-10) or posted negative public mentions, with the value at stake (their CLV).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from idic.interact.voice.sentiment import score_texts
from idic.interact.voice.service import customer_ids

if TYPE_CHECKING:
    from idic.workspace import Workspace

TOP_SHARE = 0.20


def nps_group(score: float | None) -> str | None:
    if score is None or score != score:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _mentions_by_customer(ws: Workspace, ms: pd.DataFrame) -> pd.DataFrame:
    if ms.empty or not ws.engine.has_table("identities"):
        return ms.assign(customer_id=None)
    ids = ws.table("identities")
    ids = ids.filter(ids.social_handle.notnull()).select(
        "source", "source_record_id", "social_handle").to_pandas()
    ids["customer_id"] = customer_ids(ws, ids, record="source_record_id")
    by_handle = dict(zip(ids["social_handle"].str.lower(), ids["customer_id"], strict=True))
    return ms.assign(customer_id=[by_handle.get(str(h).lower()) if h else None
                                  for h in ms["social_handle"]])


def nps_answers(ws: Workspace) -> pd.DataFrame:
    s = ws.table("survey_responses")
    s = s.filter((s.survey == "nps") & s.score.notnull()).select(
        "source", "source_customer_id", "responded_at", "score", "comment").to_pandas()
    s["customer_id"] = customer_ids(ws, s)
    return s.dropna(subset=["customer_id"]).sort_values(["customer_id", "responded_at"])


def customer_voice(ws: Workspace, ce: pd.DataFrame, sd: pd.DataFrame,
                   ms: pd.DataFrame) -> pd.DataFrame:
    """The ``customer_voice`` rows (see the module docstring)."""
    s = nps_answers(ws) if ws.engine.has_table("survey_responses") else pd.DataFrame(
        columns=["customer_id", "responded_at", "score", "comment"])
    m = _mentions_by_customer(ws, ms).dropna(subset=["customer_id"])
    c = ce.dropna(subset=["customer_id"])
    com = s.dropna(subset=["comment"])
    cs = score_texts(com["comment"].tolist())
    sent = pd.concat([
        pd.DataFrame({"customer_id": com["customer_id"], "s": [x.score for x in cs]}),
        pd.DataFrame({"customer_id": c["customer_id"], "s": c["sentiment_score"]}),
        pd.DataFrame({"customer_id": m["customer_id"], "s": m["sentiment_score"]}),
    ])
    ids = sorted(set(s["customer_id"]) | set(c["customer_id"]) | set(m["customer_id"])
                 | set(sd["customer_id"]))
    out = pd.DataFrame({"customer_id": ids})
    last = s.groupby("customer_id")["score"].last()
    out["last_nps"] = out["customer_id"].map(last)
    out["nps_group"] = [nps_group(v) for v in out["last_nps"]]
    out["n_cases"] = out["customer_id"].map(c.groupby("customer_id").size()).fillna(0)
    neg = c[c["sentiment"] == "negative"].groupby("customer_id").size()
    out["n_complaints"] = out["customer_id"].map(neg).fillna(0)
    lc = pd.to_datetime(c["opened_at"], utc=True).groupby(c["customer_id"]).max()
    out["last_case_at"] = out["customer_id"].map(lc)
    nm = m[m["sentiment"] == "negative"].groupby("customer_id").size()
    out["negative_mentions"] = out["customer_id"].map(nm).fillna(0)
    out["mean_sentiment"] = out["customer_id"].map(sent.groupby("customer_id")["s"].mean())
    out["silent_dissatisfied"] = out["customer_id"].isin(set(sd["customer_id"]))
    for col in ("n_cases", "n_complaints", "negative_mentions"):
        out[col] = out[col].astype("int64")
    return out


def love_becomes_hate(ws: Workspace, cv: pd.DataFrame, ms: pd.DataFrame) -> pd.DataFrame:
    """The ``voice_alerts`` rows: valuable customers who turned (see the module docstring)."""
    cols = ["customer_id", "value_category", "value_at_stake", "trigger", "last_nps",
            "previous_best_nps", "negative_mentions", "since"]
    val = None
    for table, col in (("clv", "clv"), ("value", "clv"), ("value", "historical_value")):
        if ws.engine.has_table(table) and col in ws.table(table).columns and ws.engine.count(
                table):
            val = ws.table(table).select("customer_id", col).to_pandas().rename(
                columns={col: "value_at_stake"})
            break
    if val is None or cv.empty:
        return pd.DataFrame(columns=cols)
    val = val.dropna()
    cut = val["value_at_stake"].quantile(1 - TOP_SHARE)
    top = val[val["value_at_stake"] >= cut]
    if ws.engine.has_table("value") and "value_category" in ws.table("value").columns:
        vc = ws.table("value").select("customer_id", "value_category").to_pandas()
        top = top.merge(vc, on="customer_id", how="left")
    else:
        top = top.assign(value_category=None)
    s = nps_answers(ws) if ws.engine.has_table("survey_responses") else pd.DataFrame(
        columns=["customer_id", "responded_at", "score"])
    rows: list[dict[str, Any]] = []
    m = _mentions_by_customer(ws, ms)
    negm = m[m["sentiment"] == "negative"].dropna(subset=["customer_id"])
    first_neg = pd.to_datetime(negm["posted_at"], utc=True).groupby(negm["customer_id"]).min()
    n_neg = negm.groupby("customer_id").size()
    by_c = {k: g for k, g in s.groupby("customer_id")}
    for r in top.itertuples(index=False):
        g = by_c.get(r.customer_id)
        trig, since, last, best = [], None, None, None
        if g is not None and len(g) >= 2:
            last, prev = float(g["score"].iloc[-1]), g["score"].iloc[:-1]
            best = float(prev.max())
            if last < 7 <= best:
                trig.append("turned detractor")
                since = pd.Timestamp(g["responded_at"].iloc[-1])
        if r.customer_id in n_neg.index:
            trig.append("negative mentions")
            t = first_neg[r.customer_id]
            since = t if since is None else min(pd.Timestamp(since), t)
        if trig:
            rows.append({"customer_id": r.customer_id, "value_category": r.value_category,
                         "value_at_stake": float(r.value_at_stake), "trigger": " + ".join(trig),
                         "last_nps": last, "previous_best_nps": best,
                         "negative_mentions": int(n_neg.get(r.customer_id, 0)),
                         "since": since})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["value_at_stake", "customer_id"],
                           ascending=[False, True]).reset_index(drop=True)


__all__ = ["TOP_SHARE", "customer_voice", "love_becomes_hate", "nps_group"]
