"""PageRank by power iteration on a SciPy sparse matrix.

Page, Brin, Motwani & Winograd (1999), "The PageRank citation ranking: bringing order to the
Web"; the iteration, the dangling-node rule and the stopping rule are those of Langville &
Meyer, "A survey of eigenvector methods of Web information retrieval" (SIAM Review 2005) as
implemented by networkx's ``pagerank`` (``_pagerank_scipy``), so the scores are the same:

    x <- alpha * (x P + (sum of x on dangling nodes) * d) + (1 - alpha) * p

with ``P`` the row-normalised adjacency, ``p`` the personalisation vector (uniform unless
given), ``d`` the dangling distribution (``p`` unless given), starting from the uniform vector
and stopping when the L1 change is below ``n * tol``.

Graph semantics: unweighted (the default) counts an edge once however often it repeats
(a networkx ``DiGraph``); weighted sums the weights of repeated edges (a ``MultiDiGraph``).
Self loops are kept. Building the graph is a NumPy/Arrow factorisation (no Python objects
per edge), which is where the speed over networkx comes from (see benchmarks/bench_network.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from idic.errors import ConvergenceError, InputError


@dataclass(frozen=True)
class Graph:
    """A directed graph as integer edge arrays over ``nodes`` (labels as an Arrow array)."""

    nodes: pa.Array
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.nodes)


def _as_arrow(values: Any) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(list(values) if not isinstance(values, np.ndarray) else values)


def build_graph(sources: Any, targets: Any, weights: Any = None,
                nodes: Any = None) -> Graph:
    """Factorise edge end points into node indices (first appearance order, like networkx).

    ``nodes`` adds isolated nodes (they still get the teleport share of PageRank).
    """
    s, t = _as_arrow(sources), _as_arrow(targets)
    if len(s) != len(t):
        raise InputError("sources and targets have different lengths")
    if s.type != t.type:
        s, t = s.cast(pa.string()), t.cast(pa.string())
    if s.null_count or t.null_count:
        raise InputError("an edge has an empty end point")
    parts = [s, t]
    if nodes is not None:
        extra = _as_arrow(nodes)
        parts.append(extra.cast(s.type) if extra.type != s.type else extra)
    # interleave so that the order is that of first appearance in the edge list
    if len(s):
        both = pa.concat_arrays([s, t]).take(
            pa.array(np.stack([np.arange(len(s)), np.arange(len(s)) + len(s)], 1).ravel()))
    else:
        both = pa.array([], s.type)
    allv = pa.concat_arrays([both, *parts[2:]]) if len(parts) > 2 else both
    enc = pc.dictionary_encode(allv) if len(allv) else pa.DictionaryArray.from_arrays(
        pa.array([], pa.int32()), pa.array([], s.type))
    idx = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    k = len(s)
    w = None
    if weights is not None:
        w = np.asarray(_as_arrow(weights).to_numpy(zero_copy_only=False), dtype=float)
        if w.shape[0] != k:
            raise InputError("weights and edges have different lengths")
        if np.isnan(w).any() or (w < 0).any():
            raise InputError("edge weights must be numbers >= 0")
    return Graph(enc.dictionary, idx[0:2 * k:2], idx[1:2 * k:2], w)


def _vector(g: Graph, values: Mapping[Any, float] | None, name: str) -> np.ndarray | None:
    if values is None:
        return None
    labels = g.nodes.to_pylist()
    v = np.array([float(values.get(x, 0.0)) for x in labels])
    if (v < 0).any() or not np.isfinite(v).all() or v.sum() <= 0:
        raise InputError(f"{name} must hold values >= 0 with a positive sum over the nodes")
    return v / v.sum()


def pagerank_graph(g: Graph, *, damping: float = 0.85, weighted: bool = False,
                   personalization: Mapping[Any, float] | None = None,
                   dangling: Mapping[Any, float] | None = None,
                   max_iter: int = 100, tol: float = 1.0e-6) -> np.ndarray:
    """PageRank scores of ``g.nodes`` (same order), summing to 1."""
    if not 0.0 <= damping <= 1.0:
        raise InputError(f"damping must be between 0 and 1, got {damping}")
    n = g.n
    if n == 0:
        return np.zeros(0)
    data = (g.weight if (weighted and g.weight is not None)
            else np.ones(g.src.shape[0]))
    a = sp.csr_array((data, (g.src, g.dst)), shape=(n, n))  # repeated edges summed
    a.sum_duplicates()
    if not (weighted and g.weight is not None):
        a.data[:] = 1.0  # a DiGraph: an edge counts once
    out = np.asarray(a.sum(axis=1)).ravel()
    is_dangling = out == 0
    inv = np.zeros(n)
    inv[~is_dangling] = 1.0 / out[~is_dangling]
    at = a.T.tocsr()
    p = _vector(g, personalization, "personalization")
    if p is None:
        p = np.full(n, 1.0 / n)
    d = _vector(g, dangling, "dangling")
    if d is None:
        d = p
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        xlast = x
        x = damping * (at @ (x * inv) + x[is_dangling].sum() * d) + (1.0 - damping) * p
        if np.abs(x - xlast).sum() < n * tol:
            return x
    raise ConvergenceError(f"PageRank did not converge in {max_iter} iterations",
                           hint="raise max_iter or tol")


def pagerank(sources: Sequence[Any] | Any, targets: Sequence[Any] | Any, *,
             weights: Any = None, damping: float = 0.85,
             personalization: Mapping[Any, float] | None = None,
             nodes: Any = None, max_iter: int = 100, tol: float = 1.0e-6) -> dict[Any, float]:
    """PageRank of the graph of edges ``sources[i] -> targets[i]`` as ``{node: score}``.

    Weighted only when ``weights`` is given. Equal to ``networkx.pagerank`` (same defaults).
    """
    g = build_graph(sources, targets, weights, nodes)
    x = pagerank_graph(g, damping=damping, weighted=weights is not None,
                       personalization=personalization, max_iter=max_iter, tol=tol)
    return dict(zip(g.nodes.to_pylist(), x.tolist(), strict=True))
