"""Needs segments from the features: a Dirichlet-multinomial mixture, k by BIC, stable labels.

Model choice: the needs signals are *counts* of a composition (which categories a customer
bought and looked at; how many orders on the web vs in a store), few per customer. A
Dirichlet-multinomial mixture (:mod:`idic.differentiate.needs.dmm`) models exactly that,
weighs a customer with 40 observations more than one with 3, and its within-segment spread
keeps BIC from inventing segments for personal taste. The number of segments ``k`` is the
BIC minimum over 2..8 (Schwarz 1978), fitted on customers with at least ``MIN_OBSERVATIONS``
category observations; customers below it are ``"undetermined"``.

Stable labels: the EM starts from k-means (seeded) on smoothed shares, or - when a previous
model with the same ``k`` exists - from that model's parameters; new segments are matched to
the previous run's by the Hungarian method on the distance between their centres (category
mix and web share; Kuhn 1955), so ``S2`` stays ``S2`` from one run to the next.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from idic.differentiate.needs.dmm import DirichletMultinomialMixture
from idic.differentiate.value._common import input_error

#: a customer needs this many category observations (order lines + category views)
MIN_OBSERVATIONS = 3
K_RANGE = range(2, 9)
UNDETERMINED = "undetermined"
#: customers used to choose k (a seeded sample when there are more)
SELECT_SAMPLE = 10_000


@dataclass
class Fit:
    model: DirichletMultinomialMixture
    k: int
    bic: dict[int, float]
    labels: list[str]  # segment label of each model component
    proba: np.ndarray  # customers x k (rows of undetermined customers are NaN)
    determined: np.ndarray  # bool per customer


def blocks(df: pd.DataFrame, categories: list[str]) -> list[np.ndarray]:
    """Count blocks of the features frame: category observations (lines + views, with
    ``other``) and channel (web orders, store orders)."""
    from idic.differentiate.needs.features import column_name

    names = [column_name(c) for c in categories]
    cols = [*names, "other"]
    cat = np.column_stack([df[f"lines_{n}"].to_numpy(float)
                           + (df[f"views_{n}"].to_numpy(float) if f"views_{n}" in df else 0.0)
                           for n in cols if f"lines_{n}" in df])
    ch = np.column_stack([df["web_orders"].to_numpy(float), df["store_orders"].to_numpy(float)])
    if cat[:, -1].sum() == 0:  # no "other" category: drop the empty column
        cat = cat[:, :-1]
    return [np.nan_to_num(cat), np.nan_to_num(ch)]


def _shares(b: list[np.ndarray]) -> np.ndarray:
    cat, ch = b
    m = cat.sum(axis=0) / max(cat.sum(), 1.0)
    p = (cat + m) / (cat.sum(axis=1, keepdims=True) + 1.0)
    w = (ch[:, :1] + 0.5) / (ch.sum(axis=1, keepdims=True) + 1.0)
    return np.hstack([p, w * np.sqrt(p.var(axis=0).sum() / max(float(w.var()), 1e-12))])


def _kmeans_resp(b: list[np.ndarray], k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    lab = KMeans(k, n_init=3, random_state=seed).fit_predict(_shares(b))
    return np.eye(k)[lab] * 0.9 + 0.1 / k


def _sub(b: list[np.ndarray], idx: np.ndarray) -> list[np.ndarray]:
    return [x[idx] for x in b]


def centres(model: DirichletMultinomialMixture) -> np.ndarray:
    """Segment centres: category mean mix and web share (``k x columns``)."""
    cat, ch = model.means()
    return np.hstack([cat, ch[:, :1]])


def match_labels(new: np.ndarray, old: np.ndarray, old_labels: list[str]) -> list[str]:
    """Labels for the new centres: the Hungarian match to the old ones (L1 distance), new
    numbers for the unmatched."""
    from scipy.optimize import linear_sum_assignment

    labels = [""] * len(new)
    if len(old) and new.shape[1] == old.shape[1]:
        cost = np.abs(new[:, None, :] - old[None, :, :]).sum(axis=2)
        rows, cols = linear_sum_assignment(cost)
        for r, c in zip(rows, cols, strict=True):
            labels[r] = old_labels[c]
    used = {int(lab[1:]) for lab in old_labels if lab[1:].isdigit()}
    nxt = 1
    for i in range(len(new)):
        if not labels[i]:
            while nxt in used:
                nxt += 1
            labels[i] = f"S{nxt}"
            used.add(nxt)
    return labels


def fit_segments(df: pd.DataFrame, categories: list[str], *, k: int | str = "auto",
                 seed: int = 0, previous: dict | None = None) -> Fit:
    """Fit the mixture on the features frame; ``previous`` is the last run's saved model
    (:func:`model_json`) for warm starts and label matching."""
    b = blocks(df, categories)
    determined = b[0].sum(axis=1) >= MIN_OBSERVATIONS
    idx = np.flatnonzero(determined)
    if idx.size < 10:
        raise input_error(f"only {idx.size} customers have {MIN_OBSERVATIONS}+ category "
                          "observations: too few to segment",
                          hint="ingest orders with items (and events with a category)")
    bd = _sub(b, idx)
    prev_ok = previous is not None and previous.get("columns") == [x.shape[1] for x in b]
    bic: dict[int, float] = {}
    chosen = DirichletMultinomialMixture(2)
    if k == "auto":
        rng = np.random.default_rng(seed)
        sel = idx.size > SELECT_SAMPLE
        sidx = np.sort(rng.choice(idx.size, SELECT_SAMPLE, replace=False)) if sel \
            else np.arange(idx.size)
        bs = _sub(bd, sidx)
        fitted: dict[int, DirichletMultinomialMixture] = {}
        for kk in K_RANGE:
            if kk >= sidx.size:
                break
            fitted[kk] = DirichletMultinomialMixture(kk, seed=seed, tol=1e-5).fit(
                bs, resp=_kmeans_resp(bs, kk, seed))
            bic[kk] = fitted[kk].bic(sidx.size)
        k_final = min(bic, key=bic.__getitem__)
        chosen = fitted[k_final]
    else:
        k_final = int(k)
        if not 1 <= k_final <= 20 or k_final >= idx.size:
            raise input_error(f"--k {k} is out of range", hint="auto, or a number from 2 to 8")
    model = DirichletMultinomialMixture(k_final, seed=seed)
    if prev_ok and previous is not None and previous["k"] == k_final:
        model.fit(bd, init=(np.asarray(previous["weights"]),
                            [np.asarray(a) for a in previous["alphas"]]))
    elif k == "auto" and chosen.weights_ is not None and chosen.alphas_ is not None:
        # the sample's fit is the start (the same fit when the sample is everyone)
        model.fit(bd, init=(chosen.weights_, chosen.alphas_))
    else:
        model.fit(bd, resp=_kmeans_resp(bd, k_final, seed))
    proba = np.full((len(df), k_final), np.nan)
    proba[idx] = model.predict_proba(bd)
    c = centres(model)
    if prev_ok and previous is not None:
        labels = match_labels(c, np.asarray(previous["centres"]), previous["labels"])
    else:
        size = np.nan_to_num(proba).sum(axis=0)
        order = np.argsort(-size, kind="stable")
        labels = [""] * k_final
        for rank, j in enumerate(order):
            labels[j] = f"S{rank + 1}"
    return Fit(model, k_final, bic, labels, proba, determined)


def assignments(df: pd.DataFrame, fit: Fit) -> pd.DataFrame:
    """``customer_id, segment, probability`` (``undetermined`` with a null probability)."""
    best = np.where(fit.determined, np.nan_to_num(fit.proba, nan=-1).argmax(axis=1), -1)
    lab = np.array([*fit.labels, UNDETERMINED], dtype=object)
    prob = np.where(fit.determined, np.nan_to_num(fit.proba).max(axis=1), np.nan)
    return pd.DataFrame({"customer_id": df["customer_id"].astype(str).to_numpy(),
                         "segment": lab[best], "probability": prob})


def model_json(fit: Fit, categories: list[str]) -> dict:
    """The fitted model as JSON (for the next run's warm start and label matching)."""
    m = fit.model
    assert m.alphas_ is not None and m.weights_ is not None
    return {"method": "dirichlet-multinomial mixture", "k": fit.k, "labels": fit.labels,
            "categories": categories, "columns": [a.shape[1] for a in m.alphas_],
            "weights": m.weights_.tolist(), "alphas": [a.tolist() for a in m.alphas_],
            "centres": centres(m).tolist(), "bic": {str(k): v for k, v in fit.bic.items()},
            "min_observations": MIN_OBSERVATIONS}


__all__ = ["K_RANGE", "MIN_OBSERVATIONS", "UNDETERMINED", "Fit", "assignments", "blocks",
           "centres", "fit_segments", "match_labels", "model_json"]
