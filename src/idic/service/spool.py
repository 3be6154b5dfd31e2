"""The collection spool on disk: exactly the validated messages, one per line.

A request is one *stem* under ``spool/incoming/``:

- ``<stem>.jsonl``: the messages that passed the edge checks, each serialised once
  (:func:`encode`: UTF-8, no NaN, nesting bounded) and ingested as it is, one message per
  line (a message's own ``batch`` key is never expanded);
- ``<stem>.rejects.jsonl``: the messages refused at the edge, one JSON object per line
  (``line`` in the request, ``reason``, ``record`` = the message as ASCII JSON text), written
  to the quarantine by the flusher.

Each file is written to a ``.tmp`` name, ``fsync``-ed and renamed; the directory is
``fsync``-ed once both are in place, before the request is acknowledged. A file that cannot
be ingested even alone is moved to ``spool/failed/`` (kept, logged), never left to block
start-up.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPOOL_DIR = "spool"
MESSAGES = ".jsonl"
REJECTS = ".rejects.jsonl"
#: deeper JSON than this is refused at the edge (Segment payloads nest a few levels)
MAX_DEPTH = 64
log = logging.getLogger("idic.collector")


@dataclass(frozen=True)
class Reject:
    line: int  #: 1-based position of the message in its request
    reason: str
    record: str  #: the message as ASCII JSON text (whatever it held, even a lone surrogate)


@dataclass(frozen=True)
class SpoolEntry:
    """One request's files: messages and/or rejects (either may be absent)."""

    stem: Path  #: ``spool/incoming/<name>`` without suffix

    @property
    def messages(self) -> Path:
        return self.stem.with_name(self.stem.name + MESSAGES)

    @property
    def rejects(self) -> Path:
        return self.stem.with_name(self.stem.name + REJECTS)

    @property
    def name(self) -> str:
        return self.stem.name

    def files(self) -> list[Path]:
        return [p for p in (self.messages, self.rejects) if p.exists()]


def incoming(root: Path) -> Path:
    return Path(root) / SPOOL_DIR / "incoming"


def _depth_ok(obj: Any, limit: int = MAX_DEPTH) -> bool:
    stack = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, dict | list):
            if d > limit:
                return False
            stack.extend((v, d + 1) for v in (o.values() if isinstance(o, dict) else o))
    return True


def encode(msg: dict[str, Any]) -> bytes | str:
    """The message as one line of UTF-8 JSON, or the reason it cannot be stored as sent."""
    if not _depth_ok(msg):
        return f"nested deeper than {MAX_DEPTH} levels"
    try:
        text = json.dumps(msg, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return "NaN or Infinity is not a JSON number"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone UTF-16 surrogate (\\ud800-\\udfff) is not text"


def _plain(o: Any) -> Any:
    """``o`` with what a JSON reader refuses spelled out as text: a lone surrogate becomes
    the six characters ``\\ud800``, NaN and Infinity become strings."""
    if isinstance(o, str):
        return o.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(o, float) and not math.isfinite(o):
        return repr(o)
    if isinstance(o, dict):
        return {_plain(k): _plain(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_plain(v) for v in o]
    return o


def as_record(msg: Any) -> str:
    """Whatever was received, as ASCII JSON text that any JSON reader accepts (the loader
    compares quarantine records as JSON: one unreadable record would poison every load)."""
    try:
        return json.dumps(_plain(msg), ensure_ascii=True, allow_nan=False, default=str)
    except (RecursionError, ValueError):  # (nesting is bounded by the JSON parser anyway)
        return json.dumps({"unkept": f"a {type(msg).__name__} too deeply nested to keep"})


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, path)


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_spool(root: Path, messages: list[dict[str, Any]]) -> tuple[SpoolEntry, int]:
    """Durably write one request: (its entry, how many messages were refused at the edge)."""
    inc = incoming(root)
    inc.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines: list[bytes] = []
    rejects: list[bytes] = []
    for i, m in enumerate(messages, start=1):
        enc = encode(m)
        if isinstance(enc, bytes):
            lines.append(enc + b"\n")
        else:
            rejects.append(json.dumps({"line": i, "reason": enc, "record": as_record(m)},
                                      ensure_ascii=True).encode() + b"\n")
    entry = SpoolEntry(inc / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}")
    if rejects:  # first: a crash between the two leaves only refusals, never lost messages
        _write(entry.rejects, b"".join(rejects))
    if lines:
        _write(entry.messages, b"".join(lines))
    _fsync_dir(inc)
    return entry, len(rejects)


def pending(root: Path) -> list[SpoolEntry]:
    """Requests spooled and not yet ingested, oldest first."""
    inc = incoming(root)
    if not inc.exists():
        return []
    stems = set()
    for p in inc.iterdir():
        if p.name.endswith(REJECTS):
            stems.add(p.name[: -len(REJECTS)])
        elif p.name.endswith(MESSAGES):
            stems.add(p.name[: -len(MESSAGES)])
    return [SpoolEntry(inc / s) for s in sorted(stems)]


def read_lines(entry: SpoolEntry) -> list[bytes]:
    p = entry.messages
    if not p.exists():
        return []
    return [ln for ln in p.read_bytes().split(b"\n") if ln.strip()]


def read_rejects(entry: SpoolEntry) -> list[Reject]:
    p = entry.rejects
    if not p.exists():
        return []
    out = []
    for ln in p.read_bytes().splitlines():
        try:
            d = json.loads(ln)
            out.append(Reject(int(d["line"]), str(d["reason"]), str(d["record"])))
        except (ValueError, KeyError, TypeError):  # a damaged line: kept as it is
            out.append(Reject(0, "damaged spool line", json.dumps(
                ln.decode("utf-8", "backslashreplace"))))
    return out


def remove(entry: SpoolEntry) -> None:
    for p in (entry.messages, entry.rejects):
        p.unlink(missing_ok=True)


def set_aside(entry: SpoolEntry, error: BaseException) -> None:
    """Move a request's files that cannot be ingested to ``spool/failed/`` and log it."""
    failed = Path(entry.stem).parent.parent / "failed"
    failed.mkdir(parents=True, exist_ok=True, mode=0o700)
    for p in entry.files():
        os.replace(p, failed / p.name)
    log.error("spool %s could not be ingested and was moved to %s: %s", entry.name, failed,
              first_line(error))


def first_line(error: BaseException) -> str:
    """An error's first line without file paths (answers and logs never show them)."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return re.sub(r"(?:/[^\s\"':]+)+", "<path>", text)
