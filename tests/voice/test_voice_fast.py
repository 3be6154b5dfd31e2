"""The fast scorer (``RetailSentiment.compound``, ``phrase_valences``, ``score_texts``) gives
exactly the reference scores (VADER's ``polarity_scores`` plus the retail phrase rules)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

from idic.interact.voice import sentiment as sm

HERE = Path(__file__).parent
A = sm.RetailSentiment()
PLAIN = sm.RetailSentiment(retail=False)

_LEX = sorted(w for w in A.lexicon if w.isalpha())[::40]  # ~190 lexicon words
_SPECIAL = sorted({w for k in (*SPECIAL_CASES, *BOOSTER_DICT) for w in k.split()})
_TRIGGERS = sorted(sm._WAKES)
_GLUE = ["no", "or", "nor", "but", "BUT", "kind", "of", "least", "at", "very", "so", "this",
         "never", "without", "doubt", "isn't", "not", "I", "the", "again", "arrived", "order",
         "!", "?", "!!!", "???", ":)", ":-(", "GOOD", "Bad", "LOVE", "😀", "📦", "💔", "’", "...",
         "don’t", "x", "2", "5", "stars", "one", "star"]
_WORDS = sorted(set(_LEX + list(NEGATE)[:20] + _SPECIAL + _TRIGGERS + _GLUE))
_SEPS = [" ", "  ", ", ", "! ", ". ", "\t", " - "]


def _reference(a: sm.RetailSentiment, t: str) -> float:
    return a.reference_score(t).score


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPS),
                          st.sampled_from(["lower", "same", "upper", "title"])),
                max_size=14))
def test_fast_equals_reference_on_token_soups(parts: list[tuple[str, str, str]]) -> None:
    text = "".join((w if c == "same" else getattr(w, c)()) + s for w, s, c in parts)
    assert A.compound(text) == _reference(A, text), text
    assert PLAIN.compound(text) == _reference(PLAIN, text), text
    assert A.compound(text, sm.phrase_valences([text])[0]) == _reference(A, text), text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_fast_equals_reference_on_any_text(text: str) -> None:
    if text.strip():
        assert A.compound(text) == _reference(A, text)
        assert sm.phrase_valences([text])[0] == [
            sm._COMPILED[i][1] for i in sm._candidates(text.strip().lower().replace("’", "'"))
            if sm._COMPILED[i][0].search(text.strip().lower().replace("’", "'"))]


def test_score_texts_equals_reference_on_benchmark_and_handwritten_texts() -> None:
    sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
    from bench_voice import make_texts

    texts = make_texts(4000, unique=1.0)[0] + make_texts(2000)[0]
    texts += [r["text"] for r in csv.DictReader(
        (HERE / "handwritten_sentiment.csv").open(encoding="utf-8"))]
    texts += ["", "   ", None, "Not GOOD at all!!!", "kind of bad but the staff were GREAT",
              "at least it arrived", "never so happy", "without doubt the best"]
    got = sm.score_texts(texts)
    want = [A.reference_score(t) for t in texts]
    assert got == want
    # the memo of word valences does not change a second pass
    assert sm.score_texts(texts) == want


def test_score_texts_in_two_processes_equals_one(monkeypatch) -> None:
    sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
    from bench_voice import make_texts

    texts = make_texts(60_000, unique=1.0)[0]
    assert sm.score_texts(texts, workers=2) == sm.score_texts(texts)
