"""Sentiment of free text: VADER's lexicon and rules, extended for retail and service.

VADER (Hutto & Gilbert 2014, the ``vaderSentiment`` package) scores a text by summing the
valences of its words (with its own rules for negation, boosters, "but", capitals and
punctuation) and squashing the sum into a compound score in [-1, 1]. It is fast, offline and
explainable, but it was built on social-media English and misreads customer-service text:
"Customer service is a joke" is positive ("joke" +1.2), "Support never replied" is positive
("support" +1.7), "Never shopping here again" is neutral (no word carries a valence).

This module keeps VADER's machinery and adds

* a **lexicon** of retail / service words (``RETAIL_LEXICON``): new words ("late",
  "overcharged", "dismissive"), and words whose everyday valence is wrong in this domain
  ("support", "joke", "charged"), and
* **phrase rules** (``PHRASES``): patterns no single word carries ("never ... again",
  "still waiting", "no reply", "hasn't arrived", "will buy again", "can't fault"). A phrase
  adds one valence to VADER's sum, like one more word, so VADER's normalisation and
  punctuation rules still apply.

The label follows VADER's published thresholds: compound >= 0.05 positive, <= -0.05
negative, else neutral. :func:`explain` lists the words and phrases behind a score.

:func:`score_texts` scores column-wise (:mod:`idic.interact.voice.sentiment_vec`: tokens
with Arrow, VADER's rules as numpy array operations, the phrase rules with Arrow's RE2) and
gives the same compound score as ``polarity_scores`` (the reference,
:meth:`RetailSentiment.reference_score`), about 8x faster than VADER's own per-text loop on
texts never seen before (``docs/voice.md``); :meth:`RetailSentiment.compound` is the exact
per-text path, used for one text and for the rare texts the arrays do not express.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
    normalize,
)

#: VADER's thresholds on the compound score (Hutto & Gilbert 2014; the package's README)
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
LABELS = ("negative", "neutral", "positive")

#: word -> valence on VADER's -4..4 scale: retail and service words VADER lacks or misreads
RETAIL_LEXICON: dict[str, float] = {
    # delivery and orders
    "late": -1.5, "delayed": -1.5, "lost": -1.5, "undelivered": -2.0, "overdue": -1.5,
    "damaged": -2.0, "crushed": -1.8, "cracked": -1.5, "scratched": -1.2, "dented": -1.2,
    "soaked": -1.2, "leaking": -1.5, "faulty": -2.0, "defective": -2.0, "unusable": -2.0,
    "fast": 1.2, "quick": 1.2, "quickly": 1.2, "speedy": 1.5, "prompt": 1.3,
    "promptly": 1.3, "punctual": 1.5, "hassle": -1.2,
    # money
    "overcharged": -2.2, "overpriced": -1.8, "ripoff": -2.5, "rip-off": -2.5,
    "refunded": 0.8, "bargain": 1.5,
    # service
    "dismissive": -1.8, "unhelpful": -1.8, "unprofessional": -2.0, "incompetent": -2.3,
    "clueless": -1.8, "unanswered": -1.8, "ignored": -1.8, "slow": -1.2,
    "courteous": 1.8, "knowledgeable": 1.5,
    # domain words whose general valence is wrong here
    "support": 0.0,   # "customer support" is a department, not approval
    "joke": -1.5,     # "the service is a joke"
    "charged": 0.0,   # neutral alone; "charged twice" is a phrase rule
    "avoid": -1.8,    # "avoid this shop" is a warning
    "crashed": -1.5, "crashes": -1.5, "broke": -1.8,
    "please": 0.0,    # "please refund my order" is a demand, not praise
    "promised": 0.0,  # "delivery was promised for Friday": a broken promise, usually
    "freezes": -1.2,
}

_NEG_AUX = r"(?:not|never|no|n't|cannot|can't|won't|wouldn't|didn't|don't|hasn't|haven't)"

#: (pattern, valence) applied to the lower-cased text; each match adds its valence once
PHRASES: tuple[tuple[str, float], ...] = (
    # negative
    (r"\bnever\b(?:\W+\w+){0,4}?\W+again\b", -2.5),          # never shopping here again
    (r"\b(?:last|final) time (?:i|we)(?:'ll)? (?:shop|order|buy|use)", -2.2),
    (r"\bstill (?:waiting|no\b|not\b|nothing\b|hasn't|haven't)", -1.8),
    (r"\bno (?:reply|replies|response|answer|update|updates|refund|word|one answer)", -1.8),
    (r"\b(?:nobody|no one|no-one) (?:answer|answers|answered|replied|replies|responded|"
     r"called|calls|told|tells|cares|helped|bothered|picks)", -1.8),
    (r"\b(?:has|have|had|did|does|do|was|is)(?:n't| not) (?:\w+ )?(?:arrive|arrived|come|"
     r"came|turned up|turn up|shown up|show up|been delivered|delivered|work|worked|working)",
     -1.8),
    (r"\bnot (?:arrived|delivered|received|working|refunded|fixed|resolved)", -1.8),
    (r"\bnever (?:arrived|came|replied|responded|answered|called|turned up|got back|"
     r"received|delivered|refunded)", -2.0),
    (r"\b(?:charged|billed) (?:me )?(?:twice|double|two times|three times)", -2.0),
    (r"\bdouble[- ]charged\b", -2.0),
    (r"\b(?:fell|falling|falls) apart\b", -2.0),
    (r"\b(?:stopped|stops) working\b", -2.0),
    (r"\bon hold for\b", -1.5),
    (r"\bcancel(?:l)?ed (?:my|our|the) order\b", -1.2),
    (r"\bwaste of (?:money|time)\b", -1.0),
    (r"\b(?:1|one) star\b", -2.0),
    (r"\btoo (?:long|slow|high|expensive|late)\b", -1.8),       # took far too long
    (r"\b(?:cheaper|better) elsewhere\b", -1.8),
    (r"\b(?:prices?|costs?|fees?|charges?) (?:went|go|gone|have gone) up\b", -1.5),
    (r"\b(?:want|need) (?:my|our) money back\b", -2.0),
    (r"\bwhere is (?:my|our) (?:order|parcel|refund|delivery|money)\b", -1.8),
    (r"\b(?:wants?|want|waiting for|still no|no) (?:a |my )?refund\b", -1.5),
    (r"\b(?:never|not) (?:updated|applied|solved|fixed)\b", -1.8),
    (r"\b(?:did|does|do|has|have)(?:n't| not) (?:solve|fix|match|help|work)\b", -1.8),
    (r"\b(?:does|do) nothing\b", -1.5),
    (r"\btimes? out\b", -1.2),
    (r"\b(?:higher|more) than (?:on|in) the (?:website|shop|store|app|advert)\b", -1.8),
    (r"\b(?:double|wrong|extra) charges?\b", -1.8),
    (r"\bcannot log ?in\b|\bcan't log ?in\b", -1.5),
    (r"\bcheap (?:quality|materials?)\b", -1.8),
    # positive
    (r"\b(?:will|'ll|would|definitely|happy to) (?:definitely |certainly |surely )?"
     r"(?:buy|order|shop|come back|be back|return|use them|use it) ?(?:\w+ ){0,2}?again\b", 2.0),
    (r"\b(?:will|'ll) (?:definitely |certainly )?be back\b", 2.0),
    (r"\b(?:arrived|came|delivered|turned up|here)\b(?: \w+){0,2}? (?:early|on time|"
     r"next day|same day|ahead of schedule)", 1.8),
    (r"\b(?:a|one|two|\d+) days? early\b", 1.5),
    (r"\b(?:was|were|is|arrived|came) on time\b", 1.5),
    (r"\b(?:delivery|delivered|arrived|parcel) (?:the )?next day\b", 1.5),
    (r"\b(?:can't|cannot|couldn't|could not) fault\b", 2.2),
    (r"\bno (?:complaints|problems|issues|hassle|fuss)\b", 1.5),
    (r"\b(?:went|go|goes|going) (?:out of their way|above and beyond|the extra mile)", 2.2),
    (r"\b(?:5|five) stars?\b", 2.2),
)
def _triggers(pattern: str) -> tuple[str, ...]:
    """Literal words (3+ letters, optional letters dropped) of a pattern: every match of each
    phrase above contains one of its words, so a text holding none of them cannot match (a
    cheap pre-check that skips most regex searches; patterns without such words always
    run). ``tests/voice/test_voice_sentiment.py`` checks the pre-check changes no score."""
    bare = re.sub(r"[a-z]\?", "", re.sub(r"\\[a-zA-Z]", " ", pattern))  # "stars?" -> "star"
    return tuple(sorted(set(re.findall(r"[a-z]{3,}", bare))))


_COMPILED = tuple((re.compile(p), v, _triggers(p)) for p, v in PHRASES)
_ALWAYS = tuple(i for i, (_, _, trig) in enumerate(_COMPILED) if not trig)
#: trigger word -> the phrases it wakes; every trigger starts a word in the patterns (each
#: literal follows a word boundary), so it is a prefix of a word of any matching text
_WAKES: dict[str, tuple[int, ...]] = {}
for _i, (_, _, _trig) in enumerate(_COMPILED):
    for _w in _trig:
        _WAKES[_w] = (*_WAKES.get(_w, ()), _i)
_LONGEST = max((len(w) for w in _WAKES), default=0)
_TOKEN = re.compile(r"[a-z]{3,}")


def _candidates(low: str) -> list[int]:
    """Indexes of the phrases that can match ``low`` (those with a trigger word that begins
    one of its words), in :data:`PHRASES` order."""
    hit = set(_ALWAYS)
    for tok in set(_TOKEN.findall(low)):
        for n in range(3, min(len(tok), _LONGEST) + 1):
            got = _WAKES.get(tok[:n])
            if got:
                hit.update(got)
    return sorted(hit)


_PUNCT = string.punctuation
#: one search for all phrase rules: most texts match none, and then no rule runs
_ANY = re.compile("|".join(f"(?:{p})" for p, _ in PHRASES))
_NEGATE = frozenset(NEGATE)


def _negated(word: str) -> bool:
    """VADER's ``negated([word])`` for one lower-cased word."""
    return word in _NEGATE or "n't" in word


