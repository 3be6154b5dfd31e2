"""Benchmark: the idic identify stage vs plain Splink (same blocking, comparisons, training).

Identity records come from the demo generator (``--customers`` true persons, about two
records each). idic runs the whole stage: identifier graph with super-node guard, Splink
training and prediction, clustering with persistent ids, lineage and golden records. Plain
Splink trains the same default model (u by random sampling, m by EM), predicts at the same
threshold and clusters with ``cluster_pairwise_predictions_at_threshold``, on the same
normalised records, in the same process. Then an incremental batch (``--batch`` records held
back from the base) is added and resolved against the base. Peak memory (max RSS) is printed.

    python benchmarks/bench_identify.py [--customers 50000] [--batch 10000]
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import tempfile
import time
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phases(d: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in d.items())


def plain_splink(recs: pa.Table, threshold: float) -> tuple[float, int, dict[str, float]]:
    from splink import DuckDBAPI, Linker

    from idic.identify.probabilistic import EM_BLOCKING, PRIOR_RULES, U_PAIRS, default_settings
    from idic.identify.records import MATCH_COLUMNS

    t0 = time.perf_counter()
    lap = {}
    db = DuckDBAPI(":memory:")
    sdf = db.register(recs.select(["rid", *MATCH_COLUMNS]), table_name="recs")
    linker = Linker(sdf, default_settings(), log_level=None)
    with contextlib.suppress(Exception):
        linker.training.estimate_probability_two_random_records_match(PRIOR_RULES, recall=0.7)
    p = linker._settings_obj._probability_two_random_records_match
    if not p or p <= 0 or p >= 0.5:
        linker._settings_obj._probability_two_random_records_match = 1 / recs.num_rows
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=42,
                                                     min_count_per_level=None, num_chunks=1)
    for rule in EM_BLOCKING:
        with contextlib.suppress(Exception):
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)
    lap["train"] = time.perf_counter() - t0
    pred = linker.inference.predict(threshold_match_probability=threshold,
                                    warning_mode="never")
    lap["predict"] = time.perf_counter() - t0 - lap["train"]
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=threshold)
    n = len({r["cluster_id"] for r in clusters.as_record_list()})
    lap["cluster"] = time.perf_counter() - t0 - lap["train"] - lap["predict"]
    return time.perf_counter() - t0, n, lap


def main(customers: int, batch: int, threshold: float) -> list[dict]:
    from idic.datasets.demo import generate
    from idic.identify.records import records
    from idic.identify.stage import run
    from idic.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="idic-bench-identify-"))
    t0 = time.perf_counter()
    generate(tmp / "data", customers=customers, seed=42)
    print(f"demo data for {customers:,} customers: {time.perf_counter() - t0:.1f} s")

    ws = Workspace.init(tmp / "ws")
    ws.ingest("identities", tmp / "data" / "identities.csv")
    ident = ws.engine.to_arrow(ws.table("identities"))
    # a stable order (not the order rows come back from the engine), so that the same seed
    # always holds back the same records: a pseudo-random but fixed shuffle by record key
    keys = [f"{s}:{r}" for s, r in zip(ident["source"].to_pylist(),
                                       ident["source_record_id"].to_pylist(), strict=True)]
    order = sorted(range(len(keys)), key=lambda i: (zlib.crc32(keys[i].encode()), keys[i]))
    ident = ident.take(pa.array(order))
    n = ident.num_rows
    held = pc.greater_equal(pa.array(range(n)), n - min(batch, n // 2))
    base = ident.filter(pc.invert(held))
    ws.engine.delete_where("identities", lambda t: t.source.notnull())
    ws.engine.append("identities", base)
    print(f"identity records: {n:,} (base {base.num_rows:,}, incremental batch "
          f"{n - base.num_rows:,})")

    t0 = time.perf_counter()
    s = run(ws, threshold=threshold)
    t_idic = time.perf_counter() - t0
    print(f"idic identify (full, training): {t_idic:.1f} s -> {s['customers']:,} customers "
          f"({s['identifier_links']:,} identifier + {s['probabilistic_links']:,} "
          f"probabilistic links, {s['supernodes']} super-nodes); peak RSS {peak_mb():,.0f} MB")
    print(f"  idic phases (s): {phases(s['phase_seconds'])}")

    recs = ws.engine.to_arrow(records(ws.engine))
    t_plain, n_plain, lap = plain_splink(recs, threshold)
    print(f"plain Splink (train + predict + cluster): {t_plain:.1f} s -> {n_plain:,} clusters; "
          f"peak RSS {peak_mb():,.0f} MB")
    print(f"  plain Splink phases (s): {phases(lap)}")
    ph = s["phase_seconds"]
    splink_part = sum(v for k, v in ph.items() if k.startswith("splink"))
    print(f"  idic's Splink phases {splink_part:.1f} s; the rest ({t_idic - splink_part:.1f} s) "
          f"is work plain Splink does not do (normalising, identifier graph + super-node "
          f"guard, links, clustering of all links, persistent ids + lineage, golden records, "
          f"writing the workspace tables) or does differently (its own clustering "
          f"{lap['cluster']:.1f} s)")
    print(f"ratio idic / plain Splink: {t_idic / t_plain:.2f}x (goal <= 1.2x)")

    ws.engine.append("identities", ident.filter(held))
    t0 = time.perf_counter()
    s2 = run(ws, threshold=threshold)
    print(f"incremental batch of {s2['scored_records']:,} records: "
          f"{time.perf_counter() - t0:.1f} s (goal < 10 s) -> {s2['customers']:,} customers, "
          f"{s2['created']:,} created, {s2['merged']:,} merged; peak RSS {peak_mb():,.0f} MB")
    t_inc = time.perf_counter() - t0
    print(f"  idic phases (s): {phases(s2['phase_seconds'])}")
    ws.close()
    label = f"{n:,} demo identity records"
    return [
        {"benchmark": f"identify full run, {label}", "idic_s": t_idic,
         "baseline": "plain Splink, same blocking/comparisons (train+predict+cluster)",
         "baseline_s": t_plain, "ratio": t_idic / t_plain, "goal": "<= 1.2",
         "customers": s["customers"], "plain_splink_clusters": n_plain,
         "peak_rss_mb": round(peak_mb())},
        {"benchmark": f"identify incremental batch of {s2['scored_records']:,}, {label}",
         "idic_s": t_inc, "baseline": "idic full run (same run)", "baseline_s": t_idic,
         "ratio": t_inc / t_idic, "goal": "< 10 s"},
    ]


def run(quick: bool = False) -> list[dict]:
    """For ``benchmarks.run_all``: 1M records (about 500k customers), or 40k with quick."""
    return main(20_000 if quick else 500_000, 10_000 if not quick else 2_000, 0.9)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--threshold", type=float, default=0.9)
    a = ap.parse_args()
    main(a.customers, a.batch, a.threshold)
