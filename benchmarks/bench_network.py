"""Benchmark: PageRank of a 1,000,000-edge graph, idic (SciPy sparse) vs networkx.

The graph is drawn in the run (seeded): 200,000 nodes, 1,000,000 directed edges whose
targets follow a heavy-tailed (Zipf-like) popularity, as referral and follower graphs do;
repeats, self loops and dangling nodes included. Both sides start from the edge arrays and
return ``{node: score}``: networkx builds its ``DiGraph`` and runs ``nx.pagerank``
(unweighted), idic factorises the arrays and iterates on a CSR matrix. The scores are
checked equal to 1e-6. Quick: 100,000 edges.

    python benchmarks/bench_network.py [--quick]
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks._timing import best_of
from idic.interact.network.pagerank import pagerank


def edges(n_edges: int, seed: int = 15) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_nodes = max(n_edges // 5, 10)
    src = rng.integers(0, n_nodes, n_edges)
    dst = np.minimum(rng.zipf(1.6, n_edges) - 1, n_nodes - 1)
    dst = (dst * 7919 + 13) % n_nodes  # scatter the popular nodes
    return src, dst


def run(quick: bool = False) -> list[dict]:
    import networkx as nx

    n = 100_000 if quick else 1_000_000
    src, dst = edges(n)

    def with_networkx() -> dict:
        g = nx.DiGraph()
        g.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
        return nx.pagerank(g, weight=None)

    t_nx, ref = best_of(with_networkx, 1)
    t_idic, ours = best_of(lambda: pagerank(src, dst), 3)
    assert set(ours) == set(ref)
    diff = max(abs(ours[k] - ref[k]) for k in ref)
    assert diff < 1e-6, diff
    return [{"benchmark": f"PageRank, {n:,} edges, {len(ref):,} nodes",
             "idic_s": t_idic, "baseline": f"networkx {nx.__version__} (DiGraph + pagerank)",
             "baseline_s": t_nx, "ratio": t_idic / t_nx, "goal": "<= 0.1 (10x faster)",
             "max_abs_diff": diff}]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100,000 edges instead of 1,000,000")
    args = ap.parse_args()
    for r in run(quick=args.quick):
        print(f"{r['benchmark']}: idic {r['idic_s']:.3f}s, {r['baseline']} "
              f"{r['baseline_s']:.2f}s, {1 / r['ratio']:.1f}x faster; "
              f"max |diff| {r['max_abs_diff']:.2e} (goal 10x, 1e-6)")
