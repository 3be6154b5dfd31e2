"""VADER's word rules on whole columns of texts (Arrow + numpy), with the same scores.

:meth:`RetailSentiment.compound <idic.interact.voice.sentiment.RetailSentiment.compound>`
scores one text at a time in Python. Here a batch of texts is scored column-wise:

1. the texts are trimmed, split at whitespace, stripped of punctuation (VADER keeps a token
   whose stripped form has two characters or fewer) and lower-cased with Arrow kernels;
2. every token is looked up once in a vocabulary (VADER's lexicon, the retail lexicon,
   VADER's booster words, negations and the few words its rules name), giving numpy arrays
   of valences, booster values, negation and capitals flags;
3. VADER's rules run as array operations at the lexicon words, each reading its neighbours
   at fixed offsets (Hutto & Gilbert 2014, section 3.2; the ``vaderSentiment`` package's
   ``sentiment_valence`` in the same order): "no" before a lexicon word, "no" within three
   words, ALL-CAPS emphasis when only some words are capitalised, booster words within three
   words with the scalar decay (1, 0.95, 0.9) and their own capitals, negation within three
   words, "never so/this", "without doubt", "least";
4. the "but" rule (words before the first "but" halved, after it x1.5) as a mask per text;
5. the phrase rules of the retail scorer column-wise with Arrow's RE2
   (:func:`phrase_hits`);
6. the valences summed per text in word order then phrase order, with the same float
   summation as Python's ``sum`` (plain on Python 3.11; Neumaier's compensated sum from
   3.12), VADER's "!" / "?" emphasis, ``s / sqrt(s² + 15)``, and ``round(x, 4)`` exactly
   (numpy's rounding is used only where it provably agrees with Python's).

Texts the arrays do not express go to the exact per-text scorer: texts that are not ASCII
once VADER's emoji descriptions are put in (non-English letters, curly apostrophes: Python's
and Arrow's lower-casing and splitting may differ there), texts with the separators
\\x1c-\\x1f (Python splits and strips there, Arrow's ASCII kernels do not) and texts holding
one of VADER's idiom or multi-word booster n-grams ("kind of", "sort of", "the bomb", "to
die for", ...). Texts whose "but" rule hits VADER's quirk (its ``_but_check`` finds each
valence with ``list.index``, so a valence equal to an earlier, re-weighted one of the same
text is re-weighted at the wrong place) get VADER's loop replayed on their valences
(:func:`_but_fix`). ``tests/voice/test_voice_vector.py`` checks every score against the
reference.
"""

from __future__ import annotations

import re
import string
import sys
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
)

if TYPE_CHECKING:
    from idic.interact.voice.sentiment import RetailSentiment

_PUNCT = string.punctuation
#: the words VADER's rules name (codes 1..), besides the lexicon and booster words
_CODES = {w: k + 1 for k, w in enumerate(
    ("no", "or", "nor", "never", "so", "this", "without", "doubt", "least", "at", "very",
     "but"))}
NO, OR, NOR, NEVER, SO, THIS, WITHOUT, DOUBT, LEAST, AT, VERY, BUT = range(1, 13)
#: Python's ``sum`` of floats is compensated (Neumaier) from 3.12 on
_NEUMAIER = sys.version_info >= (3, 12)
#: texts per column-wise batch
CHUNK = 1 << 16


class _Tables:
    """The vocabulary and its per-word properties for one analyzer (lexicon)."""

    def __init__(self, lexicon: dict[str, float]) -> None:
        ngrams = [k.split() for k in (*SPECIAL_CASES, *BOOSTER_DICT) if " " in k]
        words = sorted(set(lexicon) | {w for w in BOOSTER_DICT if " " not in w}
                       | set(NEGATE) | set(_CODES) | {w for g in ngrams for w in g})
        self.vocab = pa.array(words, pa.string())
        v = len(words)
        self.unknown = v  # id of a word outside the vocabulary (last row of each table)
        self.inlex = np.zeros(v + 1, bool)
        self.lexv = np.zeros(v + 1)
        self.isboost = np.zeros(v + 1, bool)
        self.boostv = np.zeros(v + 1)
        self.neg = np.zeros(v + 1, bool)
        self.code = np.zeros(v + 1, np.int8)
        for k, w in enumerate(words):
            if w in lexicon:
                self.inlex[k], self.lexv[k] = True, lexicon[w]
            if w in BOOSTER_DICT:
                self.isboost[k], self.boostv[k] = True, BOOSTER_DICT[w]
            self.neg[k] = w in NEGATE or "n't" in w
            self.code[k] = _CODES.get(w, 0)
        ids = {w: k for k, w in enumerate(words)}
        base = np.int64(v + 1)
        self.base = base
        self.bigrams = np.array(sorted({ids[g[0]] * base + ids[g[1]]
                                        for g in ngrams if len(g) == 2}), np.int64)
        self.trigrams = np.array(sorted({(ids[g[0]] * base + ids[g[1]]) * base + ids[g[2]]
                                         for g in ngrams if len(g) == 3}), np.int64)
        self.ngram_first = np.zeros(v + 1, bool)
        self.ngram_first[[ids[g[0]] for g in ngrams]] = True
        # VADER's "least" rule applies only when "least" is not a lexicon word
        self.least_rule = "least" not in lexicon
        self.but_in_lex = "but" in lexicon


