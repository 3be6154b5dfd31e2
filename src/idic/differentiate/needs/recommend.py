"""Community knowledge: "customers like this one bought next" (Peppers & Rogers, ch. 7).

Item-to-item co-occurrence (Linden, Smith & York 2003, "Amazon.com recommendations: item-to-
item collaborative filtering"): ``P(j | i)`` = share of the buyers of ``i`` who also bought
``j``. A customer's score for ``j`` is the mean of ``P(j | i)`` over the items ``i`` they
bought, blended half and half with ``j``'s popularity inside the customer's needs segment
(the "customers like this one" of the segment), so a customer with one item still gets
advice from the segment. Items are SKUs of ``orders.items``; at most ``MAX_ITEMS`` (the most
bought) are scored. Cross-sell gap: categories the customer's segment buys (segment share of
spend >= ``GAP_SHARE``) and the customer never bought.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

MAX_ITEMS = 2_000
TOP_N = 10
GAP_SHARE = 0.15
_CHUNK = 2_000


def _matrix(lines: pd.DataFrame, customers: np.ndarray, items: np.ndarray) -> sparse.csr_matrix:
    ci = pd.Index(customers).get_indexer(lines["customer_id"])
    ii = pd.Index(items).get_indexer(lines["item"])
    ok = (ci >= 0) & (ii >= 0)
    m = sparse.csr_matrix((np.ones(int(ok.sum())), (ci[ok], ii[ok])),
                          shape=(len(customers), len(items)))
    m.data[:] = 1.0  # bought at all (duplicates summed, then set to 1)
    return m


def recommend(lines: pd.DataFrame, segments: pd.DataFrame, *, top_n: int = TOP_N,
              exclude_bought: bool = False) -> pd.DataFrame:
    """``customer_id, item, score, rank`` from order lines ``(customer_id, item)`` and
    ``segments`` ``(customer_id, segment)``."""
    counts = lines.groupby("item").size().sort_values(ascending=False, kind="stable")
    items = np.array(counts.index[:MAX_ITEMS], dtype=object)
    customers = np.array(sorted(set(lines["customer_id"])), dtype=object)
    u = _matrix(lines, customers, items)
    u.sum_duplicates()
    u.data[:] = 1.0
    buyers = np.asarray(u.sum(axis=0)).ravel()
    co = (u.T @ u).tocsr().astype(float)
    cond = sparse.diags(1.0 / np.maximum(buyers, 1.0)) @ co  # row i: P(j | i)
    seg = segments.set_index("customer_id")["segment"].reindex(customers).fillna("undetermined")
    seg_codes, seg_names = pd.factorize(seg.to_numpy())
    seg_pop = np.zeros((len(seg_names), len(items)))
    for s in range(len(seg_names)):
        rows = seg_codes == s
        seg_pop[s] = np.asarray(u[rows].sum(axis=0)).ravel() / max(int(rows.sum()), 1)
    n_bought = np.asarray(u.sum(axis=1)).ravel()
    out = []
    for start in range(0, len(customers), _CHUNK):
        sl = slice(start, start + _CHUNK)
        ub = u[sl]
        sc = np.asarray((ub @ cond).todense()) / np.maximum(n_bought[sl], 1.0)[:, None]
        sc = 0.5 * sc + 0.5 * seg_pop[seg_codes[sl]]
        if exclude_bought:
            sc[ub.nonzero()] = -1.0
        k = min(top_n, sc.shape[1])
        top = np.argpartition(-sc, k - 1, axis=1)[:, :k]
        ts = np.take_along_axis(sc, top, axis=1)
        order = np.lexsort((top, -ts), axis=1)
        top, ts = np.take_along_axis(top, order, 1), np.take_along_axis(ts, order, 1)
        out.append(pd.DataFrame({
            "customer_id": np.repeat(customers[sl], k), "item": items[top.ravel()],
            "score": np.round(ts.ravel(), 6), "rank": np.tile(np.arange(1, k + 1), len(ts))}))
    res = pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["customer_id", "item", "score", "rank"])
    return res[res["score"] > 0].reset_index(drop=True)


def popular(lines: pd.DataFrame, top_n: int = 3) -> list[str]:
    """The ``top_n`` items bought by the most customers (the baseline)."""
    b = lines.drop_duplicates(["customer_id", "item"]).groupby("item").size()
    return list(b.sort_values(ascending=False, kind="stable").index[:top_n])


def hit_rate_at(lines: pd.DataFrame, segments: pd.DataFrame, k: int = 3) -> dict[str, float]:
    """Hit rate at ``k`` on each customer's held-out last order (customers with 2+ orders):
    the recommender trained on the other orders vs the popularity baseline."""
    last = lines.groupby("customer_id")["ordered_at"].transform("max")
    n_orders = lines.groupby("customer_id")["order_id"].transform("nunique")
    test_mask = (lines["ordered_at"] == last) & (n_orders >= 2)
    train, test = lines[~test_mask], lines[test_mask]
    rec = recommend(train, segments, top_n=k)
    got = rec.groupby("customer_id")["item"].apply(set)
    want = test.groupby("customer_id")["item"].apply(set)
    pop = set(popular(train, k))
    ids = [c for c in want.index if c in got.index]
    hit = float(np.mean([bool(got[c] & want[c]) for c in ids])) if ids else 0.0
    base = float(np.mean([bool(pop & want[c]) for c in ids])) if ids else 0.0
    return {"customers": len(ids), "hit_rate": hit, "popularity_hit_rate": base}


def cross_sell_gaps(cat_spend: pd.DataFrame, segments: pd.DataFrame,
                    share: float = GAP_SHARE) -> pd.DataFrame:
    """``customer_id, category, segment_share``: categories the customer's segment buys
    (segment share of spend >= ``share``) that the customer never bought.
    ``cat_spend`` is ``(customer_id, category, spend)``."""
    j = cat_spend.merge(segments[["customer_id", "segment"]], on="customer_id")
    j = j[j["segment"] != "undetermined"]
    seg = j.groupby(["segment", "category"])["spend"].sum()
    seg = (seg / seg.groupby(level=0).transform("sum")).rename("segment_share").reset_index()
    seg = seg[seg["segment_share"] >= share]
    cand = segments[["customer_id", "segment"]].merge(seg, on="segment")
    bought = cat_spend[cat_spend["spend"] > 0][["customer_id", "category"]].assign(_b=1)
    cand = cand.merge(bought, on=["customer_id", "category"], how="left")
    return cand[cand["_b"].isna()][["customer_id", "category", "segment_share"]] \
        .reset_index(drop=True)


__all__ = ["cross_sell_gaps", "hit_rate_at", "popular", "recommend"]
