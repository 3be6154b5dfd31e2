"""Personal data in the workspace *folder*: source files (demo-data/*.csv|parquet|json...),
exports, reports, leftovers. Swept field by field on exact values, never by substring.

- **Tables in files** (CSV, TSV, Parquet; also ``.gz``): a row is the subject's when one of
  its identifier fields equals one of theirs after the loader's normalisation (e-mail
  trimmed and lower-cased, phone in E.164 read with the row's ``country``, handle, cookie or
  device id, ``source`` + record id, a customer id, or a bare record id in an id column such
  as ``customer_id`` or ``cust``). Such rows are removed. A row linking two people
  (``referrer_id``/``referred_id``) loses only the subject's side. Any other field holding
  one of their identifiers as a whole token is redacted in place.
- **Segment JSON** (a message, a ``{"batch": [...]}``, an array, JSON lines): a message is
  theirs by ``userId``/``anonymousId``/``previousId`` or by the e-mail/phone in its traits;
  other messages have matching tokens redacted.
- **Other text files** (an HTML report, logs): matching tokens are redacted; lines are kept.
- **Never touched**: the database, the workspace's settings, keys and secret, identify's
  models, Spark's table folders (the engine erases those). Files that cannot be read as any
  of the above (binary formats, over :data:`MAX_TEXT_BYTES`) are listed as not swept, with
  the reason, so the receipt says what a person must check by hand.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from idic.privacy import mentions
from idic.privacy.identifiers import e164_loose
from idic.privacy.subject import SIDE_PAIR, Subject
from idic.privacy.tombstones import ANON_COLUMNS, PAIR_COLUMNS

#: never read nor rewritten: the database, settings, secrets, locks
SKIP_NAMES = frozenset({"idic.duckdb", "idic.duckdb.wal", "api-keys.json", ".idic-secret",
                        ".api-keys.lock", "workspace.json"})
#: folders of workspace machinery (relative to the workspace root)
SKIP_DIRS = frozenset({"models", "spark"})
MAX_TEXT_BYTES = 200 * 1024 * 1024
#: column names that hold a (bare) customer or record id
ID_COLUMN = re.compile(r"^(source_)?(customer|cust|client|member|user|account|shopper|buyer)"
                       r"(_?(id|key|no|number|ref))?$", re.I)
MESSAGE_ID_KEYS = ("userId", "user_id", "anonymousId", "anonymous_id", "previousId")


@dataclass
class FileSweep:
    removed: dict[str, int] = field(default_factory=dict)   # rows / messages removed
    redacted: dict[str, int] = field(default_factory=dict)  # values redacted in place
    not_swept: list[dict[str, str]] = field(default_factory=list)

    def add(self, rel: str, removed: int, redacted: int) -> None:
        if removed:
            self.removed[rel] = removed
        if redacted:
            self.redacted[rel] = redacted


class _Matcher:
    """The subject's identifiers, ready for field-by-field comparison."""

    def __init__(self, s: Subject) -> None:
        self.s = s
        self.keys = s.keys
        self.rx = mentions.compile_py(s.text_pattern())

    def redact(self, text: str) -> tuple[str, int]:
        if self.rx is None or not text:
            return text, 0
        return mentions.redact_text(text, self.rx)

    def message_is_theirs(self, msg: dict[str, Any]) -> bool:
        s = self.s
        for k in MESSAGE_ID_KEYS:
            v = msg.get(k)
            if v is None:
                continue
            v = str(v)
            src = msg.get("source")
            if v in s.anon or v in s.user_ids or v in self.keys or (
                    src is not None and f"{src}:{v}" in self.keys):
                return True
        for part in ("traits", "properties", "context"):
            d = msg.get(part)
            if part == "context" and isinstance(d, dict):
                d = d.get("traits")
            if not isinstance(d, dict):
                continue
            e, p = d.get("email"), d.get("phone")
            if isinstance(e, str) and e.strip().lower() in s.emails:
                return True
            if isinstance(p, str) and e164_loose(p, d.get("country")) in s.phones:
                return True
        return False

    def redact_obj(self, obj: Any) -> tuple[Any, int]:
        """``obj`` (parsed JSON) with matching tokens in its strings redacted."""
        if isinstance(obj, str):
            return self.redact(obj)
        if isinstance(obj, list):
            out, n = [], 0
            for v in obj:
                v2, k = self.redact_obj(v)
                out.append(v2)
                n += k
            return out, n
        if isinstance(obj, dict):
            res, n = {}, 0
            for k, v in obj.items():
                v2, c = self.redact_obj(v)
                res[k] = v2
                n += c
            return res, n
        return obj, 0


