"""Dirichlet-multinomial mixture (latent classes over count blocks), fitted by EM.

Each customer has count blocks (category observations: order lines + product views; channel:
web orders, store orders). Given its segment ``k``, each block is Dirichlet-multinomial with
parameters ``alpha_k``: the segment's mean mix ``alpha_k / sum(alpha_k)`` and a concentration
``sum(alpha_k)`` that absorbs the spread of personal tastes inside a segment (the reason a
plain multinomial mixture, or a Gaussian mixture on log-ratios of a handful of counts, keeps
adding segments: measured in docs/needs.md). Blocks are independent given the segment.

References: Holmes, Harris & Quince (2012), "Dirichlet multinomial mixtures: generative
models for microbial metagenomics", PLoS ONE 7(2); Minka (2000), "Estimating a Dirichlet
distribution" (the fixed-point update used in the M-step); Schwarz (1978) for BIC.

The DM log-likelihood of counts ``c`` (total ``N``) is, up to a term free of ``alpha``,
``log G(A) - log G(N + A) + sum_j [log G(c_j + alpha_j) - log G(alpha_j)]``; for whole counts
``log G(c + a) - log G(a) = sum_{m<c} log(a + m)`` and the digamma difference is
``sum_{m<c} 1 / (a + m)``: both are read from small per-segment tables, so an EM step costs
one table lookup per customer, block column and segment (counts are capped, see ``cap``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from idic.errors import NotFittedError


def _tables(alpha: np.ndarray, cmax: int) -> tuple[np.ndarray, np.ndarray]:
    """``(log-table, inverse-table)`` of shape ``alpha.shape + (cmax + 1,)``: cumulative sums
    of ``log(alpha + m)`` and ``1 / (alpha + m)`` for ``m < c``."""
    m = np.arange(cmax, dtype=float)
    x = alpha[..., None] + m
    z = np.zeros((*alpha.shape, 1))
    return (np.concatenate([z, np.cumsum(np.log(x), axis=-1)], axis=-1),
            np.concatenate([z, np.cumsum(1.0 / x, axis=-1)], axis=-1))


def _block_ll(c: np.ndarray, n: np.ndarray, alpha: np.ndarray, cmax: int) -> np.ndarray:
    """``(customers, k)`` DM log-likelihood of one block (without the multinomial term)."""
    lt, _ = _tables(alpha, cmax)
    nt, _ = _tables(alpha.sum(axis=1), cmax * c.shape[1])
    out = -nt[:, n].T.copy()
    for j in range(c.shape[1]):
        out += lt[:, j, :][:, c[:, j]].T
    return out


def _block_update(c: np.ndarray, n: np.ndarray, r: np.ndarray, alpha: np.ndarray,
                  cmax: int, steps: int = 2) -> np.ndarray:
    """Minka's fixed-point update of each segment's ``alpha``, weighted by ``r``."""
    rk = r.sum(axis=0)
    for _ in range(steps):
        _, it = _tables(alpha, cmax)
        _, nt = _tables(alpha.sum(axis=1), cmax * c.shape[1])
        den = np.einsum("nk,kn->k", r, nt[:, n])
        num = np.empty_like(alpha)
        for j in range(c.shape[1]):
            num[:, j] = np.einsum("nk,kn->k", r, it[:, j, :][:, c[:, j]])
        alpha = np.clip(alpha * num / np.maximum(den, 1e-12)[:, None], 1e-3, 1e4)
        alpha = np.where(rk[:, None] > 0, alpha, 1.0)
    return alpha


@dataclass
class DirichletMultinomialMixture:
    """A mixture of ``k`` segments over count blocks (scikit-learn conventions).

    ``cap``: a customer's counts in a block are scaled down to at most ``cap`` in total
    (a very heavy buyer counts as ``cap`` observations: the mix is kept, the certainty
    bounded). ``tol``: relative change of the log-likelihood that stops EM.
    """

    k: int
    cap: int = 50
    max_iter: int = 200
    tol: float = 1e-6
    seed: int = 0
    weights_: np.ndarray | None = field(default=None, init=False)
    alphas_: list[np.ndarray] | None = field(default=None, init=False)
    loglik_: float = field(default=float("nan"), init=False)
    n_iter_: int = field(default=0, init=False)

    def _prep(self, blocks: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for b in blocks:
            b = np.asarray(b, dtype=float)
            tot = b.sum(axis=1)
            scale = np.where(tot > self.cap, self.cap / np.maximum(tot, 1), 1.0)
            c = np.floor(b * scale[:, None] + 0.5).astype(np.int64)
            out.append((c, c.sum(axis=1)))
        return out

    def fit(self, blocks: list[np.ndarray], resp: np.ndarray | None = None,
            init: tuple[np.ndarray, list[np.ndarray]] | None = None
            ) -> DirichletMultinomialMixture:
        """Fit on ``blocks`` (each ``customers x columns`` counts), starting from the
        responsibilities ``resp`` or from parameters ``init = (weights, alphas)``."""
        data = self._prep(blocks)
        n = data[0][0].shape[0]
        if init is not None:
            self.weights_, self.alphas_ = init[0].copy(), [a.copy() for a in init[1]]
            r = self._resp(data)[0]
        elif resp is not None:
            r = resp
            self.alphas_ = [np.ones((self.k, c.shape[1])) for c, _ in data]
        else:
            raise ValueError("fit needs resp or init")
        prev = -np.inf
        for it in range(self.max_iter):
            self.weights_ = np.maximum(r.sum(axis=0) / n, 1e-12)
            self.alphas_ = [_block_update(c, t, r, a, self.cap)
                            for (c, t), a in zip(data, self.alphas_, strict=True)]
            r, ll = self._resp(data)
            self.n_iter_ = it + 1
            if ll - prev < self.tol * abs(ll):
                break
            prev = ll
        self.loglik_ = float(ll)
        return self

    def _resp(self, data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, float]:
        if self.alphas_ is None or self.weights_ is None:
            raise NotFittedError("DirichletMultinomialMixture is not fitted")
        ll = np.log(self.weights_)[None, :] + sum(
            _block_ll(c, t, a, self.cap) for (c, t), a in zip(data, self.alphas_, strict=True))
        mx = ll.max(axis=1, keepdims=True)
        e = np.exp(ll - mx)
        s = e.sum(axis=1, keepdims=True)
        return e / s, float((mx[:, 0] + np.log(s[:, 0])).sum())

    def predict_proba(self, blocks: list[np.ndarray]) -> np.ndarray:
        return self._resp(self._prep(blocks))[0]

    def n_parameters(self) -> int:
        if self.alphas_ is None:
            raise NotFittedError("DirichletMultinomialMixture is not fitted")
        return int(sum(a.size for a in self.alphas_) + self.k - 1)

    def bic(self, n: int) -> float:
        """Schwarz's BIC, ``-2 log L + p log n`` (lower is better)."""
        return -2.0 * self.loglik_ + self.n_parameters() * float(np.log(n))

    def means(self) -> list[np.ndarray]:
        """Each block's segment mean mix, ``alpha / sum(alpha)`` (``k x columns``)."""
        if self.alphas_ is None:
            raise NotFittedError("DirichletMultinomialMixture is not fitted")
        return [a / a.sum(axis=1, keepdims=True) for a in self.alphas_]


__all__ = ["DirichletMultinomialMixture"]
