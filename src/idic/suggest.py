""""Did you mean ...?": the error for a name that does not exist, naming the closest ones.

A funnel step, a breakdown column, an attribution model: a typo there must not quietly give
zeros; it is an :class:`~idic.errors.InputError` (exit 2) that says what exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from idic.errors import InputError

#: how many names a hint lists before "..."
HINT_NAMES = 12


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The ``known`` names nearest to ``name`` (difflib ratio, case-insensitive), best first.

    Names close enough to be a typo (ratio >= 0.6) when there are any, else the ``n``
    nearest whatever their distance, so an error can always name something.
    """
    names = sorted({str(k) for k in known if k is not None})
    by_lower: dict[str, str] = {}
    for k in names:
        by_lower.setdefault(k.lower(), k)
    lowered = list(by_lower)
    hits = (difflib.get_close_matches(name.lower(), lowered, n=n, cutoff=0.6)
            or difflib.get_close_matches(name.lower(), lowered, n=n, cutoff=0.0))
    return [by_lower[h] for h in hits]


def unknown_name(what: str, name: str, known: Iterable[str], *, given_in: str = "",
                 none_hint: str | None = None) -> InputError:
    """``unknown <what> 'name'[ in <given_in>]; closest: 'A', 'B'`` with a hint listing the
    known names; ``none_hint`` is the hint when there are no names at all."""
    names = sorted({str(k) for k in known if k is not None})
    place = f" in {given_in}" if given_in else ""
    if not names:
        return InputError(f"unknown {what} {name!r}{place}: there is no {what} yet",
                          hint=none_hint)
    near = ", ".join(repr(c) for c in closest(name, names))
    shown = ", ".join(names[:HINT_NAMES]) + (", ..." if len(names) > HINT_NAMES else "")
    return InputError(f"unknown {what} {name!r}{place}; closest: {near}",
                      hint=f"known ({len(names)}): {shown}")
