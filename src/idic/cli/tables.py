"""Rich tables for people: human column labels, formatted numbers, headers that wrap.

``--json`` output does not come here (scripts get raw values); see :mod:`idic.format`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from idic import format as F

LEFT_UNITS = ("text", "bool", "")


def human_table(title: str, rows: Sequence[Mapping[str, Any]], cols: Sequence[str], *,
                currency: str = "", units: Mapping[str, str] | None = None) -> Table:
    """A Rich table of ``rows`` (dicts) showing ``cols``: labels from the glossary, numbers
    with separators and units, text left and numbers right, headers folded, never cut."""
    units = dict(units or {})
    t = Table(title=title)
    kinds = {c: units.get(c) or F.unit_of(c) for c in cols}
    for c in cols:
        numeric = kinds[c] not in LEFT_UNITS or (
            kinds[c] == "" and rows and all(isinstance(r.get(c), int | float) and
                                            not isinstance(r.get(c), bool) for r in rows))
        t.add_column(F.label(c), justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        t.add_row(*[F.cell(r.get(c), kinds[c], currency) for c in cols])
    return t
