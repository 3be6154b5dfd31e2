"""Numbers and dates written the local way: ``--decimal-comma`` and ``--date-format``.

Both rewrite the text into the form the default parser reads (``62,04`` -> ``62.04``,
``01/07/2024 02:53`` with ``%d/%m/%Y %H:%M`` -> ``2024-07-01 02:53:00``) with plain string
and regular-expression functions that DuckDB and Spark share, so the engines agree and the
parse stays one vectorised pass. Text the option does not fit is still tried as the default
form (ISO 8601, a dot decimal), so a file mixing both loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from idic.errors import InputError

#: a number with a decimal comma and, optionally, dots between groups of three digits
DECIMAL_COMMA_RE = r"^[+-]?(\d{1,3}(\.\d{3})+|\d*)(,\d+)?$"
#: strftime directive -> (regex group, ISO part it fills)
DIRECTIVES = {"d": (r"(\d{1,2})", "day"), "m": (r"(\d{1,2})", "month"),
              "Y": (r"(\d{4})", "year"), "H": (r"(\d{1,2})", "hour"),
              "M": (r"(\d{2})", "minute"), "S": (r"(\d{2})", "second"),
              "f": (r"(\d{1,6})", "fraction")}


@dataclass(frozen=True)
class ParseOptions:
    """How a file writes numbers and dates (default: dot decimals, ISO 8601)."""

    decimal_comma: bool = False
    date_format: str | None = None

    def __post_init__(self) -> None:
        if self.date_format is not None:
            date_pattern(self.date_format)  # fail early, naming the directive


def date_pattern(fmt: str) -> tuple[str, dict[str, int]]:
    """(anchored regex, ISO part -> group number) of a strftime format such as
    ``%d/%m/%Y %H:%M``; :class:`InputError` for a directive it does not support."""
    regex, parts, i = "^", {}, 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            regex += re.escape(ch)
            i += 1
            continue
        d = fmt[i + 1:i + 2]
        if d == "%":
            regex += "%"
        elif d in DIRECTIVES and DIRECTIVES[d][1] not in parts:
            group, part = DIRECTIVES[d]
            regex += group
            parts[part] = len(parts) + 1
        else:
            raise InputError(f"--date-format {fmt!r}: unsupported or repeated directive "
                             f"%{d}; expected %d %m %Y %H %M %S %f and literal text, "
                             "e.g. %d/%m/%Y %H:%M")
        i += 2
    if not {"day", "month", "year"} <= parts.keys():
        raise InputError(f"--date-format {fmt!r}: needs %d, %m and %Y (e.g. %d/%m/%Y %H:%M)")
    return regex + "$", parts


def date_part(fmt: str) -> str:
    """The date part of a date-time format (``%d/%m/%Y %H:%M`` -> ``%d/%m/%Y``), so a
    date column of the same file (a birth date) is read with it."""
    cut = min((i for i in (fmt.find(f"%{d}") for d in "HMSf") if i >= 0), default=len(fmt))
    return fmt[:cut].rstrip(" T:-,")


def decimal_comma_text(v: ir.StringValue) -> ir.StringValue:
    """``1.234,56`` -> ``1234.56``; text that is not such a number -> null."""
    dotted = v.replace(".", "").replace(",", ".")
    return ibis.ifelse(v.re_search(DECIMAL_COMMA_RE), dotted, ibis.null(dt.string))


def iso_text(v: ir.StringValue, fmt: str, *, with_time: bool) -> ir.StringValue:
    """The ISO 8601 text of ``v`` read with strftime format ``fmt`` (null if it does not
    fit); ``with_time=False`` keeps the date only."""
    if not with_time:
        fmt = date_part(fmt)
    regex, parts = date_pattern(fmt)

    def part(name: str, width: int, default: str) -> ir.StringValue:
        if name not in parts:
            return ibis.literal(default)
        return v.re_extract(regex, parts[name]).lpad(width, "0")

    iso = part("year", 4, "") + "-" + part("month", 2, "") + "-" + part("day", 2, "")
    if with_time:
        iso = (iso + " " + part("hour", 2, "00") + ":" + part("minute", 2, "00") + ":"
               + part("second", 2, "00"))
        if "fraction" in parts:
            iso = iso + "." + v.re_extract(regex, parts["fraction"])
    return ibis.ifelse(v.re_search(regex), iso, ibis.null(dt.string))
