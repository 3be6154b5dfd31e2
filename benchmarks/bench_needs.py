"""Benchmark: needs features + segment fit with idic vs scikit-learn on the same features.

Orders of ``n`` demo persons (the demo generator's people and BG/NBD orders with their
category-preference line items; quick: 100k customers, full: 1M) go into a DuckDB workspace.

* idic: ``needs_features`` (Ibis on DuckDB: parse ``orders.items``, counts per category and
  channel) and ``fit_segments`` (Dirichlet-multinomial mixture, k by BIC over 2..8 on a
  10,000-customer sample, the final fit on everyone warm-started from the sample's).
* baseline: scikit-learn ``GaussianMixture(covariance_type="full")`` on the same features
  (the smoothed category shares and scaled web share that start the idic fit, from the same
  feature table), with the same protocol: BIC over 2..8 on the same sample, then the chosen k
  fitted on everyone (default tol 1e-3, k-means init, one init).

The ratio is idic (features + fit) / scikit-learn (fit only): the baseline gets its features
for free. ``python benchmarks/bench_needs.py [--quick]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets import demo_orders as do
from idic.datasets import demo_people as dp
from idic.datasets.demo_util import int_text, rng_for
from idic.differentiate.needs import segment as sg
from idic.differentiate.needs.features import needs_features
from idic.workspace import Workspace


def make_orders(ws: Workspace, n: int, seed: int = 3) -> int:
    people = dp.make_people(rng_for(seed, 1), n)
    draw = do.simulate_bgnbd(rng_for(seed, 3), people.lam, people.p, people.T_weeks,
                             people.acquired_s)
    has_web = rng_for(seed, 2).random(n) < 0.8
    has_store = ~has_web | (rng_for(seed, 5).random(n) < 0.5)
    o = do.make_orders(rng_for(seed, 4), people, has_web, has_store, draw)
    rid = int_text(np.arange(n) + 1, "C", 8)
    t = do.orders_table(o, rid, rid)
    schema = ws.table("orders").schema().to_pyarrow()
    m = t.num_rows
    cols = {c: t.column(c) for c in t.column_names}
    cols["_batch_id"] = pa.array(["bench"] * m)
    cols["_ingested_at"] = pc.cast(pa.array(np.zeros(m, dtype="datetime64[us]")),
                                   pa.timestamp("us", tz="UTC"))
    cols["ordered_at"] = pc.strptime(cols["ordered_at"], "%Y-%m-%dT%H:%M:%SZ", "us")
    arrays = []
    for f in schema:
        a = cols[f.name]
        arrays.append(pc.cast(a, f.type) if a.type != f.type else a)
    ws.engine.create_table("orders", pa.Table.from_arrays(arrays, schema=schema))
    return m


def run_idic(ws: Workspace):
    t, cats = needs_features(ws)
    df = ws.engine.to_pandas(t).sort_values("customer_id", kind="stable").reset_index(drop=True)
    t0 = time.perf_counter()
    fit = sg.fit_segments(df, cats)
    return df, cats, fit, time.perf_counter() - t0


def run_sklearn(df, cats, seed: int = 0):
    from sklearn.mixture import GaussianMixture

    b = sg.blocks(df, cats)
    idx = np.flatnonzero(b[0].sum(axis=1) >= sg.MIN_OBSERVATIONS)
    x = sg._shares(sg._sub(b, idx))
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    sidx = np.sort(rng.choice(idx.size, min(sg.SELECT_SAMPLE, idx.size), replace=False))
    bic = {k: GaussianMixture(k, covariance_type="full", random_state=seed).fit(x[sidx])
           .bic(x[sidx]) for k in sg.K_RANGE}
    k = min(bic, key=bic.__getitem__)
    GaussianMixture(k, covariance_type="full", random_state=seed).fit(x)
    return k, time.perf_counter() - t0


def run(quick: bool = False) -> list[dict]:
    n = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            m = make_orders(ws, n)
            t0 = time.perf_counter()
            df, cats, fit, t_fit = run_idic(ws)
            t_idic = time.perf_counter() - t0
        finally:
            ws.close()
    k_sk, t_sk = run_sklearn(df, cats)
    label = f"needs features + fit, {n:,} customers / {m:,} orders"
    return [{"benchmark": label, "idic_s": round(t_idic, 3),
             "idic_features_s": round(t_idic - t_fit, 3), "idic_fit_s": round(t_fit, 3),
             "k": fit.k, "baseline": "scikit-learn GaussianMixture(full), same k protocol",
             "baseline_k": k_sk, "baseline_s": round(t_sk, 3),
             "ratio": round(t_idic / t_sk, 3), "goal": "<= 1.5"}]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    for row in run(ap.parse_args().quick):
        print(row)