def _text(t: pa.Table, c: str) -> pa.ChunkedArray:
    """Column ``c`` as text, nulls as empty strings."""
    col = t.column(c)
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = col.cast(pa.string())
    return pc.fill_null(col, "")


def _isin(col: pa.ChunkedArray, values: set[str]) -> pa.ChunkedArray:
    return pc.is_in(col, value_set=pa.array(sorted(values), pa.string()))


def _folded(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.utf8_lower(pc.utf8_trim_whitespace(col))


def _owned_rows(t: pa.Table, m: _Matcher) -> tuple[pa.ChunkedArray, dict[str, pa.ChunkedArray]]:
    """(rows that are the subject's, {party column: rows where that side is theirs})."""
    s = m.s
    cols = t.column_names
    src = _text(t, "source") if "source" in cols else None
    keys, wide = m.keys, s.distinctive_keys
    parties = [c for c in SIDE_PAIR if c in cols and src is not None]
    parties += [c for c in cols if c.endswith("_customer_id") and c != "source_customer_id"]
    if "customer_id" in cols and parties:
        parties.append("customer_id")
    if len(parties) < 2:
        parties = []
    hit = pc.equal(pa.array([0] * t.num_rows, pa.int8()), 1)
    side: dict[str, pa.ChunkedArray] = {}
    for c in cols:
        col = _text(t, c)
        low = c.lower()
        key_col = c in PAIR_COLUMNS or ID_COLUMN.search(low) or low.endswith("customer_id")
        mine = _isin(col, keys if key_col else wide)
        if src is not None and c in PAIR_COLUMNS:
            mine = pc.or_(mine, _isin(pc.binary_join_element_wise(src, col, ":"), keys))
        if ID_COLUMN.search(low) and s.user_ids:
            mine = pc.or_(mine, _isin(col, s.user_ids))
        if c in parties:
            side[c] = pc.and_(mine, pc.not_equal(col, ""))
            continue
        if c in ANON_COLUMNS and s.anon:
            mine = pc.or_(mine, _isin(col, s.anon))
        if "email" in low and s.emails:
            mine = pc.or_(mine, _isin(_folded(col), s.emails))
        if "phone" in low and s.phones:
            ctry = _text(t, "country").to_pylist() if "country" in cols else [""] * t.num_rows
            norm = pa.array([e164_loose(v, k) if v else None
                             for v, k in zip(col.to_pylist(), ctry, strict=True)], pa.string())
            mine = pc.or_(mine, pc.fill_null(_isin(norm, s.phones), False))
        if low == "social_handle" and s.handles:
            mine = pc.or_(mine, _isin(_folded(col), s.handles))
        hit = pc.or_(hit, pc.and_(mine, pc.not_equal(col, "")))  # an empty field is no one's
    if side:
        every = pc.equal(pa.array([1] * t.num_rows, pa.int8()), 1)
        some = pc.invert(every)
        for c, mine in side.items():
            every = pc.and_(every, pc.or_(pc.equal(_text(t, c), ""), mine))
            some = pc.or_(some, mine)
        hit = pc.or_(hit, pc.and_(every, some))
    return hit, side


def _sweep_frame(t: pa.Table, m: _Matcher) -> tuple[pa.Table, int, int]:
    """(rows kept, with the subject's side cleared and tokens redacted; removed; redacted)."""
    hit, side = _owned_rows(t, m)
    keep_mask = pc.invert(hit)
    keep = t.filter(keep_mask)
    redacted = 0
    for c, mine in side.items():
        clear = pc.filter(mine, keep_mask)
        n = pc.sum(clear).as_py() or 0
        if n:
            redacted += n
            i = keep.column_names.index(c)
            keep = keep.set_column(i, c, pc.if_else(clear, pa.scalar(None, keep.schema.field(c)
                                                                     .type), keep.column(c)))
    if m.rx is not None:
        pat = m.rx.pattern
        for i, c in enumerate(keep.column_names):
            col = keep.column(c)
            if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
                continue
            found = pc.fill_null(pc.match_substring_regex(col, pat), False)
            if not pc.any(found).as_py():
                continue
            values = col.to_pylist()
            for j in pc.indices_nonzero(found).to_pylist():
                values[j], n = m.redact(values[j])
                redacted += n
            keep = keep.set_column(i, c, pa.array(values, col.type))
    return keep, int(pc.sum(hit).as_py() or 0), redacted


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix.lower() == ".gz" else data


def _write_atomic(path: Path, data: bytes) -> None:
    if path.suffix.lower() == ".gz":
        data = gzip.compress(data, mtime=0)
    tmp = path.with_name(path.name + ".idic-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _table_file(path: Path, kind: str, m: _Matcher, dry: bool) -> tuple[int, int]:
    raw = _read_bytes(path)
    sep = "\t" if kind == "tsv" else ","
    if kind == "parquet":
        t = pq.read_table(io.BytesIO(raw))
    else:  # every field as the text it is (pandas: exactly what it writes back)
        t = pa.Table.from_pandas(pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False,
                                             sep=sep), preserve_index=False)
    keep, removed, redacted = _sweep_frame(t, m)
    if (removed or redacted) and not dry:
        buf = io.BytesIO()
        if kind == "parquet":
            pq.write_table(keep, buf)
        else:
            keep.to_pandas().to_csv(buf, index=False, sep=sep)
        _write_atomic(path, buf.getvalue())
    return removed, redacted


def _json_file(path: Path, m: _Matcher, dry: bool) -> tuple[int, int]:
    text = _read_bytes(path).decode("utf-8")
    try:
        doc = json.loads(text)
    except ValueError:
        return _lines_file(path, m, dry, text=text)
    batch = isinstance(doc, dict) and isinstance(doc.get("batch"), list)
    items = doc["batch"] if batch else doc if isinstance(doc, list) else None
    if items is None:  # one document: a single Segment message, or anything else
        if isinstance(doc, dict) and "type" in doc and m.message_is_theirs(doc):
            new: Any = []
            removed, redacted = 1, 0
        else:
            new, redacted = m.redact_obj(doc)
            removed = 0
    else:
        keep = [x for x in items if not (isinstance(x, dict) and m.message_is_theirs(x))]
        removed = len(items) - len(keep)
        keep, redacted = m.redact_obj(keep)
        new = {**doc, "batch": keep} if batch else keep
    if (removed or redacted) and not dry:
        _write_atomic(path, json.dumps(new).encode())
    return removed, redacted


def _lines_file(path: Path, m: _Matcher, dry: bool, *, text: str | None = None,
                parse: bool = True) -> tuple[int, int]:
    text = _read_bytes(path).decode("utf-8") if text is None else text
    keep, removed, redacted = [], 0, 0
    for line in text.splitlines(keepends=True):
        msg = None
        if parse and line.strip():
            try:
                msg = json.loads(line)
            except ValueError:
                msg = None
        if isinstance(msg, dict) and m.message_is_theirs(msg):
            removed += 1
            continue
        line, n = m.redact(line)
        redacted += n
        keep.append(line)
    if (removed or redacted) and not dry:
        _write_atomic(path, "".join(keep).encode())
    return removed, redacted


def _inner_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _is_text(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(4096)
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _skipped(root: Path, path: Path) -> bool:
    rel = path.relative_to(root)
    name = path.name
    return (name in SKIP_NAMES or name.startswith("idic.duckdb") or name.endswith(".idic-tmp")
            or (len(rel.parts) > 1 and rel.parts[0] in SKIP_DIRS))


def sweep_files(root: Path, s: Subject, *, dry_run: bool = False) -> FileSweep:
    """Remove (or, with ``dry_run``, count) the subject's rows, messages and mentions in
    every file under ``root``."""
    m = _Matcher(s)
    out = FileSweep()
    for dirpath, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(dirpath) / name
            if _skipped(root, path):
                continue
            rel = str(path.relative_to(root))
            kind = _inner_suffix(path)
            try:
                size = path.stat().st_size
                if size > MAX_TEXT_BYTES:
                    out.not_swept.append({"file": rel, "reason": f"larger than "
                                          f"{MAX_TEXT_BYTES // 2**20} MB: check it by hand"})
                    continue
                if kind in (".csv", ".tsv"):
                    n = _table_file(path, kind[1:], m, dry_run)
                elif kind in (".parquet", ".pq"):
                    n = _table_file(path, "parquet", m, dry_run)
                elif kind == ".json":
                    n = _json_file(path, m, dry_run)
                elif kind in (".jsonl", ".ndjson"):
                    n = _lines_file(path, m, dry_run)
                elif path.suffix.lower() != ".gz" and _is_text(path):
                    n = _lines_file(path, m, dry_run, parse=False)
                else:
                    out.not_swept.append({"file": rel, "reason": "not a format idic can "
                                          "read (binary): check it by hand or delete it"})
                    continue
            except FileNotFoundError:  # removed meanwhile (a spool file flushed)
                continue
            except (ValueError, UnicodeDecodeError, OSError, pd.errors.ParserError) as exc:
                out.not_swept.append({"file": rel, "reason": f"could not be read: "
                                      f"{type(exc).__name__}: {str(exc)[:200]}"})
                continue
            out.add(rel, *n)
    return out
