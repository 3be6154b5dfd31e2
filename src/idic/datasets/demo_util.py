"""Small helpers shared by the demo-data generator: clock, random streams, Arrow string building.

Everything here is vectorised: strings are built with Arrow compute kernels (no Python object
per row), times are ``int64`` seconds since the Unix epoch (UTC).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Observation end of the demo world (inclusive), UTC.
AS_OF = np.datetime64("2026-06-30T23:59:59", "s")
#: Start of the two-year history, UTC.
START = np.datetime64("2024-07-01T00:00:00", "s")
AS_OF_S = int(AS_OF.astype(np.int64))
START_S = int(START.astype(np.int64))
WEEK_S = 7 * 86400
DAY_S = 86400
#: Length of the history in weeks (104.28...).
HISTORY_WEEKS = (AS_OF_S - START_S) / WEEK_S


def rng_for(seed: int, *key: int) -> np.random.Generator:
    """An independent, reproducible random stream for ``seed`` and a component ``key``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *key])))


def unique_ints(rng: np.random.Generator, n: int, modulus: int) -> np.ndarray:
    """``n`` distinct pseudo-random integers in ``[0, modulus)`` (an affine bijection mod ``modulus``)."""
    if n > modulus:
        raise ValueError(f"cannot draw {n} distinct values below {modulus}")
    mult = 2_654_435_761  # odd, not a multiple of 5: coprime with powers of ten
    while np.gcd(mult, modulus) != 1:
        mult += 2
    offset = int(rng.integers(0, modulus))
    i = np.arange(n, dtype=object) if modulus * mult > 2**62 else np.arange(n, dtype=np.int64)
    return ((i * mult + offset) % modulus).astype(np.int64)


def ts_array(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds (int64, -1 = missing) to an Arrow ``timestamp[s, UTC]`` array."""
    seconds = np.asarray(seconds, dtype=np.int64)
    return pa.array(seconds, type=pa.timestamp("s", tz="UTC"), mask=seconds < 0)


def ts_text(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds (int64, -1 = missing) to ISO-8601 text ``2024-03-01T12:30:00Z``."""
    return pc.strftime(ts_array(seconds), format="%Y-%m-%dT%H:%M:%SZ")


def date_text(days: np.ndarray) -> pa.Array:
    """Days since epoch (int32, -1 = missing) to ``YYYY-MM-DD`` text."""
    days = np.asarray(days, dtype=np.int32)
    arr = pa.array(days, type=pa.date32(), mask=days < 0)
    return pc.strftime(arr, format="%Y-%m-%d")


def money_text(cents: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Integer cents to decimal text with two places (``5990`` -> ``"59.90"``)."""
    cents = np.asarray(cents, dtype=np.int64)
    units = pc.cast(pa.array(cents // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    out = pc.binary_join_element_wise(units, frac, ".")
    if mask is not None:
        out = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), out)
    return out


def int_text(values: np.ndarray, prefix: str = "", width: int = 0) -> pa.Array:
    """Integers to text ids such as ``W-000123`` (prefix + zero-padded number)."""
    s = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    if width:
        s = pc.utf8_lpad(s, width, "0")
    if prefix:
        s = pc.binary_join_element_wise(pa.scalar(prefix), s, "")
    return s


def hex_text(values: np.ndarray, prefix: str, width: int = 8) -> pa.Array:
    """Random-looking hex ids (``ck-1f3a9b2c``) from unsigned integers."""
    v = np.asarray(values, dtype=np.uint64)
    digits = np.empty((v.size, width), dtype=np.uint8)
    table = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    for i in range(width):
        digits[:, width - 1 - i] = table[(v >> np.uint64(4 * i)) & np.uint64(15)]
    raw = digits.tobytes()
    offsets = np.arange(0, v.size * width + 1, width, dtype=np.int32)
    arr = pa.StringArray.from_buffers(v.size, pa.py_buffer(offsets), pa.py_buffer(raw))
    return pc.binary_join_element_wise(pa.scalar(prefix), arr, "")


def flat(a: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A single contiguous Arrow array (large conversions come back chunked)."""
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def concat(*parts: pa.Array | pa.ChunkedArray | str) -> pa.Array:
    """Element-wise string concatenation; nulls propagate."""
    args = [pa.scalar(p) if isinstance(p, str) else flat(p) for p in parts]
    return flat(pc.binary_join_element_wise(*args, ""))


def pick(labels: Sequence[str], index: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Label per row from a small vocabulary (``labels[index]``); ``mask`` marks nulls."""
    idx = np.asarray(index, dtype=np.int32)
    m = None if mask is None else np.asarray(mask, dtype=bool)
    dict_arr = pa.DictionaryArray.from_arrays(pa.array(idx, mask=m), pa.array(list(labels)))
    return pc.cast(dict_arr, pa.string())


def choice_idx(rng: np.random.Generator, n: int, probs: Sequence[float]) -> np.ndarray:
    """``n`` draws of category indices with the given probabilities (vectorised)."""
    cum = np.cumsum(np.asarray(probs, dtype=float))
    cum /= cum[-1]
    return np.searchsorted(cum, rng.random(n), side="right").astype(np.int32)


def row_choice(rng: np.random.Generator, prefs: np.ndarray) -> np.ndarray:
    """One category per row of a probability matrix (rows sum to 1)."""
    cum = np.cumsum(prefs, axis=1)
    u = rng.random(prefs.shape[0]) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), prefs.shape[1] - 1).astype(np.int32)


def group_rank(group: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal, contiguous ``group`` values (0, 1, ...)."""
    n = group.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, group[1:] != group[:-1]]
    start_idx = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return np.arange(n) - start_idx
