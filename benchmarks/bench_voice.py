"""Benchmark: sentiment of 1,000,000 short texts, idic's retail scorer vs VADER's per-text loop.

The texts are labelled short customer texts built in the run from the demo world's
vocabularies (social mentions: positive / neutral / negative; complaint texts: negative; NPS
comments of promoters: positive, of detractors: negative), each with one of 16
sentiment-free endings (punctuation, a hashtag, a handle, an order number): 4,640 possible
texts, so a feed of 1,000,000 is 0.5% distinct (people repeat, quote and template each
other). Two more feeds make 10% and 100% of the texts unique (a reference number appended):
the last is the case where every text is new.

* **idic**: :func:`idic.interact.voice.sentiment.score_texts` -- VADER's lexicon and rules
  plus the retail lexicon and phrase rules, each distinct text scored once (the fast path:
  words lower-cased once, VADER's rules only at lexicon words, phrase rules column-wise with
  Arrow's RE2), in one process; the same scores as the reference.
* **baseline**: ``vaderSentiment``'s ``SentimentIntensityAnalyzer().polarity_scores`` called
  once per text (the package's documented use), labels at VADER's thresholds. VADER is timed
  on a random sample (default 50,000 texts) and its time for the full 1,000,000 is
  extrapolated linearly (its cost per text does not depend on the other texts); its accuracy
  is measured on the same sample.
* Also printed: the all-distinct feed scored in ``--workers`` forked processes, in WALL
  seconds against VADER's wall seconds (CPU seconds of one process do not count the
  workers); on a shared machine this row is noisy.

Times are CPU seconds of this process (``time.process_time``; both scorers are single-threaded
Python), so that other work on a shared machine does not distort the ratio.

Goal (issue 13): >= 5x faster than VADER, with better accuracy.

    python benchmarks/bench_voice.py [--quick] [--sample 50000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from idic.datasets import demo_network as dn
from idic.datasets import demo_voice as dv
from idic.interact.voice.sentiment import analyzer, label_of, score_texts

#: endings that carry no sentiment of their own (the base text keeps its label)
_ENDINGS = ("", "!", ".", " @shop", " @shop_help", " ...", " #retail", " today",
            " this week", " ??", " #shopping", " @retailer", " (order 1234)", " - Sam",
            " #customerservice", " 📦")


def corpus() -> list[tuple[str, str]]:
    """(text, label) pairs: the labelled base texts of the demo world."""
    out = [(t, "positive") for t in dn._POS] + [(t, "neutral") for t in dn._NEU]
    out += [(t, "negative") for t in dn._NEG]
    for opening, detail in dv._TEXTS.values():
        out += [(f"{a}: {b}".format(n=n), "negative") for a in opening for b in detail
                for n in (3, 9)]
    for drv in dv.DRIVERS:
        out += [(t, "positive") for t in dv._COMMENTS["promoter"][drv]]
        out += [(t, "negative") for t in dv._COMMENTS["detractor"][drv]]
    return sorted(set(out))


def make_texts(n: int, seed: int = 7, unique: float = 0.0) -> tuple[list[str], np.ndarray]:
    """``n`` texts and their labels (a base text with a sentiment-free ending); a share
    ``unique`` of them get a reference number that makes them distinct."""
    base = corpus()
    rng = np.random.default_rng(seed)
    b = rng.integers(0, len(base), n)
    e = rng.integers(0, len(_ENDINGS), n)
    u = rng.random(n) < unique
    texts = [base[i][0] + _ENDINGS[j] + (f" ref {k}" if uu else "")
             for k, (i, j, uu) in enumerate(zip(b.tolist(), e.tolist(), u.tolist(),
                                                strict=True))]
    labels = np.array([base[i][1] for i in b.tolist()])
    return texts, labels


def _vader(texts: list[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    a = SentimentIntensityAnalyzer()
    return [label_of(a.polarity_scores(t)["compound"]) for t in texts]


def run(quick: bool = False, sample: int | None = None, workers: int = 2) -> list[dict]:
    n = 200_000 if quick else 1_000_000
    sample = min(sample or (20_000 if quick else 50_000), n)
    texts, labels = make_texts(n)
    analyzer(True)  # load the lexicon outside the timing (VADER's is loaded outside too)
    idx = np.random.default_rng(1).choice(n, sample, replace=False)
    sub = [texts[i] for i in idx.tolist()]
    _vader(sub[:100])  # warm up
    w0, t0 = time.perf_counter(), time.process_time()
    theirs = _vader(sub)
    t_vader = (time.process_time() - t0) * n / sample
    w_vader = (time.perf_counter() - w0) * n / sample
    acc_vader = float(np.mean(np.array(theirs) == labels[idx]))
    neg = labels == "negative"
    rec_vader = float(np.mean(np.array(theirs)[neg[idx]] == "negative"))
    base = f"vaderSentiment per-text loop (timed on {sample:,}, extrapolated)"
    rows = []
    for unique in (0.0, 0.10, 1.0):
        tx, lab = (texts, labels) if unique == 0.0 else make_texts(n, unique=unique)
        distinct = len(set(tx))
        analyzer.cache_clear()
        analyzer(True)  # a fresh memo of word valences for each feed
        t0 = time.process_time()
        ours = np.array([s.label for s in score_texts(tx)])
        t_idic = time.process_time() - t0
        row = {"benchmark": f"sentiment of {n:,} short texts ({distinct:,} distinct)",
               "idic_s": round(t_idic, 2), "baseline": base, "baseline_s": round(t_vader, 2),
               "ratio": round(t_idic / t_vader, 3), "speedup": round(t_vader / t_idic, 1),
               "goal": ">= 5x faster, better accuracy",
               "accuracy_idic": round(float(np.mean(ours == lab)), 4),
               "accuracy_vader": round(acc_vader, 4),
               "negative_recall_idic": round(float(np.mean(ours[lab == "negative"]
                                                           == "negative")), 4),
               "negative_recall_vader": round(rec_vader, 4)}
        rows.append(row)
    if workers > 1:
        analyzer.cache_clear()
        analyzer(True)  # a fresh memo of word valences, as in a new process
        w0 = time.perf_counter()
        score_texts(tx, workers=workers)
        w_idic = time.perf_counter() - w0
        rows.append({"benchmark": f"sentiment of {n:,} short texts ({distinct:,} distinct), "
                     f"idic in {workers} processes, WALL seconds",
                     "idic_s": round(w_idic, 2), "baseline": base + ", wall seconds",
                     "baseline_s": round(w_vader, 2), "ratio": round(w_idic / w_vader, 3),
                     "speedup": round(w_vader / w_idic, 1)})
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200,000 texts instead of 1,000,000")
    ap.add_argument("--sample", type=int, default=None, help="texts VADER is timed on")
    ap.add_argument("--workers", type=int, default=2,
                    help="processes for the extra all-distinct row (1: no such row)")
    args = ap.parse_args()
    for row in run(quick=args.quick, sample=args.sample, workers=args.workers):
        print(row)
