"""Needs segments on the demo (through identify, not the truth mapping) against the planted
segments of the generator (``truth/persons.parquet``, ``truth/params.json``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from idic.workspace import Workspace


def _truth(path: Path) -> pd.DataFrame:
    """Each resolved customer's true person (the majority of its records) and segment."""
    from idic.differentiate.needs.quality import customer_truth

    with Workspace.open(path, read_only=True) as ws:
        return customer_truth(ws, path / "demo-data")


@pytest.fixture(scope="module")
def demo(small_demo: Path) -> dict:
    with Workspace.open(small_demo, read_only=True) as ws:
        seg = ws.to_pandas("segments")
        feats = ws.to_pandas("needs_features")
        prof = ws.to_pandas("segments_profile")
        cust = ws.to_pandas("customers")
    model = json.loads((small_demo / "models" / "needs.json").read_text())
    params = json.loads((small_demo / "demo-data" / "truth" / "params.json").read_text())
    t = _truth(small_demo).merge(seg, on="customer_id", suffixes=("_true", ""))
    t = t.merge(feats[["customer_id", "orders"]], on="customer_id")
    return {"seg": seg, "t": t, "model": model, "params": params, "prof": prof, "cust": cust}


def test_k_chosen_by_bic_is_near_the_planted_five(demo) -> None:
    assert demo["model"]["k"] in (4, 5, 6)
    bic = {int(k): v for k, v in demo["model"]["bic"].items()}
    assert min(bic, key=bic.__getitem__) == demo["model"]["k"]


def test_segments_recover_the_planted_needs(demo) -> None:
    t = demo["t"]
    s = t[(t["orders"] >= 3) & (t["segment"] != "undetermined")]
    ari = adjusted_rand_score(s["segment_true"], s["segment"])
    print(f"ARI vs planted segment, customers with 3+ orders: {ari:.3f} (n={len(s)})")
    assert ari >= 0.50


def test_planted_category_mixes_match_segment_centres(demo) -> None:
    planted = demo["params"]["segments"]
    cats = demo["model"]["categories"]
    truth = np.array([[planted[s]["category_mix"][c] for c in cats] for s in planted])
    prof = demo["prof"]
    centres = np.array([[json.loads(m)[c] for c in cats] for m in prof["category_mix"]])
    cost = np.abs(truth[:, None, :] - centres[None, :, :]).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    l1 = cost[rows, cols]
    print("L1 planted mix vs matched segment centre:", dict(zip(planted, np.round(l1, 3), strict=False)))
    assert len(rows) == len(planted)
    assert l1.max() <= 0.25


def test_demographics_alone_do_not_reveal_needs(demo) -> None:
    t = demo["t"].merge(demo["cust"][["customer_id", "birth_date", "country"]],
                        on="customer_id", suffixes=("", "_c"))
    t = t[t["orders"] >= 3]
    age = (pd.Timestamp("2026-01-01") - pd.to_datetime(t["birth_date_c"])).dt.days / 365.25
    x = np.column_stack([age.fillna(age.mean()) / 10,
                         pd.get_dummies(t["country_c"].fillna("?")).to_numpy(float)])
    lab = KMeans(5, n_init=5, random_state=0).fit_predict(x)
    ari = adjusted_rand_score(t["segment_true"], lab)
    print(f"demographics-only k-means ARI vs planted segment: {ari:.3f}")
    assert abs(ari) < 0.05


def test_undetermined_are_the_customers_with_too_little_data(demo, small_demo: Path) -> None:
    with Workspace.open(small_demo, read_only=True) as ws:
        f = ws.to_pandas("needs_features")
    cats = [c for c in f.columns if c.startswith(("lines_", "views_"))]
    obs = f[cats].sum(axis=1)
    j = f[["customer_id"]].assign(obs=obs).merge(demo["seg"], on="customer_id")
    und = j["segment"] == "undetermined"
    assert (j.loc[und, "obs"] < 3).all() and (j.loc[~und, "obs"] >= 3).all()
    assert j.loc[~und, "probability"].between(0, 1).all()
    assert j.loc[und, "probability"].isna().all()


def test_labels_are_stable_when_ten_percent_more_orders_arrive(small_demo: Path,
                                                               tmp_path: Path) -> None:
    from idic.differentiate.needs import stage

    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(small_demo, before)
    shutil.copytree(small_demo, after)
    (before / "models" / "needs.json").unlink()
    with Workspace.open(before) as ws:
        o = ws.to_pandas(ws.table("orders").select("ordered_at"))
        cut = o["ordered_at"].quantile(0.9)  # the latest 10% of orders have not arrived yet
        ws.engine.delete_where("orders", lambda t: t.ordered_at > cut)
        stage.run(ws)
        seg0 = ws.to_pandas("segments")
    shutil.copy(before / "models" / "needs.json", after / "models" / "needs.json")
    with Workspace.open(after) as ws:
        stage.run(ws)
        seg1 = ws.to_pandas("segments")
    j = seg0.merge(seg1, on="customer_id", suffixes=("_0", "_1"))
    j = j[(j["segment_0"] != "undetermined") & (j["segment_1"] != "undetermined")]
    kept = float((j["segment_0"] == j["segment_1"]).mean())
    print(f"kept their segment: {kept:.3f} of {len(j)}")
    assert kept >= 0.95


def test_recommendations_beat_popularity_on_the_held_out_last_order(small_demo: Path,
                                                                    demo) -> None:
    from idic.differentiate.needs.recommend import hit_rate_at
    from idic.differentiate.needs.stage import profiles_input

    with Workspace.open(small_demo, read_only=True) as ws:
        lines = profiles_input(ws)
    r = hit_rate_at(lines, demo["seg"], k=3)
    print(f"hit rate at 3: {r['hit_rate']:.3f} vs popularity {r['popularity_hit_rate']:.3f} "
          f"({r['customers']} customers)")
    assert r["customers"] > 100
    assert r["hit_rate"] > r["popularity_hit_rate"]


def test_golden_questions_classify_far_above_the_largest_segment(small_demo: Path,
                                                                 demo) -> None:
    from idic.differentiate.needs.golden import golden_questions

    with Workspace.open(small_demo, read_only=True) as ws:
        f = ws.to_pandas("needs_features")
    g = golden_questions(f, demo["seg"], demo["model"]["categories"], n=3)
    print("golden questions:", g)
    assert len(g["questions"]) == 3
    assert g["accuracy"] > 2 * g["baseline"]


def test_demo_summary_reports_the_comparison(small_demo: Path, demo) -> None:
    from idic.differentiate.needs.quality import segments_vs_truth

    with Workspace.open(small_demo, read_only=True) as ws:
        got = segments_vs_truth(ws, small_demo / "demo-data")
    assert got["k"] == demo["model"]["k"] and got["planted_k"] == 5
    assert got["ari_3plus_orders"] >= 0.5 and max(got["mix_l1"].values()) <= 0.25
