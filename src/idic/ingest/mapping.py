"""Column mappings: canonical name -> the header used in the user's file."""

from __future__ import annotations

import json
from pathlib import Path

from idic.errors import InputError
from idic.schema import TableSpec


def parse_map_flags(flags: list[str] | None) -> dict[str, str]:
    """``["amount=Total", "ordered_at=Date"]`` -> ``{"amount": "Total", ...}``."""
    out: dict[str, str] = {}
    for flag in flags or []:
        target, sep, source = flag.partition("=")
        if not sep or not target.strip() or not source.strip():
            raise InputError(f"--map {flag!r}: expected CANONICAL=FILE_COLUMN, e.g. amount=Total")
        out[target.strip()] = source.strip()
    return out


def load_mapping_file(path: Path) -> dict[str, str]:
    """A JSON object ``{"canonical": "file column", ...}``."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read the mapping file: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError(f'{path}: a mapping file is a JSON object {{"canonical": "file column"}}')
    return data


def resolve_columns(spec: TableSpec, headers: list[str], mapping: dict[str, str],
                    file: str) -> dict[str, str]:
    """canonical column -> file column, for every canonical column the file provides.

    Headers match case-insensitively and ignoring spaces/dashes; unknown mapping targets and
    mapped columns absent from the file are errors.
    """
    def norm(h: str) -> str:
        return h.strip().lower().replace(" ", "_").replace("-", "_")

    by_norm = {norm(h): h for h in headers}
    unknown = [k for k in mapping if k not in spec.names]
    if unknown:
        raise InputError(f"{file}: mapping names unknown {spec.name} column(s) {unknown}; "
                         f"expected some of {spec.names}")
    out: dict[str, str] = {}
    for col in spec.names:
        if col in mapping:
            src = mapping[col]
            if src not in headers and norm(src) not in by_norm:
                raise InputError(f"{file}: mapped column {src!r} (for {col}) is not in the file; "
                                 f"its columns are {headers}")
            out[col] = src if src in headers else by_norm[norm(src)]
        elif norm(col) in by_norm:
            out[col] = by_norm[norm(col)]
    return out
