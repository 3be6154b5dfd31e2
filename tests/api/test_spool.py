"""The spool's encoding: what is written is exactly what was validated, and whatever is
refused is still kept as JSON every reader accepts (hypothesis over hostile values)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic.ingest.segment import parse_segment_file
from idic.service.spool import MAX_DEPTH, as_record, encode, pending, read_lines, write_spool

odd = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
text = st.text(odd, max_size=8) | st.sampled_from(["S\ud800", "\udfff", "a\x00b", "é😀\u2028"])
scalars = (st.none() | st.booleans() | st.integers(-(2**80), 2**80) | text
           | st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=3)
                      | st.dictionaries(text, kids, max_size=3), max_leaves=12)
messages = st.dictionaries(text, values, max_size=5).map(
    lambda d: {**d, "type": "track", "messageId": "m"})


def _finite(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, dict):
        return all(_finite(k) and _finite(x) for k, x in v.items())
    if isinstance(v, list):
        return all(_finite(x) for x in v)
    return True


def _has_surrogate(v: Any) -> bool:
    if isinstance(v, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, dict):
        return any(_has_surrogate(k) or _has_surrogate(x) for k, x in v.items())
    if isinstance(v, list):
        return any(_has_surrogate(x) for x in v)
    return False


@settings(max_examples=200, deadline=None)
@given(msg=messages)
def test_encode_keeps_exactly_what_json_can_hold(msg: dict) -> None:
    got = encode(msg)
    if not _finite(msg):
        assert got == "NaN or Infinity is not a JSON number"
    elif _has_surrogate(msg):
        assert got == "a lone UTF-16 surrogate (\\ud800-\\udfff) is not text"
    else:
        assert isinstance(got, bytes) and b"\n" not in got
        assert json.loads(got) == msg  # the same message, nothing dropped or added


@settings(max_examples=200, deadline=None)
@given(msg=values)
def test_a_refused_record_is_always_readable_json(msg: Any) -> None:
    rec = as_record(msg)
    assert rec.isascii()
    back = duckdb.execute("SELECT ?::JSON::VARCHAR", [rec]).fetchone()[0]
    assert json.loads(back) == json.loads(rec)


def test_depth_limit() -> None:
    deep: Any = "x"
    for _ in range(MAX_DEPTH):  # MAX_DEPTH objects, one inside the other: kept
        deep = {"a": deep}
    assert isinstance(encode(deep), bytes)
    assert encode({"a": deep}) == f"nested deeper than {MAX_DEPTH} levels"


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(messages, min_size=1, max_size=5))
def test_every_spooled_line_is_one_message_the_reader_takes_unchanged(tmp_path: Path,
                                                                      batch) -> None:
    for d in tmp_path.glob("spool/incoming/*"):
        d.unlink()
    entry, refused = write_spool(tmp_path, batch)
    ok = [m for m in batch if isinstance(encode(m), bytes)]
    assert refused == len(batch) - len(ok)
    assert pending(tmp_path) == [entry]
    lines = read_lines(entry)
    assert [json.loads(x) for x in lines] == ok
    if ok:
        ev, _ = parse_segment_file(entry.messages, "web", one_per_line=True)
        assert ev.num_rows == len(ok)  # a "batch" key inside a message is not expanded
        for m, ctx, props in zip(ok, ev.column("context").to_pylist(),
                                 ev.column("properties").to_pylist(), strict=True):
            assert (None if ctx is None else json.loads(ctx)) == m.get("context")
            assert (None if props is None else json.loads(props)) == m.get("properties")
    assert oct(entry.stem.parent.stat().st_mode & 0o777) == "0o700"
    for f in entry.files():
        assert oct(f.stat().st_mode & 0o777) == "0o600"
