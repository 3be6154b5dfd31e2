"""Network metrics per customer (table ``network_metrics``).

* PageRank (Page et al. 1999; :mod:`.pagerank`) on the influence graph: a referral credits
  the referrer (edge referred -> referrer) and a mention credits the person named (author ->
  named); every customer is a node, strangers too. Unweighted unless configured.
* Degrees of the referral graph (``out_degree``: people referred, ``in_degree``: referred by
  someone), referral chains (``referral_depth``: longest chain below the person,
  ``descendants``: everyone acquired through them, directly or not).
* Social reach and engagement (Augmented Customer Strategy, table 6.1, influencer KPIs):
  ``reach`` (largest follower count seen), ``mentions``, ``engagement_rate`` (engagement /
  followers summed over the mentions), ``share_of_voice`` (the person's share of all brand
  mentions, strangers included), ``mention_sentiment`` (mean score of the voice stage's
  scorer), ``positive_mentions``, ``negative_mentions``, ``negative_share``.
* Value beyond purchases (:mod:`.value`): ``referral_value``, ``influencer_value``,
  ``knowledge_value``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from idic.interact.network import graphs
from idic.interact.network.pagerank import build_graph, pagerank_graph

if TYPE_CHECKING:
    from idic.workspace import Workspace


def load_config(ws: Workspace | None = None) -> dict[str, Any]:
    """The packaged ``config.json``, updated by ``<workspace>/network.json`` when present."""
    cfg = json.loads(resources.files("idic.interact.network").joinpath("config.json")
                     .read_text())
    path = getattr(ws, "path", None)
    if path is not None and (Path(path) / "network.json").is_file():
        over = json.loads((Path(path) / "network.json").read_text())
        for k, v in over.items():
            cfg[k] = {**cfg[k], **v} if isinstance(cfg.get(k), dict) else v
    return cfg


def tree_metrics(referrer: np.ndarray, referred: np.ndarray,
                 nodes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(longest chain below, number of descendants) of each node of a referral forest.

    Each referred node has one referrer (graphs.referrals keeps the earliest); an edge that
    would close a cycle is ignored.
    """
    idx = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    parent = np.full(n, -1, dtype=np.int64)
    for s, d in zip(referrer, referred, strict=True):
        parent[idx[d]] = idx[s]
    # depth from the root by pointer jumping; nodes still unresolved after n steps sit on a
    # cycle: cut their edge
    depth = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(parent >= 0):
        j, k = i, 0
        while parent[j] >= 0 and k <= n:
            j, k = parent[j], k + 1
        if k > n:
            parent[i] = -1
    for i in range(n):
        j, k = i, 0
        while parent[j] >= 0:
            j, k = parent[j], k + 1
        depth[i] = k
    height = np.zeros(n, dtype=np.int64)
    desc = np.zeros(n, dtype=np.int64)
    for i in np.argsort(-depth, kind="stable"):
        p = parent[i]
        if p >= 0:
            desc[p] += 1 + desc[i]
            height[p] = max(height[p], 1 + height[i])
    return height, desc


def mention_stats(m: Any) -> pd.DataFrame:
    """Per customer: mentions, reach, engagement, sentiment counts (on the engine)."""
    total = m.count().to_pyarrow().as_py()
    c = m.filter(m.customer_id.notnull())
    neg, pos = (c.sentiment == "negative").cast("int64"), (c.sentiment == "positive").cast("int64")
    eng = c.engagement.fill_null(0).cast("float64")
    agg = c.group_by("customer_id").aggregate(
        mentions=c.count(), positive_mentions=pos.sum(), negative_mentions=neg.sum(),
        reach=c.followers.max(), engagement=eng.sum(),
        followers_sum=c.followers.fill_null(0).sum().cast("float64"),
        mention_sentiment=c.sentiment_score.mean(),
        negative_engagement=(eng * neg.cast("float64")).sum(),
        influence=(eng * c.sentiment_score).sum())
    df = agg.to_pyarrow().to_pandas()
    df["engagement_rate"] = np.where(df["followers_sum"] > 0,
                                     df["engagement"] / df["followers_sum"].clip(lower=1), 0.0)
    df["share_of_voice"] = df["mentions"] / total if total else 0.0
    return df.drop(columns=["followers_sum"])


def _linked(ws: Workspace, table: str, time_col: str, as_of: Any) -> Any:
    t = ws.table(table)
    if as_of is not None:
        t = t.filter(t[time_col] <= ibis.literal(pd.Timestamp(as_of, tz="UTC")))
    m = ws.table("identity_map")
    return t.join(m, (t.source == m.source) & (t.source_customer_id == m.source_record_id))


