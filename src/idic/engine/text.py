"""Text expressions that Ibis compiles differently per backend, made the same everywhere.

Ibis compiles ``strip()`` for Spark to ``TRIM(' \\t\\n\\r\\v\\f' FROM x)``, and Spark SQL reads
``\\v`` and ``\\f`` in that literal as the letters v and f: ``Josef`` became ``Jose`` and
``vtaylor776@example.com`` ``taylor776@example.com`` on Spark only. Domain code trims with
:func:`trim`, never with Ibis' ``strip()``.
"""

from __future__ import annotations

import ibis.expr.types as ir


def trim(col: ir.StringValue) -> ir.StringValue:
    """Leading and trailing white space removed, the same on every engine."""
    return col.re_replace(r"^\s+|\s+$", "")
