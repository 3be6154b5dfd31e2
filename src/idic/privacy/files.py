"""Personal data in the workspace *folder*: source files (demo-data/*.csv|parquet|json...),
reports, leftovers. Erasure rewrites them without the subject's rows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from idic.privacy.subject import Subject
from idic.privacy.tombstones import ANON_COLUMNS, PAIR_COLUMNS

#: never rewritten: the database (handled by SQL), secrets and locks
SKIP_NAMES = ("idic.duckdb", "idic.duckdb.wal", "api-keys.json", ".idic-secret",
              ".api-keys.lock", "workspace.json")
MAX_TEXT_BYTES = 200 * 1024 * 1024


def _mask(df: pd.DataFrame, s: Subject) -> pd.Series:
    keys = s.keys
    m = pd.Series(False, index=df.index)
    for c in df.columns:
        if not (df[c].dtype == object or pd.api.types.is_string_dtype(df[c])):
            continue
        col = df[c].astype("string").fillna("")
        low = col.str.lower()
        for e in s.emails:
            m |= low.str.contains(e, regex=False)
        for p in s.phones:
            m |= col.str.contains(p, regex=False)
        if keys:
            m |= col.isin(keys)
        if c in PAIR_COLUMNS and "source" in df.columns:
            m |= (df["source"].astype("string").fillna("") + ":" + col).isin(keys)
        if c in ANON_COLUMNS and s.anon:
            m |= col.isin(s.anon)
        if c == "social_handle" and s.handles:
            m |= low.str.strip().isin(s.handles)
    return m


def _message_matches(text: str, msg: object, s: Subject) -> bool:
    low = text.lower()
    if any(e in low for e in s.emails) or any(p in text for p in s.phones):
        return True
    if isinstance(msg, dict):
        rids = {r for _, r in s.records}
        for k in ("userId", "user_id", "anonymousId", "anonymous_id", "previousId"):
            v = msg.get(k)
            if v is not None and (str(v) in rids or str(v) in s.anon or str(v) in s.keys):
                return True
    return False


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".idic-tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _sweep_table_file(path: Path, s: Subject, kind: str) -> int:
    if kind == "parquet":
        df = pd.read_parquet(path)
    else:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep)
    m = _mask(df, s)
    n = int(m.sum())
    if n:
        keep = df[~m]
        if kind == "parquet":
            tmp = path.with_name(path.name + ".idic-tmp")
            keep.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        else:
            _write_atomic(path, keep.to_csv(index=False, sep=sep).encode())
    return n


def _sweep_json(path: Path, s: Subject) -> int:
    text = path.read_text()
    try:
        doc = json.loads(text)
    except ValueError:
        return _sweep_lines(path, s, parse=True)
    items = doc.get("batch") if isinstance(doc, dict) and isinstance(doc.get("batch"), list) \
        else doc if isinstance(doc, list) else None
    if items is None:
        if _message_matches(text, doc, s):
            path.unlink()
            return 1
        return 0
    keep = [m for m in items if not _message_matches(json.dumps(m), m, s)]
    n = len(items) - len(keep)
    if n:
        out = {**doc, "batch": keep} if isinstance(doc, dict) else keep
        _write_atomic(path, json.dumps(out).encode())
    return n


def _sweep_lines(path: Path, s: Subject, *, parse: bool) -> int:
    lines = path.read_text().splitlines(keepends=True)
    keep = []
    for line in lines:
        msg = None
        if parse:
            try:
                msg = json.loads(line)
            except ValueError:
                msg = None
        if not _message_matches(line, msg, s):
            keep.append(line)
    n = len(lines) - len(keep)
    if n:
        _write_atomic(path, "".join(keep).encode())
    return n


def sweep_files(root: Path, s: Subject) -> dict[str, int]:
    """Remove the subject's rows / messages / lines from every file under ``root``."""
    out: dict[str, int] = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if name in SKIP_NAMES or name.startswith("idic.duckdb") or name.endswith(".idic-tmp"):
                continue
            suffix = path.suffix.lower()
            try:
                if suffix in (".csv", ".tsv"):
                    n = _sweep_table_file(path, s, "csv")
                elif suffix in (".parquet", ".pq"):
                    n = _sweep_table_file(path, s, "parquet")
                elif suffix == ".json":
                    n = _sweep_json(path, s)
                elif suffix in (".jsonl", ".ndjson"):
                    n = _sweep_lines(path, s, parse=True)
                elif path.stat().st_size <= MAX_TEXT_BYTES and _is_text(path):
                    n = _sweep_lines(path, s, parse=False)
                else:
                    n = 0
            except FileNotFoundError:  # removed meanwhile (a spool file flushed)
                n = 0
            if n:
                out[str(path.relative_to(root))] = n
    return out


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