def activity(ws: Workspace, as_of: Any = None) -> pd.DataFrame:
    """Per customer: orders, NPS, feedback and usage counts (inputs of roles and value)."""
    out = ws.table("customers").select("customer_id", known="n_records").to_pyarrow().to_pandas()
    if not graphs.has_rows(ws, "identity_map"):
        return out
    if graphs.has_rows(ws, "orders"):
        o = _linked(ws, "orders", "ordered_at", as_of)
        a = o.group_by("customer_id").aggregate(orders=o.order_id.nunique())
        out = out.merge(a.to_pyarrow().to_pandas(), on="customer_id", how="left")
    if graphs.has_rows(ws, "survey_responses"):
        s = _linked(ws, "survey_responses", "responded_at", as_of)
        comment = (s.comment.notnull() & (s.comment.strip() != "")).cast("int64")
        nps = s.survey == "nps"
        a = s.group_by("customer_id").aggregate(
            survey_comments=comment.sum(),
            nps_mean=s.score.cast("float64").mean(where=nps & s.score.notnull()),
            nps_answers=(nps & s.score.notnull()).cast("int64").sum())
        out = out.merge(a.to_pyarrow().to_pandas(), on="customer_id", how="left")
    if graphs.has_rows(ws, "cases"):
        c = _linked(ws, "cases", "opened_at", as_of)
        a = c.group_by("customer_id").aggregate(cases=c.count())
        out = out.merge(a.to_pyarrow().to_pandas(), on="customer_id", how="left")
    if graphs.has_rows(ws, "touchpoints"):
        t = ws.table("touchpoints")
        if as_of is not None:
            t = t.filter(t.timestamp <= ibis.literal(pd.Timestamp(as_of, tz="UTC")))
        a = t.group_by(customer_id=t.person_id).aggregate(
            touchpoints=t.count(), channels=t.channel.nunique(),
            event_kinds=t.event.nunique(),
            reviews=(t.event == "Review Posted").cast("int64").sum(),
            delivery_delays=(t.event == "Delivery Delayed").cast("int64").sum())
        out = out.merge(a.to_pyarrow().to_pandas(), on="customer_id", how="left")
    return out


def build(ws: Workspace, cfg: dict[str, Any], as_of: Any = None) -> dict[str, Any]:
    """Everything per customer, as a pandas frame (``metrics``), with the edges."""
    from idic.interact.network import value

    customers = activity(ws, as_of)
    m = graphs.mentions(ws, as_of)
    refs = graphs.referrals(ws, as_of)
    ments = graphs.mention_edges(ws, m, tuple(cfg["brand_handles"]))
    edges = graphs.edges_table(refs, ments)
    df = customers
    ids = df["customer_id"].tolist()
    # PageRank on the influence graph: referred -> referrer, author -> named
    e = edges.to_pandas()
    src = np.where(e["kind"] == "referral", e["dst"], e["src"]).astype(object)
    dst = np.where(e["kind"] == "referral", e["src"], e["dst"]).astype(object)
    g = build_graph(list(src), list(dst), nodes=ids)
    pr = pagerank_graph(g, damping=float(cfg["pagerank"]["damping"]))
    score = dict(zip(g.nodes.to_pylist(), pr.tolist(), strict=True))
    df["pagerank"] = df["customer_id"].map(score)
    # referral graph degrees and chains
    df["referrals"] = df["customer_id"].map(refs["referrer"].value_counts()).fillna(0)
    df["in_degree"] = df["customer_id"].map(refs["referred"].value_counts()).fillna(0)
    df["out_degree"] = df["referrals"]
    parent = dict(zip(refs["referred"], refs["referrer"], strict=True))
    df["referred_by"] = df["customer_id"].map(parent)
    nodes = sorted(set(refs["referrer"]) | set(refs["referred"]))
    h, d = tree_metrics(refs["referrer"].to_numpy(), refs["referred"].to_numpy(), nodes)
    df["referral_depth"] = df["customer_id"].map(dict(zip(nodes, h.tolist(), strict=True)))
    df["descendants"] = df["customer_id"].map(dict(zip(nodes, d.tolist(), strict=True)))
    named = ments[ments["dst_customer"]]["dst"].value_counts() if len(ments) else pd.Series()
    df["mentioned_by"] = df["customer_id"].map(named)
    if m is not None:
        df = df.merge(mention_stats(m), on="customer_id", how="left")
    df = value.add_values(ws, df, refs, cfg)
    return {"metrics": df, "edges": edges, "refs": refs, "mentions": m}
