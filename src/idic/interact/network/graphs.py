"""The referral graph and the social interaction graph between resolved customers.

Record ids (``referrals.referrer_id``/``referred_id`` with their ``source``) and social handles
(``social.social_handle`` = ``identities.social_handle``) are resolved to ``customer_id``
through ``identity_map``. An end that resolves to no customer stays in the graph as an
external node (``ext:<source>:<record id>`` or the handle itself): strangers refer and
mention too (Augmented Customer Strategy, ch. 6: social CRM covers customer-to-customer
interactions, not only firm-to-customer ones).

Edges (table ``network_edges``): ``src``, ``dst``, ``kind`` (``referral``: referrer ->
referred; ``mention``: author -> the handle named with ``@`` in a post, the brand's own
handles left out), ``at`` and ``channel``. A customer acquired twice (two referrals of the
same person) is credited to the earliest referrer; a referral of oneself after identity
resolution (the same person under two records) is dropped and counted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from idic.workspace import Workspace

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]{1,40}[A-Za-z0-9_])")
EDGE_SCHEMA = pa.schema([("src", pa.string()), ("dst", pa.string()), ("kind", pa.string()),
                         ("at", pa.timestamp("us", tz="UTC")), ("channel", pa.string()),
                         ("src_customer", pa.bool_()), ("dst_customer", pa.bool_())])


def has_rows(ws: Workspace, name: str) -> bool:
    return ws.engine.has_table(name) and ws.engine.count(name) > 0


def handle_map(ws: Workspace) -> ir.Table | None:
    """``handle`` (lower case) -> ``customer_id`` (the smallest id when a handle is shared)."""
    if not (has_rows(ws, "identities") and has_rows(ws, "identity_map")):
        return None
    i, m = ws.table("identities"), ws.table("identity_map")
    i = i.filter(i.social_handle.notnull())
    j = i.join(m, (i.source == m.source) & (i.source_record_id == m.source_record_id))
    return j.group_by(handle=j.social_handle.lower()).aggregate(customer_id=j.customer_id.min())


def mentions(ws: Workspace, as_of: Any = None) -> ir.Table | None:
    """Social mentions with the author's ``customer_id`` (null for strangers), the scorer's
    ``sentiment``/``sentiment_score`` (from the voice stage's ``mentions_scored`` when present)."""
    if has_rows(ws, "mentions_scored"):
        m = ws.table("mentions_scored")
    elif has_rows(ws, "social"):
        from idic.interact.voice.stage import mentions_scored
        m = mentions_scored(ws)
    else:
        return None
    if as_of is not None:
        m = m.filter(m.posted_at <= ibis.literal(pd.Timestamp(as_of, tz="UTC")))
    m = m.mutate(handle=m.social_handle.lower())
    hm = handle_map(ws)
    if hm is None:
        return m.mutate(customer_id=ibis.null("string"))
    j = m.left_join(hm, m.handle == hm.handle)
    return j.select(*[c for c in m.columns], customer_id=j.customer_id)


def referrals(ws: Workspace, as_of: Any = None) -> pd.DataFrame:
    """Resolved referrals: ``referrer``, ``referred`` (node ids), ``*_customer`` flags,
    ``referred_at``, ``channel``; one row per referred node (the earliest referral)."""
    cols = ["referrer", "referred", "referrer_customer", "referred_customer", "referred_at",
            "channel"]
    if not has_rows(ws, "referrals"):
        return pd.DataFrame(columns=cols)
    r = ws.table("referrals")
    if as_of is not None:
        r = r.filter(r.referred_at <= ibis.literal(pd.Timestamp(as_of, tz="UTC")))
    if has_rows(ws, "identity_map"):
        m = ws.table("identity_map")
        a = m.select(s_a=m.source, r_a=m.source_record_id, c_a=m.customer_id)
        b = m.select(s_b=m.source, r_b=m.source_record_id, c_b=m.customer_id)
        r = r.left_join(a, (r.source == a.s_a) & (r.referrer_id == a.r_a))
        r = r.left_join(b, (r.source == b.s_b) & (r.referred_id == b.r_b))
        r = r.select("referral_id", "source", "referrer_id", "referred_id", "referred_at",
                     "channel", "c_a", "c_b")
    else:
        r = r.mutate(c_a=ibis.null("string"), c_b=ibis.null("string"))
    df = r.to_pyarrow().to_pandas()
    df["referrer_customer"] = df["c_a"].notna()
    df["referred_customer"] = df["c_b"].notna()
    df["referrer"] = df["c_a"].where(df["referrer_customer"],
                                     "ext:" + df["source"] + ":" + df["referrer_id"])
    df["referred"] = df["c_b"].where(df["referred_customer"],
                                     "ext:" + df["source"] + ":" + df["referred_id"])
    df = df[df["referrer"] != df["referred"]]
    df = df.sort_values(["referred_at", "referral_id"], kind="stable")
    df = df.drop_duplicates("referred", keep="first")
    return df[cols].reset_index(drop=True)


def self_referrals(ws: Workspace) -> int:
    """Referrals whose two records resolve to the same customer (dropped from the graph)."""
    if not (has_rows(ws, "referrals") and has_rows(ws, "identity_map")):
        return 0
    r, m = ws.table("referrals"), ws.table("identity_map")
    a = m.select(s_a=m.source, r_a=m.source_record_id, c_a=m.customer_id)
    b = m.select(s_b=m.source, r_b=m.source_record_id, c_b=m.customer_id)
    j = r.join(a, (r.source == a.s_a) & (r.referrer_id == a.r_a))
    j = j.join(b, (j.source == b.s_b) & (j.referred_id == b.r_b))
    return int(j.filter(j.c_a == j.c_b).count().to_pyarrow().as_py())


def mention_edges(ws: Workspace, m: ir.Table | None,
                  brand_handles: tuple[str, ...]) -> pd.DataFrame:
    """author -> each ``@handle`` named in the post (the brand's handles left out)."""
    cols = ["src", "dst", "at", "src_customer", "dst_customer"]
    if m is None:
        return pd.DataFrame(columns=cols)
    texts = m.select("text").distinct().to_pyarrow().column("text").to_pylist()
    brand = {h.lower() for h in brand_handles}
    named = {t: [h for h in ("@" + x.lower() for x in MENTION.findall(t or ""))
                 if h not in brand] for t in texts}
    named = {t: v for t, v in named.items() if v}
    if not named:
        return pd.DataFrame(columns=cols)
    df = m.filter(m.text.isin(list(named))).select(
        "text", "handle", "customer_id", at=m.posted_at).to_pyarrow().to_pandas()
    df["dst_handle"] = df["text"].map(named)
    df = df.explode("dst_handle")
    hm = handle_map(ws)
    lookup = (dict(zip(*hm.to_pyarrow().to_pandas()[["handle", "customer_id"]].T.values,
                       strict=True)) if hm is not None else {})
    df["src_customer"] = df["customer_id"].notna()
    df["src"] = df["customer_id"].where(df["src_customer"], df["handle"])
    dst = df["dst_handle"].map(lookup)
    df["dst_customer"] = dst.notna()
    df["dst"] = dst.where(df["dst_customer"], df["dst_handle"])
    df = df[df["src"] != df["dst"]]
    return df[cols].reset_index(drop=True)


def edges_table(refs: pd.DataFrame, ments: pd.DataFrame) -> pa.Table:
    """Both graphs as one edge list (the ``network_edges`` table)."""
    r = pd.DataFrame({"src": refs["referrer"], "dst": refs["referred"], "kind": "referral",
                      "at": refs["referred_at"], "channel": refs["channel"],
                      "src_customer": refs["referrer_customer"],
                      "dst_customer": refs["referred_customer"]})
    s = pd.DataFrame({"src": ments["src"], "dst": ments["dst"], "kind": "mention",
                      "at": ments["at"], "channel": "social",
                      "src_customer": ments["src_customer"],
                      "dst_customer": ments["dst_customer"]})
    df = pd.concat([x for x in (r, s) if len(x)], ignore_index=True) if len(r) + len(s) else r
    df = df.sort_values(["kind", "at", "src", "dst"], kind="stable").reset_index(drop=True)
    return pa.Table.from_pandas(df, schema=EDGE_SCHEMA, preserve_index=False)


def referral_tree(edges: pd.DataFrame, root: str, max_nodes: int = 200) -> dict[str, Any]:
    """The referral tree below ``root``: ``{"id", "children": [...]}`` (at most ``max_nodes``)."""
    ref = edges[edges["kind"] == "referral"]
    children: dict[str, list[str]] = {}
    for s, d in zip(ref["src"], ref["dst"], strict=True):
        children.setdefault(s, []).append(d)
    seen = {root}
    count = [1]

    def grow(node: str) -> dict[str, Any]:
        kids = []
        for c in sorted(children.get(node, [])):
            if c in seen or count[0] >= max_nodes:
                continue
            seen.add(c)
            count[0] += 1
            kids.append(grow(c))
        return {"id": node, "children": kids}

    return grow(root)
