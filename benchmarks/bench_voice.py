"""Benchmark: sentiment of 1,000,000 short texts, idic's retail scorer vs VADER's per-text loop.

The texts are labelled short customer texts built in the run from the demo world's
vocabularies (social mentions: positive / neutral / negative; complaint texts: negative; NPS
comments of promoters: positive, of detractors: negative), each with one of 16
sentiment-free endings (punctuation, a hashtag, a handle, an order number): 4,640 possible
texts, so a feed of 1,000,000 is 0.5% distinct (people repeat, quote and template each
other). Two more feeds make 10% and 100% of the texts unique (a reference number appended):
the last is the case where every text is new.

* **idic**: :func:`idic.interact.voice.sentiment.score_texts` -- VADER's lexicon and rules
  plus the retail lexicon and phrase rules, each distinct text scored once, all of them
  column-wise (:mod:`idic.interact.voice.sentiment_vec`: tokens with Arrow, VADER's rules as
  numpy array operations, phrase rules with Arrow's RE2), in one process and one thread; the
  same scores as the reference (``tests/voice/test_voice_vector.py``).
* **baseline**: ``vaderSentiment``'s ``SentimentIntensityAnalyzer().polarity_scores`` called
  once per text (the package's documented use), labels at VADER's thresholds. VADER is timed
  on a random sample of the same feed (default 50,000 texts) and its time for the full
  1,000,000 is extrapolated linearly (its cost per text does not depend on the other
  texts); its accuracy is measured on the same sample.
* Also printed: the all-distinct feed scored in ``--workers`` forked processes.

Both sides run in the same process, interleaved, ``--repeat`` rounds (default 3), best of
each (``benchmarks/_timing.best_interleaved``, wall seconds), so load drift on a shared
machine hits both alike; CPU seconds of this process (``time.process_time``, best round)
are reported too (``*_cpu_s``).

Goal (issue 13): >= 5x faster than VADER, with better accuracy.

    python benchmarks/bench_voice.py [--quick] [--sample 50000] [--repeat 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

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


def _cpu(fn: Callable[[], Any], store: list[float]) -> Callable[[], Any]:
    """``fn`` that also records its CPU seconds (this process) in ``store``."""
    def run() -> Any:
        t0 = time.process_time()
        out = fn()
        store.append(time.process_time() - t0)
        return out
    return run


def run(quick: bool = False, sample: int | None = None, workers: int = 2,
        repeat: int = 3) -> list[dict]:
    try:
        from benchmarks._timing import best_interleaved
    except ImportError:  # run as a script from benchmarks/
        from _timing import best_interleaved

    n = 200_000 if quick else 1_000_000
    sample = min(sample or (20_000 if quick else 50_000), n)
    analyzer(True)  # load the lexicon outside the timing (VADER's is loaded outside too)
    score_texts(["warm up: not bad, but the delivery was late!!"])  # the vocabulary table
    idx = np.random.default_rng(1).choice(n, sample, replace=False)
    base = (f"vaderSentiment per-text loop (timed on {sample:,} of the same texts, "
            "extrapolated)")
    rows = []
    for unique in (0.0, 0.10, 1.0):
        tx, lab = make_texts(n, unique=unique)
        sub = [tx[i] for i in idx.tolist()]
        _vader(sub[:100])  # warm up
        distinct = len(set(tx))
        got: dict[str, Any] = {}
        cpu: dict[str, list[float]] = {"idic": [], "vader": []}
        wall = best_interleaved({
            "idic": _cpu(lambda tx=tx, got=got: got.__setitem__("idic", score_texts(tx)),
                         cpu["idic"]),
            "vader": _cpu(lambda sub=sub, got=got: got.__setitem__("vader", _vader(sub)),
                          cpu["vader"]),
        }, repeat=repeat)
        ours = np.array([s.label for s in got["idic"]])
        theirs = np.array(got["vader"])
        t_idic, t_vader = wall["idic"], wall["vader"] * n / sample
        c_idic, c_vader = min(cpu["idic"]), min(cpu["vader"]) * n / sample
        neg = lab == "negative"
        rows.append({
            "benchmark": f"sentiment of {n:,} short texts ({distinct:,} distinct)",
            "idic_s": round(t_idic, 2), "baseline": base, "baseline_s": round(t_vader, 2),
            "ratio": round(t_idic / t_vader, 3), "speedup": round(t_vader / t_idic, 1),
            "idic_cpu_s": round(c_idic, 2), "baseline_cpu_s": round(c_vader, 2),
            "speedup_cpu": round(c_vader / c_idic, 1),
            "goal": ">= 5x faster, better accuracy",
            "accuracy_idic": round(float(np.mean(ours == lab)), 4),
            "accuracy_vader": round(float(np.mean(theirs == lab[idx])), 4),
            "negative_recall_idic": round(float(np.mean(ours[neg] == "negative")), 4),
            "negative_recall_vader": round(float(np.mean(theirs[neg[idx]] == "negative")), 4),
        })
    if workers > 1:
        wall = best_interleaved({
            "idic": lambda: score_texts(tx, workers=workers),
            "vader": lambda: _vader(sub),
        }, repeat=repeat)
        rows.append({"benchmark": f"sentiment of {n:,} short texts ({distinct:,} distinct), "
                     f"idic in {workers} processes",
                     "idic_s": round(wall["idic"], 2), "baseline": base,
                     "baseline_s": round(wall["vader"] * n / sample, 2),
                     "ratio": round(wall["idic"] / (wall["vader"] * n / sample), 3),
                     "speedup": round(wall["vader"] * n / sample / wall["idic"], 1)})
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200,000 texts instead of 1,000,000")
    ap.add_argument("--sample", type=int, default=None, help="texts VADER is timed on")
    ap.add_argument("--workers", type=int, default=2,
                    help="processes for the extra all-distinct row (1: no such row)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds (best of)")
    args = ap.parse_args()
    for row in run(quick=args.quick, sample=args.sample, workers=args.workers,
                   repeat=args.repeat):
        print(row)
