"""The Dirichlet-multinomial mixture on data drawn from known parameters; label matching; the
order-items parser on any text (fuzz)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.needs.dmm import DirichletMultinomialMixture
from idic.differentiate.needs.features import column_name, order_lines
from idic.differentiate.needs.segment import match_labels
from idic.errors import NotFittedError

MIX = np.array([[0.6, 0.2, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.1, 0.1, 0.2, 0.6]])
CONC = 15.0


def draw(n: int, seed: int = 1) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 3, n)
    p = np.vstack([rng.dirichlet(CONC * MIX[k]) for k in z])
    size = rng.integers(3, 15, n)
    counts = np.vstack([rng.multinomial(s, q) for s, q in zip(size, p, strict=True)])
    return [counts.astype(float)], z


def test_mixture_recovers_the_planted_mixes_and_k() -> None:
    from sklearn.metrics import adjusted_rand_score

    n = 2000
    blocks, z = draw(n)
    bic = {}
    models = {}
    for k in (2, 3, 4):
        rng = np.random.default_rng(k)
        r = rng.dirichlet(np.ones(k), n)
        models[k] = DirichletMultinomialMixture(k, tol=1e-5).fit(blocks, resp=r)
        bic[k] = models[k].bic(n)
    assert min(bic, key=bic.__getitem__) == 3
    m = models[3]
    means = m.means()[0]
    cost = np.abs(MIX[:, None, :] - means[None, :, :]).sum(axis=2)
    assert cost.min(axis=1).max() < 0.08  # every planted mix has a close segment mean
    conc = np.array([a.sum() for a in m.alphas_[0]])
    assert np.all((conc > CONC / 2) & (conc < CONC * 2))  # the within-segment spread
    lab = m.predict_proba(blocks).argmax(axis=1)
    assert adjusted_rand_score(z, lab) > 0.6


def test_unfitted_mixture_says_so() -> None:
    with pytest.raises(NotFittedError):
        DirichletMultinomialMixture(3).predict_proba([np.ones((2, 3))])


def test_labels_follow_the_nearest_previous_centre() -> None:
    old = np.array([[0.8, 0.2], [0.2, 0.8], [0.5, 0.5]])
    new = np.array([[0.52, 0.48], [0.79, 0.21], [0.18, 0.82], [0.0, 1.0]])
    assert match_labels(new, old, ["S1", "S2", "S7"]) == ["S7", "S1", "S2", "S3"]


_con = ibis.duckdb.connect()


def _parse(items: list[str | None]) -> pd.DataFrame:
    t = ibis.memtable(pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(len(items))],
        "order_id": [f"o{i}" for i in range(len(items))],
        "ordered_at": [datetime(2025, 1, 1, tzinfo=UTC)] * len(items),
        "channel": ["web"] * len(items), "items": pd.Series(items, dtype=object)}))
    return _con.execute(order_lines(t))


# names JSON writes as they are (no escapes: the parser reads the text, it does not unescape)
_name = st.text(st.characters(min_codepoint=32, max_codepoint=0x17F,
                              blacklist_characters='"}\\\u0130', blacklist_categories=("Cc",)),
                min_size=1, max_size=12).filter(lambda s: s.strip() != "")
_line = st.fixed_dictionaries({"sku": _name, "category": _name,
                               "qty": st.integers(1, 5),
                               "price": st.decimals(0, 999, places=2, allow_nan=False)})


@settings(max_examples=20, deadline=None)
@given(lines=st.lists(_line, min_size=1, max_size=4))
def test_items_are_parsed_line_by_line(lines: list[dict]) -> None:
    text = json.dumps([{**x, "price": float(x["price"])} for x in lines], ensure_ascii=False)
    got = _parse([text])
    assert sorted(got["category"]) == sorted(x["category"].lower() for x in lines)
    assert sorted(got["qty"]) == sorted(float(x["qty"]) for x in lines)
    assert got["spend"].sum() == pytest.approx(
        sum(x["qty"] * float(x["price"]) for x in lines), abs=1e-6)


@settings(max_examples=20, deadline=None)
@given(text=st.one_of(st.none(), st.text(max_size=80)))
def test_any_items_text_is_parsed_without_error(text: str | None) -> None:
    got = _parse([text])
    assert (got["category"].str.len() > 0).all()


@given(name=st.text(max_size=30))
def test_category_column_names_are_identifiers(name: str) -> None:
    assert re.fullmatch(r"[0-9a-z_]{1,40}", column_name(name))
