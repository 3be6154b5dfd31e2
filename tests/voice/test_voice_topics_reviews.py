"""Topics of text and suspicious reviews on small hand-made inputs (and fuzzed text)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.interact.voice.reviews import flag_reviews
from idic.interact.voice.topics import agreement, fit_topics, tokens


def test_topics_separate_two_themes() -> None:
    texts = (["parcel delivery late", "late delivery of my parcel", "delivery never came late"]
             * 3 + ["refund not paid", "where is my refund money", "refund money please"] * 2)
    truth = ["delivery"] * 9 + ["refund"] * 6
    t = fit_topics(texts, 2)
    assert len(t.labels) == 2 and t.sizes == [9, 6]
    assert t.labels[0].startswith("delivery") and "refund" in t.labels[1]
    assert agreement([t.assignment[x] for x in texts], truth) == 1.0


def test_tokens_drop_stop_words_and_numbers() -> None:
    assert tokens("My parcel is 12 days LATE, isn't it?") == ["parcel", "days", "late"]
    assert tokens(None) == [] and tokens("") == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=25),
       st.integers(min_value=1, max_value=6))
def test_fit_topics_never_fails_on_any_text(texts: list[str | None], k: int) -> None:
    t = fit_topics(texts, k)
    assert len(t.labels) <= k and len(t.labels) == len(t.sizes)
    for x in texts:
        if x and x.strip():
            assert t.assignment[x] in range(-1, len(t.labels))


def test_flag_reviews_reasons() -> None:
    base = pd.Timestamp("2025-01-01", tz="UTC")
    rows = [  # a burst: 3 reviews by one author in 2 hours
        {"review_id": f"b{i}", "author": "bot", "posted_at": base + pd.Timedelta(hours=i),
         "rating": 5.0, "text": None} for i in range(3)]
    dup = "Best shop ever, fast delivery and great prices"
    rows += [{"review_id": f"d{i}", "author": f"a{i}", "posted_at": base + pd.Timedelta(days=i),
              "rating": 5.0, "text": dup} for i in range(2)]
    rows += [{"review_id": "m", "author": "x", "posted_at": base + pd.Timedelta(days=5),
              "rating": 5.0, "text": "Terrible, never shopping here again"},
             {"review_id": "ok", "author": "y", "posted_at": base + pd.Timedelta(days=6),
              "rating": 5.0, "text": "Great service"}]
    got = flag_reviews(pd.DataFrame(rows)).set_index("review_id")["reasons"]
    assert set(got.index) == {"b0", "b1", "b2", "d0", "d1", "m"}
    assert got["b0"].startswith("burst") and got["d0"].startswith("duplicate text")
    assert got["m"].startswith("rating/text disagreement")
