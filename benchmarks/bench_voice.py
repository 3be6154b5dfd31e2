"""Benchmark: sentiment of 1,000,000 short texts, idic's retail scorer vs VADER's per-text loop.

The texts are labelled short customer texts built in the run from the demo world's
vocabularies (social mentions: positive / neutral / negative; complaint texts: negative; NPS
comments of promoters: positive, of detractors: negative), each with one of 16
sentiment-free endings (punctuation, a hashtag, a handle, an order number): 4,640 possible
texts, so a feed of 1,000,000 is 0.5% distinct (people repeat, quote and template each
other). A second run makes 10% of the texts unique (a reference number appended), and the
per-text row shows the case where every text is new.

* **idic**: :func:`idic.interact.voice.sentiment.score_texts` -- VADER's lexicon and rules
  plus the retail lexicon and phrase rules, each distinct text scored once.
* **baseline**: ``vaderSentiment``'s ``SentimentIntensityAnalyzer().polarity_scores`` called
  once per text (the package's documented use), labels at VADER's thresholds. VADER is timed
  on a random sample (default 50,000 texts) and its time for the full 1,000,000 is
  extrapolated linearly (its cost per text does not depend on the other texts); its accuracy
  is measured on the same sample.
* Also printed: idic without the per-distinct-text cache on the sample (its per-text cost, the
  honest figure for a feed where every text is new).

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


def run(quick: bool = False, sample: int | None = None) -> list[dict]:
    n = 200_000 if quick else 1_000_000
    sample = min(sample or (20_000 if quick else 50_000), n)
    texts, labels = make_texts(n)
    analyzer(True)  # load the lexicon outside the timing (VADER's is loaded outside too)
    t0 = time.process_time()
    ours = [s.label for s in score_texts(texts)]
    t_idic = time.process_time() - t0
    acc_idic = float(np.mean(np.array(ours) == labels))
    neg = labels == "negative"
    rec_idic = float(np.mean(np.array(ours)[neg] == "negative"))
    idx = np.random.default_rng(1).choice(n, sample, replace=False)
    sub = [texts[i] for i in idx.tolist()]
    _vader(sub[:100])  # warm up
    t0 = time.process_time()
    theirs = _vader(sub)
    t_vader_sample = time.process_time() - t0
    t_vader = t_vader_sample * n / sample
    acc_vader = float(np.mean(np.array(theirs) == labels[idx]))
    rec_vader = float(np.mean(np.array(theirs)[neg[idx]] == "negative"))
    a = analyzer(True)
    t0 = time.process_time()
    for t in sub:
        a.score(t)
    t_nocache = (time.process_time() - t0) * n / sample
    distinct = len(set(texts))
    label = f"sentiment of {n:,} short texts ({distinct:,} distinct)"
    texts10, _ = make_texts(n, unique=0.10)
    t0 = time.process_time()
    score_texts(texts10)
    t_idic10 = time.process_time() - t0
    d10 = len(set(texts10))
    return [
        {"benchmark": label, "idic_s": round(t_idic, 2),
         "baseline": f"vaderSentiment per-text loop (timed on {sample:,}, extrapolated)",
         "baseline_s": round(t_vader, 2), "ratio": round(t_idic / t_vader, 3),
         "speedup": round(t_vader / t_idic, 1), "goal": ">= 5x faster, better accuracy",
         "accuracy_idic": round(acc_idic, 4), "accuracy_vader": round(acc_vader, 4),
         "negative_recall_idic": round(rec_idic, 4),
         "negative_recall_vader": round(rec_vader, 4)},
        {"benchmark": f"sentiment of {n:,} short texts ({d10:,} distinct)",
         "idic_s": round(t_idic10, 2), "baseline": "vaderSentiment per-text loop",
         "baseline_s": round(t_vader, 2), "ratio": round(t_idic10 / t_vader, 3),
         "speedup": round(t_vader / t_idic10, 1)},
        {"benchmark": label + ", idic without the per-distinct-text cache",
         "idic_s": round(t_nocache, 2), "baseline": "vaderSentiment per-text loop",
         "baseline_s": round(t_vader, 2), "ratio": round(t_nocache / t_vader, 3),
         "speedup": round(t_vader / t_nocache, 2)},
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200,000 texts instead of 1,000,000")
    ap.add_argument("--sample", type=int, default=None, help="texts VADER is timed on")
    args = ap.parse_args()
    for row in run(quick=args.quick, sample=args.sample):
        print(row)
