"""Where a person's identifier appears inside text: whole tokens only, never substrings.

``ann.lee@example.com`` is found in ``"mailto:ann.lee@example.com."`` and in JSON
``{"email":"Ann.Lee@Example.com"}``, but not in ``joann.lee@example.com`` nor in
``ann.lee@example.com.uk``; ``+447700900123`` is not found in ``+4477009001234``. The same
pattern serves tables (through the engine's regular expressions: RE2 on DuckDB, Java on
Spark, neither of which has look-arounds, hence the captured boundary characters) and files
(Python's ``re``). A match is replaced by :data:`REDACTED`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ibis.expr.types as ir

REDACTED = "[erased]"
#: characters that continue an e-mail, phone, handle or id token on either side
_LEFT = r"(^|[^A-Za-z0-9._%+@-])"
_RIGHT = r"(\.*(?:$|[^A-Za-z0-9_%+@.-]))"


def _alts(needles: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted({n for n in needles if n},
                                                 key=lambda n: (-len(n), n)))


def pattern(needles: Iterable[str], *, folded: Iterable[str] = ()) -> str | None:
    """A pattern matching any of ``needles`` (exact case) or of ``folded`` (any case: e-mails,
    handles) as a whole token."""
    exact, fold = _alts(needles), _alts(folded)
    parts = ([f"(?i:{fold})"] if fold else []) + ([exact] if exact else [])
    if not parts:
        return None
    return _LEFT + "(?:" + "|".join(parts) + ")" + _RIGHT


def search(col: ir.StringValue, pat: str) -> ir.BooleanValue:
    return col.re_search(pat).fill_null(False)


def redact(col: ir.StringValue, pat: str, group: str) -> ir.StringValue:
    """``col`` with every match of ``pat`` replaced (``group``: the engine's ``\\1``/``$1``
    prefix). Twice, because two adjacent tokens share the boundary character between them."""
    rep = f"{group}1{REDACTED}{group}2"
    return col.re_replace(pat, rep).re_replace(pat, rep)


def compile_py(pat: str | None) -> re.Pattern[str] | None:
    return None if pat is None else re.compile(pat)


def redact_text(text: str, rx: re.Pattern[str]) -> tuple[str, int]:
    """(``text`` with every match replaced, number of replacements)."""
    total = 0
    for _ in range(2):
        text, n = rx.subn(lambda m: m.group(1) + REDACTED + m.group(2), text)
        total += n
    return text, total