def _idioms(valence: float, lw: list[str], i: int) -> float:
    """VADER's ``_special_idioms_check`` on lower-cased words (called with ``i > 2``)."""
    for seq in (f"{lw[i - 1]} {lw[i]}", f"{lw[i - 2]} {lw[i - 1]} {lw[i]}",
                f"{lw[i - 2]} {lw[i - 1]}", f"{lw[i - 3]} {lw[i - 2]} {lw[i - 1]}",
                f"{lw[i - 3]} {lw[i - 2]}"):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    n = len(lw)
    if n - 1 > i:
        seq = f"{lw[i]} {lw[i + 1]}"
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
    if n - 1 > i + 1:
        seq = f"{lw[i]} {lw[i + 1]} {lw[i + 2]}"
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
    for seq in (f"{lw[i - 3]} {lw[i - 2]} {lw[i - 1]}", f"{lw[i - 3]} {lw[i - 2]}",
                f"{lw[i - 2]} {lw[i - 1]}"):
        if seq in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[seq]
    return valence


@dataclass(frozen=True)
class Scored:
    """The sentiment of one text."""

    label: str
    score: float  # VADER's compound score, in [-1, 1]


class RetailSentiment(SentimentIntensityAnalyzer):
    """VADER with the retail lexicon and the phrase rules (see the module docstring)."""

    def __init__(self, *, retail: bool = True) -> None:
        super().__init__()
        self.retail = retail
        self._memo: dict[tuple, float] = {}
        if retail:
            self.lexicon.update(RETAIL_LEXICON)
            for w in [w for w, v in RETAIL_LEXICON.items() if v == 0.0]:
                del self.lexicon[w]

    def _word_valences(self, text: str) -> tuple[str, list[float], list[str]]:
        """VADER's own per-word valences (its ``polarity_scores`` up to the sum)."""
        text = "".join(f" {self.emojis[c]} " if c in self.emojis else c for c in text).strip()
        st = SentiText(text)
        words = st.words_and_emoticons
        sentiments: list[float] = []
        for i, item in enumerate(words):
            if item.lower() in BOOSTER_DICT or (
                    i < len(words) - 1 and item.lower() == "kind"
                    and words[i + 1].lower() == "of"):
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, st, item, i, sentiments)
        sentiments = self._but_check(words, sentiments)
        return text, sentiments, list(words)

    def polarity_scores(self, text: str) -> dict[str, float]:
        text, sentiments, _ = self._word_valences(text)
        if self.retail:
            low = text.lower().replace("’", "'")
            sentiments = sentiments + [_COMPILED[i][1] for i in _candidates(low)
                                       if _COMPILED[i][0].search(low)]
        return self.score_valence(sentiments, text)

    def compound(self, text: str, phrases: list[float] | None = None) -> float:
        """VADER's compound score of ``text`` with the retail rules: the same number as
        ``polarity_scores(text)["compound"]``, computed ~10x faster.

        VADER spends most of its time on words that carry no valence (lower-casing and
        re-lower-casing the whole sentence for every lexicon word, three times, in its
        negation and idiom checks). Here the text is split and lower-cased once, only the
        words found in the lexicon run VADER's rules (booster words, "no", ALL-CAPS,
        negation within three words, "never so", "without doubt", idioms, "least"), the
        "but" rule runs only when "but" occurs (VADER's own function), and only the
        compound score is computed. ``phrases``: the valences of the phrase rules that
        match ``text`` (from :func:`phrase_valences`), found here when not given.
        ``tests/voice/test_voice_fast.py`` checks it equals
        the reference on random texts built from the lexicon, negations, boosters,
        punctuation, capitals and emoji.
        """
        if text.isascii():
            # lower-casing and splitting commute with stripping punctuation for ASCII text,
            # and a token is upper-case iff it is with its punctuation stripped
            text = text.strip()
            lowers = [tok if len(s) <= 2 else s
                      for tok in text.lower().split() for s in (tok.strip(_PUNCT),)]
            words = None
        else:
            emojis = self.emojis
            text = "".join(f" {emojis[c]} " if c in emojis else c for c in text).strip()
            words = [tok if len(s) <= 2 else s
                     for tok in text.split() for s in (tok.strip(_PUNCT),)]
            lowers = [w.lower() for w in words]
        lex = self.lexicon
        n = len(lowers)
        sentiments: list[float] = [0] * n
        hits = [i for i, lw in enumerate(lowers) if lw in lex]
        if hits:
            if words is None:
                words = text.split()
            caps = sum(map(str.isupper, words))
            cap_diff = 0 < n - caps < n
            memo = self._memo
            for i in hits:
                lw = lowers[i]
                if lw in BOOSTER_DICT or (lw == "kind" and i < n - 1 and lowers[i + 1] == "of"):
                    continue
                if cap_diff:
                    sentiments[i] = self._valence(words, lowers, i, True)
                    continue
                # without mixed capitals a valence depends only on the words i-3..i+2
                key = (i if i < 3 else 3, *lowers[i - 3 if i > 3 else 0:i + 3])
                v = memo.get(key)
                if v is None:
                    if len(memo) > 1_000_000:
                        memo.clear()
                    v = memo[key] = self._valence(words, lowers, i, False)
                sentiments[i] = v
        if "but" in lowers:
            sentiments = self._but_check(lowers, sentiments)
        if phrases is not None:
            if phrases:
                sentiments += phrases
        elif self.retail:
            low = text.lower()
            if "’" in low:
                low = low.replace("’", "'")
            if _ANY.search(low):
                sentiments += [_COMPILED[i][1] for i in _candidates(low)
                               if _COMPILED[i][0].search(low)]
        if not sentiments:
            return 0.0
        sum_s = float(sum(sentiments))
        if sum_s:
            qm = text.count("?")
            amp = min(text.count("!"), 4) * 0.292 + (
                0 if qm <= 1 else qm * 0.18 if qm <= 3 else 0.96)
            sum_s = sum_s + amp if sum_s > 0 else sum_s - amp
        return round(normalize(sum_s), 4)

    def _valence(self, words: list[str], lowers: list[str], i: int, cap_diff: bool) -> float:
        """VADER's ``sentiment_valence`` of the lexicon word ``i`` (same rules, same order),
        on the once-lowered words."""
        lex = self.lexicon
        lw = lowers[i]
        n = len(lowers)
        valence = lex[lw]
        if lw == "no" and i != n - 1 and lowers[i + 1] in lex:
            valence = 0.0
        if (i > 0 and lowers[i - 1] == "no") or (i > 1 and lowers[i - 2] == "no") or (
                i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor")):
            valence = lex[lw] * N_SCALAR
        if cap_diff and words[i].isupper():
            valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(3):
            if i <= start_i:
                break
            prev = lowers[i - start_i - 1]
            if prev in lex:
                continue
            if prev in BOOSTER_DICT:
                s = BOOSTER_DICT[prev]
                if valence < 0:
                    s *= -1
                if cap_diff and words[i - start_i - 1].isupper():
                    s = s + C_INCR if valence > 0 else s - C_INCR
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
            if start_i == 0:
                if _negated(prev):
                    valence = valence * N_SCALAR
            elif start_i == 1:
                if lowers[i - 2] == "never" and lowers[i - 1] in ("so", "this"):
                    valence = valence * 1.25
                elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
                    pass
                elif _negated(prev):
                    valence = valence * N_SCALAR
            else:
                if (lowers[i - 3] == "never" and lowers[i - 2] in ("so", "this")) or (
                        lowers[i - 1] in ("so", "this")):
                    valence = valence * 1.25
                elif lowers[i - 3] == "without" and (
                        lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
                    pass
                elif _negated(prev):
                    valence = valence * N_SCALAR
                valence = _idioms(valence, lowers, i)
        if i > 1 and lowers[i - 1] == "least" and "least" not in lex:
            if lowers[i - 2] != "at" and lowers[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lowers[i - 1] == "least" and "least" not in lex:
            valence = valence * N_SCALAR
        return valence

    def explain(self, text: str) -> list[tuple[str, float]]:
        """The words and phrases that carry valence in ``text``, with their valence."""
        clean, sentiments, words = self._word_valences(text)
        parts = [(w, round(float(v), 3)) for w, v in zip(words, sentiments, strict=False) if v]
        if self.retail:
            low = clean.lower().replace("’", "'")
            for rx, v, _ in _COMPILED:
                m = rx.search(low)
                if m:
                    parts.append((m.group(0), v))
        return parts

    def score(self, text: str | None) -> Scored:
        if text is None or not text.strip():
            return Scored("neutral", 0.0)
        c = self.compound(text)
        return Scored(label_of(c), c)

    def reference_score(self, text: str | None) -> Scored:
        """:meth:`score` the slow way (VADER's ``polarity_scores``), for tests."""
        if text is None or not text.strip():
            return Scored("neutral", 0.0)
        c = float(self.polarity_scores(text)["compound"])
        return Scored(label_of(c), c)


def label_of(compound: float) -> str:
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"


@lru_cache(maxsize=2)
def analyzer(retail: bool = True) -> RetailSentiment:
    """A shared scorer (loading VADER's lexicon takes ~0.1 s)."""
    return RetailSentiment(retail=retail)


_GROUP = 5
#: the phrase rules in groups of five, each group as one pattern (see :func:`phrase_valences`)
_GROUPS = tuple(
    (k, "|".join(f"(?:{p})" for p, _ in PHRASES[k:k + _GROUP]))
    for k in range(0, len(PHRASES), _GROUP))


def phrase_valences(texts: list[str]) -> list[list[float]]:
    """The valences of the phrase rules matching each text, in :data:`PHRASES` order (what
    :meth:`RetailSentiment.compound` adds to the word valences), for many texts at once.

    The texts are matched column-wise with Arrow's RE2 engine: one pattern of all the rules
    over every text, a pattern per group of five rules over the texts that matched, and each
    rule over the texts its group matched; most texts match none and cost one scan. RE2
    and Python's ``re`` agree on whether an ASCII text matches (no rule uses look-arounds or
    back-references); texts with other characters take Python's ``re``.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    out: list[list[float]] = [[] for _ in texts]
    asc: list[int] = []
    lows: list[str] = []
    for i, t in enumerate(texts):
        if t.isascii():
            asc.append(i)
            lows.append(t.strip().lower())
        else:
            low = t.lower().replace("’", "'")
            if _ANY.search(low):
                out[i] = [_COMPILED[j][1] for j in _candidates(low)
                          if _COMPILED[j][0].search(low)]
    if not lows:
        return out

    def match(arr: pa.Array, rows: np.ndarray, pattern: str) -> tuple[pa.Array, np.ndarray]:
        hit = pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
        return arr.filter(pa.array(hit)), rows[hit]

    arr, rows = match(pa.array(lows), np.asarray(asc), _ANY.pattern)
    found: dict[int, list[int]] = {}
    for k, pattern in _GROUPS:
        garr, grows = match(arr, rows, pattern)
        for j in range(k, min(k + _GROUP, len(PHRASES))):
            for r in (grows if j == k and len(PHRASES) - k == 1 else
                      match(garr, grows, PHRASES[j][0])[1]).tolist():
                found.setdefault(r, []).append(j)
    for r, js in found.items():
        out[r] = [PHRASES[j][1] for j in sorted(js)]
    return out


def _compounds(texts: Any, retail: bool) -> np.ndarray:
    """Compound scores of distinct texts (an Arrow string array or a list; the work of
    :func:`score_texts`, one process), column-wise (:mod:`.sentiment_vec`)."""
    from idic.interact.voice.sentiment_vec import compounds

    return compounds(texts, analyzer(retail))


def score_texts(texts: Iterable[str | None], *, retail: bool = True,
                workers: int = 1) -> list[Scored]:
    """Score many texts; each distinct text is scored once (feeds repeat texts a lot), all
    of them column-wise (:func:`idic.interact.voice.sentiment_vec.compounds`: VADER's rules
    and the phrase rules as array operations, the same scores as :meth:`RetailSentiment.score`).

    ``workers`` > 1 splits the distinct texts over that many forked processes (worth it from
    some 50,000 distinct texts; the scores do not depend on it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = texts if isinstance(texts, list) else list(texts)
    if not texts:
        return []
    enc = pc.dictionary_encode(pa.array(texts, pa.string()))  # a blank text scores 0.0
    distinct = enc.dictionary
    if workers > 1 and len(distinct) >= 50_000:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        from itertools import repeat

        size = -(-len(distinct) // workers)
        chunks = [distinct.slice(k, size) for k in range(0, len(distinct), size)]
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as ex:
            comps = np.concatenate(list(ex.map(_compounds, chunks, repeat(retail))))
    else:
        comps = _compounds(distinct, retail)
    # one Scored per distinct score; None (a null index) is neutral 0.0
    values, which = np.unique(comps, return_inverse=True)
    made = np.empty(len(values) + 1, dtype=object)
    made[:] = [Scored(label_of(c), c) for c in values.tolist()] + [Scored("neutral", 0.0)]
    idx = enc.indices
    code = np.frombuffer(idx.buffers()[1], np.int32, len(idx), idx.offset).copy()
    null = ~idx.is_valid().to_numpy(zero_copy_only=False) if idx.null_count else None
    if null is not None:
        code[null] = 0  # (the slot under a null is undefined)
    code = which.reshape(-1)[code] if len(which) else np.zeros(len(idx), np.int64)
    if null is not None:
        code[null] = len(values)
    return made[code].tolist()


def explain(text: str) -> list[tuple[str, float]]:
    """Words and phrases behind the retail scorer's score of ``text``."""
    return analyzer(True).explain(text)
