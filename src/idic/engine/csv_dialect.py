"""The CSV dialect both engines read: RFC 4180 quoting, and the delimiter sniffed from the header.

Quoting is fixed (``"``, a quote inside a quoted field written as ``""``, the way Python's
``csv`` module, pandas, Excel and pyarrow write it) rather than left to each backend's
guess: DuckDB's sniffer, reading non-strictly, took the escape to be empty and cut every
field holding ``""``; Spark's default escape is a backslash. The delimiter is read from the
header line (``,`` ``;`` tab ``|``, outside quotes), so both engines split the same way.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from idic.errors import InputError

QUOTE = '"'
DELIMITERS = (",", ";", "\t", "|")
_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
_SNIFF_BYTES = 1 << 16


def parse_delimiter(value: str) -> str:
    """A ``--delimiter`` option: one character, or ``tab`` / ``\\t`` / ``comma`` / ...."""
    d = _NAMES.get(value.lower(), value)
    if len(d) != 1 or d in (QUOTE, "\n", "\r"):
        raise InputError(f"--delimiter {value!r}: expected one character such as , ; | "
                         "or 'tab'")
    return d


def _head(path: Path) -> str | None:
    """The first bytes of the file as text (BOM dropped); None when they cannot be read."""
    suffixes = [s.lower() for s in path.suffixes]
    if ".zst" in suffixes:  # no zstd in the standard library: the backend sniffs
        return None
    try:
        opener = gzip.open if suffixes[-1:] == [".gz"] else open
        with opener(path, "rb") as f:
            data = f.read(_SNIFF_BYTES)
    except (OSError, EOFError):
        return None
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _header_record(head: str) -> str:
    """The text of the first record (up to its first newline outside quotes)."""
    quoted = False
    for i, ch in enumerate(head):
        if ch == QUOTE:
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            return head[:i]
    return head


def sniff_delimiter(path: Path) -> str:
    """The delimiter of a CSV file: the candidate most frequent in its header, outside
    quotes (``.tsv``: tab; none found: comma)."""
    if ".tsv" in [s.lower() for s in path.suffixes]:
        return "\t"
    head = _head(path)
    if not head:
        return ","
    record = _header_record(head)
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in record:
        if ch == QUOTE:
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: the earlier (comma first)
    return best if counts[best] else ","


def sniff_newline(path: Path) -> str | None:
    """The line terminator after the header (``\r\n``, ``\n`` or ``\r``; None: unknown).

    Spark needs it: left to guess, it turns a CRLF inside a quoted field of a CRLF file
    into LF, and told LF, it leaves a CR at the end of each CRLF line."""
    head = _head(path)
    if not head:
        return None
    rest = head[len(_header_record(head)):]
    if rest.startswith("\r\n"):
        return "\r\n"
    return rest[:1] if rest[:1] in ("\r", "\n") else None


def header_names(path: Path, delimiter: str) -> list[str] | None:
    """The column names of the header line (None when the file cannot be sniffed)."""
    head = _head(path)
    if head is None:
        return None
    rows = csv.reader(io.StringIO(_header_record(head)), delimiter=delimiter, quotechar=QUOTE)
    return next(rows, [])


def overlong_rows(path: Path, delimiter: str, width: int) -> list[tuple[int, int]]:
    """The data rows holding a non-empty field beyond the header's ``width`` columns, as
    ``(row number, fields)``; row 1 is the header (blank lines, which no engine reads as a
    row, are not counted).

    Both engines keep the first ``width`` fields of such a row and drop the rest, so a value
    holding an unquoted delimiter (``Smith, John`` in a name column) would load its halves
    into the wrong columns: the loader quarantines these rows instead. A row whose extra
    fields are all empty (a trailing delimiter, as some exports write) is harmless and not
    listed. DuckDB's strict reader tells first, in one fast pass, whether any row is too
    long; only then is the file read again with Python's ``csv`` module to number them.
    """
    suffixes = [s.lower() for s in path.suffixes]
    if ".zst" in suffixes or width < 1:
        return []
    if not _duckdb_sees_too_many_fields(path, delimiter):
        return []
    old = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    out: list[tuple[int, int]] = []
    try:
        opener = gzip.open if suffixes[-1:] == [".gz"] else open
        with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as f:
            rows = csv.reader(f, delimiter=delimiter, quotechar=QUOTE, doublequote=True)
            next(rows, None)
            n = 1
            for rec in rows:
                if not rec:  # a blank line: no row on either engine
                    continue
                n += 1
                if len(rec) > width and any(x.strip() for x in rec[width:]):
                    out.append((n, len(rec)))
    except (OSError, EOFError, csv.Error):
        return out
    finally:
        csv.field_size_limit(old)
    return out


def _duckdb_sees_too_many_fields(path: Path, delimiter: str) -> bool:
    """Whether DuckDB's strict CSV reader rejects a row for having too many columns (or
    cannot tell: then the exact scan decides)."""
    import duckdb

    p = str(path).replace("'", "''")
    d = delimiter.replace("'", "''")
    con = duckdb.connect()
    try:
        con.execute(
            f"SELECT count(*) FROM read_csv('{p}', all_varchar=true, header=true, "
            f"delim='{d}', quote='\"', escape='\"', strict_mode=true, null_padding=false, "
            "ignore_errors=true, store_rejects=true)").fetchall()
        return bool(con.execute("SELECT count(*) FROM reject_errors WHERE error_type = "
                                "'TOO MANY COLUMNS'").fetchone()[0])
    except duckdb.Error:
        return True
    finally:
        con.close()
