"""The column-wise scorer (``sentiment_vec.compounds``, used by ``score_texts``) gives exactly
the reference scores (VADER's ``polarity_scores`` plus the retail phrase rules) on every text:
batches of random "token soups" that hit each of VADER's rules, arbitrary unicode, the
benchmark's texts, the demo's labelled mentions and the hand-written set."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

from idic.datasets.demo import generate
from idic.interact.voice import sentiment as sm
from idic.interact.voice import sentiment_vec as sv

HERE = Path(__file__).parent
A = sm.RetailSentiment()
PLAIN = sm.RetailSentiment(retail=False)

_LEX = sorted(w for w in A.lexicon if w.isalpha())[::40]  # ~190 lexicon words
_NONALPHA = sorted(w for w in A.lexicon if not w.isalpha())[::25]  # emoticons, "can't"...
_SPECIAL = sorted({w for k in (*SPECIAL_CASES, *BOOSTER_DICT) for w in k.split()})
_TRIGGERS = sorted(sm._WAKES)
_GLUE = ["no", "No", "or", "nor", "but", "BUT", "But,", "kind", "of", "least", "at", "very",
         "so", "this", "never", "without", "doubt", "isn't", "not", "I", "the", "again",
         "arrived", "order", "!", "?", "!!!", "???", "?!", ":)", ":-(", "GOOD", "Bad", "LOVE",
         "😀", "📦", "💔", "’", "...", "don’t", "x", "2", "5", "stars", "one", "star", "no.",
         "good.", "(good)", "'bad'", "A", "OK", "", "\x1c", "\x0b", "ß", "İ", "É"]
_WORDS = sorted(set(_LEX + _NONALPHA + list(NEGATE)[:25] + _SPECIAL + _TRIGGERS + _GLUE))
_SEPS = [" ", "  ", ", ", "! ", ". ", "\t", " - ", "\n", "?", " \x1f "]
# repeated valences make VADER's "but" quirk (list.index) likely
_BUT = ["good", "great", "bad", "GOOD", "but", "not", "very", "so", "happy", "sad", "late"]

_soup = st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPS),
                           st.sampled_from(["lower", "same", "upper", "title"])),
                 max_size=14).map(
    lambda parts: "".join((w if c == "same" else getattr(w, c)()) + s for w, s, c in parts))
_but_soup = st.lists(st.tuples(st.sampled_from(_BUT), st.sampled_from([" ", " ", "! "])),
                     max_size=10).map(lambda parts: "".join(w + s for w, s in parts))


def _check(texts: list[str]) -> None:
    chunk = sv.CHUNK
    for a in (A, PLAIN):
        want = [a.reference_score(t).score for t in texts]
        for size in (chunk, 3):  # one batch, and batches of 3 texts
            sv.CHUNK = size
            try:
                got = sv.compounds(texts, a).tolist()
            finally:
                sv.CHUNK = chunk
            bad = [(t, g, w) for t, g, w in zip(texts, got, want, strict=True) if g != w]
            assert not bad, (a.retail, size, bad[:5])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_soup, _but_soup), min_size=1, max_size=40))
def test_vector_equals_reference_on_token_soups(texts: list[str]) -> None:
    _check(texts)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=40) | st.text("abcGOD !?.,'’😀📦\t\x1c", max_size=30),
                min_size=1, max_size=25))
def test_vector_equals_reference_on_any_text(texts: list[str]) -> None:
    _check(texts)


def test_vector_equals_reference_on_fixed_cases() -> None:
    _check(["", "   ", "\x1c", "Not GOOD at all!!!", "kind of bad but the staff were GREAT",
            "at least it arrived", "the least good", "very least good", "never so happy",
            "never this good", "without doubt the best", "without a doubt good",
            "good but good but bad", "great bad but great", "good good but good",
            "I am not very happy", "NO problem", "no no good", "no bad or nor good",
            "the bomb", "kiss of death", "sort of ok", "VERY good", "very VERY good BAD",
            "ok 😀 love 💔 :)", "GOOD", "GOOD bad", "Where is my order??? Never again!!!!!",
            "Customer service is a joke", "Never shopping here again", "a b c d e f good",
            "best but jw", "jw best but jw ok",
            "don't?'bad' $: ",  # "n't" inside a word outside the vocabulary negates
            "good " * 12 + "but " + "nice great " * 9,  # > 16 valences around "but"
            "GOOD good but GOOD good", "bad. but: BAD!"])  # VADER's "but" quirk: 3.2 * 0.5 == 1.6


@pytest.fixture(scope="module")
def demo_texts(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every free text of a generated demo: mentions, case texts, survey comments."""
    d = tmp_path_factory.mktemp("demo")
    generate(d, customers=2000, seed=11)
    out = []
    for name, col in (("social.csv", "text"), ("cases.csv", "text"),
                      ("surveys.csv", "comment")):
        out += [r[col] for r in csv.DictReader((d / name).open(encoding="utf-8"))]
    return out


def test_score_texts_equals_reference_on_benchmark_demo_and_handwritten_texts(
        demo_texts: list[str]) -> None:
    sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
    from bench_voice import make_texts

    texts = make_texts(3000, unique=1.0, seed=11)[0] + make_texts(1000, seed=12)[0]
    texts += [r["text"] for r in csv.DictReader(
        (HERE / "handwritten_sentiment.csv").open(encoding="utf-8"))]
    texts += [*demo_texts, None, "", "  "]
    got = sm.score_texts(texts)
    want = [A.reference_score(t) for t in texts]
    assert got == want  # labels and scores (Scored equality)
    distinct = [t for t in dict.fromkeys(texts) if t is not None]
    assert np.array_equal(sv.compounds(distinct, A),
                          [A.reference_score(t).score for t in distinct])


def _sum_312(xs: list[float]) -> float:
    """CPython 3.12's ``sum`` of floats (Neumaier's compensated summation, bltinmodule.c)."""
    f = c = 0.0
    for x in xs:
        t = f + x
        c += (f - t) + x if abs(f) >= abs(x) else (x - t) + f
        f = t
    return f + c if c and math.isfinite(c) else f


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.sampled_from([1.9, -2.5, 0.733, -0.293, 3.1, 1.11, -1.8, 2.2,
                                          0.1, 1e-3, -0.74, 2.85]), max_size=12),
                min_size=1, max_size=20))
def test_sums_add_like_python_sum(rows: list[list[float]]) -> None:
    """The per-text sums add like Python's ``sum``: plain on 3.11, compensated from 3.12;
    both modes are checked on any Python."""
    for neumaier, ref in ((False, _plain), (True, _sum_312)):
        mode = sv._NEUMAIER
        sv._NEUMAIER = neumaier
        try:
            f, c = np.zeros(len(rows)), np.zeros(len(rows))
            for r in range(max(map(len, rows))):
                sel = np.array([k for k, xs in enumerate(rows) if len(xs) > r], np.int64)
                sv._add(f, c, sel, np.array([rows[k][r] for k in sel.tolist()]))
            got = sv._total(f, c).tolist()
        finally:
            sv._NEUMAIER = mode
        assert got == [ref(xs) for xs in rows]
    assert [sum(xs) for xs in rows] == [(_sum_312 if sys.version_info >= (3, 12) else _plain)(xs)
                                       for xs in rows]


def _plain(xs: list[float]) -> float:
    f = 0.0
    for x in xs:
        f += x
    return f