def _tables(a: RetailSentiment) -> _Tables:
    tb = getattr(a, "_vec_tables", None)
    if tb is None:
        tb = _Tables(a.lexicon)
        a._vec_tables = tb  # type: ignore[attr-defined]
    return tb


def _emoji_table(a: RetailSentiment) -> dict[str, str]:
    """Character -> what VADER puts in its place (its emoji descriptions)."""
    tr = getattr(a, "_emoji_tr", None)
    if tr is None:
        tr = {c: f" {d} " for c, d in a.emojis.items() if len(c) == 1}
        a._emoji_tr = tr  # type: ignore[attr-defined]
    return tr


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


#: fan-out of the tree of phrase-rule alternations (see :func:`phrase_hits`)
FAN = 4


def _rule_tree() -> tuple:
    """(pattern, children) over the phrase rules: the root is all the rules as one
    alternation, each node splits its rules in :data:`FAN` consecutive parts; a leaf is
    (rule index, ())."""
    from idic.interact.voice.sentiment import PHRASES

    def node(lo: int, hi: int) -> tuple:
        if hi - lo == 1:
            return (PHRASES[lo][0], lo)
        step = -(-(hi - lo) // FAN)
        kids = tuple(node(k, min(k + step, hi)) for k in range(lo, hi, step))
        return ("|".join(f"(?:{p})" for p, _ in PHRASES[lo:hi]), kids)

    return node(0, len(PHRASES))


_TREE: list[tuple] = []


def phrase_hits(low: pa.Array) -> list[np.ndarray]:
    """For each phrase rule (in ``PHRASES`` order), the rows of ``low`` (lower-cased ASCII
    texts) it matches. The rules are tested as a tree of alternations: all of them in one
    RE2 pass, then each quarter of them over the rows that matched, and so on down to single
    rules; most texts match none and cost one pass."""
    from idic.interact.voice.sentiment import PHRASES

    if not _TREE:
        _TREE.append(_rule_tree())
    out = [np.zeros(0, np.int64)] * len(PHRASES)

    def walk(node: tuple, arr: pa.Array, rows: np.ndarray) -> None:
        pattern, kids = node
        hit = pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
        if not hit.any():
            return
        if isinstance(kids, int):
            out[kids] = rows[hit]
            return
        sub = arr.filter(pa.array(hit))
        for kid in kids:
            walk(kid, sub, rows[hit])

    walk(_TREE[0], low, np.arange(len(low)))
    return out


def _but_quirk(vals: list[float], poss: list[int], bi: int) -> list[float]:
    """VADER's ``_but_check`` on the non-zero valences of one text (zeros cannot change a
    non-zero value there, and ``list.index`` of a non-zero value finds a non-zero one)."""
    vals = list(vals)
    for k in range(len(vals)):
        si = vals.index(vals[k])
        if poss[si] < bi:
            vals[si] = vals[si] * 0.5
        elif poss[si] > bi:
            vals[si] = vals[si] * 1.5
    return vals


def compounds(texts: list[str] | pa.Array, a: RetailSentiment) -> np.ndarray:
    """The compound score of each text, equal to ``a.compound(text)`` (a null scores 0)."""
    arr = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
    n_all = len(arr)
    out = np.zeros(n_all)
    if not n_all:
        return out
    if arr.null_count:
        arr = arr.fill_null("")
    asc = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    slow: list[tuple[int, str]] = []
    orig = arr
    if not asc.all():
        # VADER's emoji descriptions in place; texts still not ASCII go to the exact scorer
        rep = _emoji_table(a)
        other = np.flatnonzero(~asc)
        fixed = []
        for r, t in zip(other.tolist(), arr.filter(pa.array(~asc)).to_pylist(), strict=True):
            ft = _NON_ASCII.sub(lambda m: rep.get(m.group(), m.group()), t)
            if ft.isascii():
                fixed.append(ft)
            else:
                fixed.append("")
                slow.append((r, t))
        arr = pc.replace_with_mask(arr, pa.array(~asc), pa.array(fixed, pa.string()))
    rows = np.arange(n_all)
    # in chunks: arrays of a few MB are reused by the allocator (fewer page faults) and
    # stay nearer the CPU caches than arrays of the whole batch
    for k in range(0, len(rows), CHUNK):
        comp, exact = _vector(arr.slice(k, CHUNK), a)
        part = rows[k:k + CHUNK]
        out[part] = comp
        ex = part[exact]
        slow += zip(ex.tolist(), orig.take(pa.array(ex)).to_pylist(), strict=True)
    for r, t in slow:
        out[r] = a.compound(t)
    return out


def _offsets(a: pa.Array) -> np.ndarray:
    """The int32 offsets of a string array (zero-copy)."""
    return np.frombuffer(a.buffers()[1], np.int32, len(a) + 1, a.offset * 4)


def _bytes(a: pa.Array) -> np.ndarray:
    """The data buffer of a string array (zero-copy)."""
    buf = a.buffers()[2]
    return np.frombuffer(buf, np.uint8) if buf is not None else np.zeros(0, np.uint8)


def _row_of(offsets: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The row of a string array holding each byte position ``at``."""
    return np.searchsorted(offsets, at, side="right") - 1


def _ids(lowers: pa.Array, tb: _Tables) -> np.ndarray:
    """Vocabulary id of each word (``tb.unknown`` outside the vocabulary)."""
    idx = pc.index_in(lowers, value_set=tb.vocab)
    out = np.frombuffer(idx.buffers()[1], np.int32, len(idx), idx.offset).copy()
    if idx.null_count:
        out[~idx.is_valid().to_numpy(zero_copy_only=False)] = tb.unknown
    return out


_IS_PUNCT = np.zeros(256, bool)
_IS_PUNCT[[ord(ch) for ch in _PUNCT]] = True


def _vector(arr: pa.Array, a: RetailSentiment) -> tuple[np.ndarray, np.ndarray]:
    """(compound scores of the ASCII texts ``arr``, mask of the texts to score exactly)."""
    tb = _tables(a)
    n_txt = len(arr)
    exact = np.zeros(n_txt, bool)
    aoff = _offsets(arr)  # (arr may be a slice: offsets into a shared buffer)
    data = _bytes(arr)[aoff[0]:aoff[-1]]
    blob = data.tobytes()

    def rows_with(byte: int) -> np.ndarray:  # row of each occurrence of ``byte``
        if blob.find(bytes((byte,))) < 0:
            return np.zeros(0, np.int64)
        return _row_of(aoff, np.flatnonzero(data == byte) + aoff[0])

    # Python splits and strips at \x1c-\x1f too, Arrow's ASCII kernels do not
    for byte in range(0x1C, 0x20):
        exact[rows_with(byte)] = True
    text = pc.ascii_trim_whitespace(arr)
    lists = pc.ascii_split_whitespace(text)
    toff = np.frombuffer(lists.buffers()[1], np.int32, n_txt + 1, lists.offset * 4)
    toff = toff - toff[0]
    raw = lists.flatten()
    n_tok = len(raw)
    # VADER's words: each token stripped of punctuation, unless that leaves <= 2 characters
    stripped = pc.ascii_trim(raw, characters=_PUNCT)
    len_raw = np.diff(_offsets(raw))
    len_str = np.diff(_offsets(stripped))
    vid = _ids(pc.ascii_lower(stripped), tb)
    keep = np.flatnonzero((len_str != len_raw) & (len_str <= 2))
    if len(keep):
        vid[keep] = _ids(pc.ascii_lower(raw.take(pa.array(keep))), tb)
    upper = pc.ascii_is_upper(raw).to_numpy(zero_copy_only=False)
    # VADER's negation: a NEGATE word, or any word holding "n't" (lower-cased)
    negt = tb.neg[vid]
    rdata, roff = _bytes(raw), _offsets(raw)
    q = np.flatnonzero(rdata == 39)
    q = q[(q > 0) & (q < len(rdata) - 1)]
    q = q[((rdata[q - 1] | 0x20) == 110) & ((rdata[q + 1] | 0x20) == 116)]
    if len(q):
        qt = _row_of(roff, q)
        # the three characters lie in one word
        qt = qt[(q - 1 >= roff[qt]) & (q + 1 < roff[qt + 1])]
        negt[qt] = True
    counts = np.diff(toff)
    tid = pc.list_parent_indices(lists).to_numpy().astype(np.int32)

    # texts with an idiom / multi-word booster n-gram take the exact path
    first = np.flatnonzero(tb.ngram_first[vid[:-1]]) if n_tok > 1 else np.zeros(0, np.int64)
    if len(first):
        ft = tid[first]
        nxt_same = first + 1 < toff[ft + 1]
        key2 = vid[first].astype(np.int64) * tb.base + vid[first + 1]
        hit = nxt_same & np.isin(key2, tb.bigrams)
        f3 = first[nxt_same & (first + 2 < toff[ft + 1])]
        key3 = (vid[f3].astype(np.int64) * tb.base + vid[f3 + 1]) * tb.base + vid[f3 + 2]
        exact[ft[hit]] = True
        exact[tid[f3[np.isin(key3, tb.trigrams)]]] = True

    # ALL-CAPS differential per text: some, but not all, words upper-case
    caps = np.bincount(tid[upper], minlength=n_txt)
    cap_diff = (caps > 0) & (caps < counts)

    h = np.flatnonzero(tb.inlex[vid] & ~tb.isboost[vid])
    t = tid[h]
    i = h - toff[t]
    n = counts[t]
    w = vid[h]
    unk = tb.unknown

    def prev(k: int) -> np.ndarray:  # vocabulary id of word i - k (unknown if none)
        return np.where(i >= k, vid[np.maximum(h - k, 0)], unk)

    p1, p2, p3 = prev(1), prev(2), prev(3)
    c1, c2, c3 = tb.code[p1], tb.code[p2], tb.code[p3]
    nxt = np.where(i < n - 1, vid[np.minimum(h + 1, n_tok - 1)], unk)
    lex = tb.lexv[w]
    v = np.where((tb.code[w] == NO) & tb.inlex[nxt], 0.0, lex)
    no_near = (c1 == NO) | (c2 == NO) | ((c3 == NO) & ((c1 == OR) | (c1 == NOR)))
    v = np.where(no_near, lex * N_SCALAR, v)
    capd = cap_diff[t]
    v = np.where(capd & upper[h], np.where(v > 0, v + C_INCR, v - C_INCR), v)
    so1 = (c1 == SO) | (c1 == THIS)
    for k, pk in ((0, p1), (1, p2), (2, p3)):
        active = (i > k) & ~tb.inlex[pk]
        boost = active & tb.isboost[pk]
        if boost.any():
            s = np.where(v < 0, -tb.boostv[pk], tb.boostv[pk])
            up = capd & upper[np.maximum(h - k - 1, 0)]
            s = np.where(up, np.where(v > 0, s + C_INCR, s - C_INCR), s)
            if k == 1:
                s = s * 0.95
            elif k == 2:
                s = s * 0.9
            v = np.where(boost, v + s, v)
        negw = active & negt[np.maximum(h - k - 1, 0)]
        if k == 0:
            v = np.where(negw, v * N_SCALAR, v)
        elif k == 1:
            never_so = active & (c2 == NEVER) & so1
            doubt = (c2 == WITHOUT) & (c1 == DOUBT)
            v = np.where(never_so, v * 1.25, np.where(negw & ~doubt, v * N_SCALAR, v))
        else:
            never_so = active & (((c3 == NEVER) & ((c2 == SO) | (c2 == THIS))) | so1)
            doubt = (c3 == WITHOUT) & ((c2 == DOUBT) | (c1 == DOUBT))
            v = np.where(never_so, v * 1.25, np.where(negw & ~doubt, v * N_SCALAR, v))
    if tb.least_rule:
        least = (c1 == LEAST) & ((i == 1) | ((c2 != AT) & (c2 != VERY)))
        v = np.where(least, v * N_SCALAR, v)

    nz = v != 0
    hv, ht, hi = v[nz], t[nz], i[nz]

    # "but": valences before the first "but" x0.5, after it x1.5
    is_but = tb.code[vid] == BUT
    if is_but.any() and not tb.but_in_lex:
        bpos = np.flatnonzero(is_but)
        btxt, bfirst = np.unique(tid[bpos], return_index=True)
        bi = np.full(n_txt, -1)
        bi[btxt] = bpos[bfirst] - toff[btxt]
        hb = bi[ht]
        has = hb >= 0
        hv = np.where(has & (hi < hb), hv * 0.5, np.where(has & (hi > hb), hv * 1.5, hv))
        _but_fix(hv, ht, hi, has, bi, v[nz])

    # the valences of each text in word order, then the phrase rules in their order
    f = np.zeros(n_txt)
    c = np.zeros(n_txt)
    if len(ht):
        starts = np.flatnonzero(np.r_[True, ht[1:] != ht[:-1]])
        rank = np.arange(len(ht)) - np.repeat(starts, np.diff(np.r_[starts, len(ht)]))
        order = np.argsort(rank, kind="stable")
        bounds = np.r_[0, np.cumsum(np.bincount(rank))]
        for r in range(len(bounds) - 1):
            sel = order[bounds[r]:bounds[r + 1]]
            _add(f, c, ht[sel], hv[sel])
    if a.retail:
        from idic.interact.voice.sentiment import PHRASES

        low = pc.ascii_lower(text)
        for (_, val), rows in zip(PHRASES, phrase_hits(low), strict=True):
            if len(rows):
                _add(f, c, rows, np.full(len(rows), val))
    f = _total(f, c)

    ep = np.bincount(rows_with(ord("!")), minlength=n_txt)
    qm = np.bincount(rows_with(ord("?")), minlength=n_txt)
    amp = np.minimum(ep, 4) * 0.292 + np.where(qm <= 1, 0.0,
                                               np.where(qm <= 3, qm * 0.18, 0.96))
    s = np.where(f > 0, f + amp, np.where(f < 0, f - amp, f))
    comp = np.clip(s / np.sqrt(s * s + 15), -1.0, 1.0)
    return _round4(comp), exact


def _add(f: np.ndarray, c: np.ndarray, rows: np.ndarray, x: np.ndarray) -> None:
    """``f[rows] += x`` as Python's ``sum`` adds floats (rows distinct; ``c``: Neumaier's
    running compensation, used from Python 3.12 on)."""
    if not _NEUMAIER:
        f[rows] = f[rows] + x
        return
    fa = f[rows]
    tt = fa + x
    c[rows] += np.where(np.abs(fa) >= np.abs(x), (fa - tt) + x, (x - tt) + fa)
    f[rows] = tt


def _total(f: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The sums after the last :func:`_add` (CPython 3.12 adds a finite, non-zero
    compensation at the end)."""
    if not _NEUMAIER:
        return f
    return np.where((c != 0) & np.isfinite(c), f + c, f)


def _but_fix(hv: np.ndarray, ht: np.ndarray, hi: np.ndarray, has: np.ndarray,
             bi: np.ndarray, orig: np.ndarray) -> None:
    """Where VADER's "but" quirk applies, replay VADER's loop for that text (in place).

    VADER re-weights position ``list.index(value)``: the right place unless an earlier,
    already re-weighted valence of the text equals the value. Texts where some re-weighted
    valence equals a later original one (rare), or with more than 16 valences, are replayed
    with :func:`_but_quirk`; the others keep the positional re-weighting."""
    sel = np.flatnonzero(has)
    if not len(sel):
        return
    st = ht[sel]
    starts = np.flatnonzero(np.r_[True, st[1:] != st[:-1]])
    size = np.diff(np.r_[starts, len(st)])
    small = size <= 16
    replay = np.flatnonzero(~small).tolist()
    keep = np.repeat(small, size)
    if keep.any() and int(size[small].max()) > 1:
        ss, sz = sel[keep], size[small]
        m = int(sz.max())
        st0 = np.r_[0, np.cumsum(sz)[:-1]]
        rank = np.arange(len(ss)) - np.repeat(st0, sz)
        g = np.repeat(np.arange(len(sz)), sz)
        new = np.full((len(sz), m), np.nan)
        old = np.full((len(sz), m), np.nan)
        new[g, rank] = hv[ss]
        old[g, rank] = orig[ss]
        later = np.triu(np.ones((m, m), bool), 1)  # [j, k] with j < k
        clash = ((new[:, :, None] == old[:, None, :]) & later).any(axis=(1, 2))
        replay += np.flatnonzero(small)[clash].tolist()
    for gi in replay:
        idx = sel[starts[gi]:starts[gi] + size[gi]]
        hv[idx] = _but_quirk(orig[idx].tolist(), hi[idx].tolist(), int(bi[ht[idx[0]]]))


def _round4(x: np.ndarray) -> np.ndarray:
    """``round(x, 4)`` as Python rounds (correctly rounded decimal); numpy's
    ``rint(x * 1e4) / 1e4`` agrees except within rounding error of a half-way point."""
    y = x * 1e4
    frac = y - np.floor(y)
    near = np.flatnonzero(np.abs(frac - 0.5) < 1e-6)
    out = np.round(x, 4)
    if len(near):
        out[near] = [round(z, 4) for z in x[near].tolist()]
    return out
