"""Golden questions: the few attributes that best predict a customer's needs segment.

Attributes are observable behaviours and survey answers of ``needs_features`` (category
shares of purchases, web share, views, cases, price index, NPS...). They are ranked by mutual
information with the segment (Cover & Thomas, *Elements of Information Theory*, ch. 2;
estimated with scikit-learn's ``mutual_info_classif``, Kraskov et al. 2004); a depth-3
decision tree (Breiman et al. 1984, CART) on the top ``n`` is then scored by 5-fold
cross-validated accuracy: how well a new customer is classified from those answers alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def attributes(features: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """The candidate attributes, one column each (shares, not raw counts)."""
    from idic.differentiate.needs.features import column_name

    f = features
    lines = sum(f[f"lines_{column_name(c)}"] for c in categories)
    out = {}
    for c in categories:
        n = column_name(c)
        out[f"share_bought_{n}"] = f[f"lines_{n}"] / lines.where(lines > 0)
        if f"views_{n}" in f:
            tot = f["product_views"].where(f["product_views"] > 0)
            out[f"share_viewed_{n}"] = f[f"views_{n}"] / tot
    orders = (f["web_orders"] + f["store_orders"]).where(lambda x: x > 0)
    out["web_share"] = f["web_orders"] / orders
    for c in ("orders", "cases", "price_index", "nps"):
        if c in f:
            out[c] = f[c]
    return pd.DataFrame(out).astype(float)


def golden_questions(features: pd.DataFrame, segments: pd.DataFrame, categories: list[str],
                     n: int = 3, seed: int = 0) -> dict:
    """``{"questions": [{"attribute", "mutual_information"}...], "accuracy", "baseline"}``."""
    from sklearn.feature_selection import mutual_info_classif
    from sklearn.model_selection import cross_val_score
    from sklearn.tree import DecisionTreeClassifier

    j = features.merge(segments[["customer_id", "segment"]], on="customer_id")
    j = j[j["segment"] != "undetermined"].reset_index(drop=True)
    x = attributes(j, categories).fillna(-1.0)
    y = j["segment"].astype(str).to_numpy()
    if len(y) < 20 or len(set(y)) < 2:
        return {"questions": [], "accuracy": None, "baseline": None, "customers": len(y)}
    mi = mutual_info_classif(x.to_numpy(), y, random_state=seed)
    order = np.argsort(-mi, kind="stable")[:n]
    top = [x.columns[i] for i in order]
    tree = DecisionTreeClassifier(max_depth=3, random_state=seed)
    acc = cross_val_score(tree, x[top].to_numpy(), y, cv=5).mean()
    base = pd.Series(y).value_counts(normalize=True).iloc[0]
    return {"questions": [{"attribute": x.columns[i], "mutual_information": round(float(mi[i]), 4)}
                          for i in order],
            "accuracy": round(float(acc), 4), "baseline": round(float(base), 4),
            "customers": len(y)}


__all__ = ["attributes", "golden_questions"]
