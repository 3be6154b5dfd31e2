"""How close the needs segments come to the demo generator's planted segments.

Customers are matched to true persons through ``identity_map`` and the generator's
``truth/identity_truth.parquet`` (the majority person of each customer's records): the
identify stage's own result, not the truth mapping. Agreement is the adjusted Rand index
(Hubert & Arabie 1985) on customers with 3+ orders; each planted category mix is compared
(L1) with its Hungarian-matched segment's spend mix (``segments_profile.category_mix``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from idic.workspace import Workspace


def customer_truth(ws: Workspace, data_dir: Path) -> pd.DataFrame:
    """``customer_id, person_id`` and the true person's columns (``persons.parquet``)."""
    truth = data_dir / "truth"
    it = pd.read_parquet(truth / "identity_truth.parquet")
    m = ws.to_pandas("identity_map")[["source", "source_record_id", "customer_id"]]
    j = m.merge(it, on=["source", "source_record_id"])
    maj = (j.groupby(["customer_id", "person_id"]).size().reset_index(name="n")
           .sort_values(["n", "person_id"]).drop_duplicates("customer_id", keep="last"))
    return maj.drop(columns="n").merge(pd.read_parquet(truth / "persons.parquet"),
                                       on="person_id")


def segments_vs_truth(ws: Workspace, data_dir: Path) -> dict[str, Any]:
    """``{"ari_3plus_orders", "customers", "k", "planted_k", "mix_l1": {segment: L1}}``."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    params = json.loads((data_dir / "truth" / "params.json").read_text())
    seg = ws.to_pandas("segments")[["customer_id", "segment"]]
    feats = ws.to_pandas(ws.table("needs_features").select("customer_id", "orders"))
    t = customer_truth(ws, data_dir)[["customer_id", "segment"]].rename(
        columns={"segment": "planted"})
    t = t.merge(seg, on="customer_id").merge(feats, on="customer_id")
    s = t[(t["orders"] >= 3) & (t["segment"] != "undetermined")]
    prof = ws.to_pandas("segments_profile")
    planted = params["segments"]
    mixes = [json.loads(m) for m in prof["category_mix"]]
    cats = sorted({c for m in mixes for c in m} | {c for p in planted.values()
                                                   for c in p["category_mix"]})
    truth = np.array([[p["category_mix"].get(c, 0.0) for c in cats] for p in planted.values()])
    centre = np.array([[m.get(c, 0.0) for c in cats] for m in mixes])
    cost = np.abs(truth[:, None, :] - centre[None, :, :]).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    names = list(planted)
    return {"ari_3plus_orders": round(float(adjusted_rand_score(s["planted"], s["segment"])), 4)
            if len(s) else None,
            "customers": len(s), "k": len(prof), "planted_k": len(planted),
            "mix_l1": {names[r]: round(float(cost[r, c]), 4)
                       for r, c in zip(rows, cols, strict=True)}}


__all__ = ["customer_truth", "segments_vs_truth"]
