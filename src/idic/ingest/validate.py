"""Column validators as Ibis expressions, in two steps so each costs one pass:

1. :func:`parse` turns the text into a typed, normalised value (the expensive part:
   parsing, casting, E.164, lower-casing); the loader materialises it once in a stage table;
2. :func:`valid` checks the stored value (ranges, code lists: cheap comparisons), and
   :func:`reason` explains a failure, evaluated on the failing rows only.

(Checks are not folded into the parse expression: Ibis inlines a value everywhere it is
used and DuckDB does not share sub-expressions inside CASE, so a parse referenced by four
checks was computed four times.)

Reasons are written in the user's words and name what was expected.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from idic.ingest.currencies import ISO_4217
from idic.ingest.formats import ParseOptions, decimal_comma_text, iso_text
from idic.schema.tables import IBIS_TYPES, Column

#: Timestamps later than now + this are rejected as "in the far future".
FUTURE_TOLERANCE = timedelta(days=1)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s.]+$"
#: a host name: dot-separated labels of letters, digits and inner hyphens (IDNs as punycode)
DOMAIN_RE = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
CURRENCIES = sorted(ISO_4217)
DEFAULT = ParseOptions()

#: Country (ISO 3166-1 alpha-2) -> calling code, for national phone numbers ("07700 900123").
CALLING_CODES = {
    "GB": "44", "UK": "44", "FR": "33", "DE": "49", "US": "1", "CA": "1", "ES": "34", "IT": "39",
    "NL": "31", "BE": "32", "IE": "353", "PT": "351", "CH": "41", "AT": "43", "SE": "46",
    "NO": "47", "DK": "45", "FI": "358", "PL": "48", "AU": "61", "NZ": "64", "IN": "91",
}


@ibis.udf.scalar.builtin(name="json_valid")
def _json_valid(x: str) -> bool:  # type: ignore[empty-body]
    """Whether the text parses as JSON (DuckDB's ``json_valid``; on Spark the engine defines
    it over ``get_json_object``). A cut field (``[{"sku":"B1"``) is refused, not stored."""


@ibis.udf.scalar.builtin(name="trim")
def _trim(x: str) -> str:  # type: ignore[empty-body]
    """The backend's one-argument ``trim`` (spaces; far cheaper than a character-set trim)."""


#: What "trimmed" removes at both ends: the Unicode space separators (Zs: space, no-break
#: space, the typographic spaces, ideographic space). DuckDB's one-argument trim removes
#: exactly these; Spark's removes only U+0020, so Spark trims this set with ``btrim``.
SPACES = (" \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
          + "\u202f\u205f\u3000")


@ibis.udf.scalar.builtin(name="btrim")
def _btrim(x: str, chars: str) -> str:  # type: ignore[empty-body]
    """Spark's ``btrim(str, chars)``: both ends trimmed of a character set."""


def text(raw: ir.Value, *, engine: str = "duckdb") -> ir.Value:
    """Staged text: trimmed of :data:`SPACES`, blank -> null (typed Parquet columns pass
    through). ``engine`` names the backend the expression runs on."""
    if raw.type().is_string():
        trimmed = _btrim(raw, SPACES) if engine == "spark" else _trim(raw)
        return trimmed.nullif("")
    return raw


def parse(col: Column, v: ir.Value, *, country: ir.Value | None = None,
          options: ParseOptions = DEFAULT) -> ir.Value:
    """The text ``v`` (output of :func:`text`) parsed and normalised, before range checks."""
    target = IBIS_TYPES[col.type]
    if col.type in ("timestamp", "date", "decimal", "float", "int"):
        if v.type() == target:
            return v
        if v.type().is_string():
            return _parse_text(col, v, target, options)
        if not (v.type().is_numeric() or v.type().is_temporal()):
            return v.cast(dt.string).try_cast(target)
        return v.try_cast(target)
    s = v.cast(dt.string) if not v.type().is_string() else v
    match col.check:
        case "email" | "social":
            return s.lower()
        case "phone":
            return _e164(s, country)
        case "currency":
            return s.upper()
        case "domain":
            return domain_of(s)
        case "enum":
            return s.lower().replace(" ", "_").replace("-", "_")
    if col.name == "social_handle":
        return s.lower()
    return s


def _parse_text(col: Column, v: ir.StringValue, target: dt.DataType,
                options: ParseOptions) -> ir.Value:
    """Text to a number or time, read the file's way first (see :mod:`.formats`)."""
    if options.decimal_comma and col.type in ("decimal", "float", "int"):
        return decimal_comma_text(v).try_cast(target)
    if options.date_format and col.type in ("timestamp", "date"):
        local = iso_text(v, options.date_format, with_time=col.type == "timestamp")
        return ibis.coalesce(local.try_cast(target), v.try_cast(target))
    return v.try_cast(target)


def _expected(col: Column, options: ParseOptions) -> str:
    """What a number or time column expects, in the words of the reason."""
    if col.type in ("decimal", "float", "int"):
        if options.decimal_comma:
            return f"{col.type} with a decimal comma, e.g. {col.example.replace('.', ',')}"
        return f"{col.type}, e.g. {col.example}"
    iso = "ISO 8601, e.g. 2024-03-01T12:30:00Z" if col.type == "timestamp" else "YYYY-MM-DD"
    return f"{options.date_format} or {iso}" if options.date_format else iso


def _failures(col: Column, value: ir.Value, now: datetime | None,
              options: ParseOptions = DEFAULT) -> list[tuple[ir.Value, str]]:
    """(condition on the parsed value, reason) pairs, in the order they are reported."""
    if col.type == "timestamp":
        target = IBIS_TYPES["timestamp"]
        latest = (now or datetime.now(UTC)) + FUTURE_TOLERANCE
        return [
            (value.isnull(), f"not a timestamp (expected {_expected(col, options)})"),
            (value > ibis.literal(latest, type=target),
             f"timestamp in the future (after {latest:%Y-%m-%d})"),
            (value < ibis.literal(EARLIEST, type=target), "timestamp before 1900"),
        ]
    if col.type == "date":
        return [(value.isnull(), f"not a date (expected {_expected(col, options)})")]
    if col.type in ("decimal", "float", "int"):
        out = [(value.isnull(), f"not a number (expected {_expected(col, options)})")]
        if col.low is not None and col.high is not None:
            out.append(((value < col.low) | (value > col.high),
                        f"out of range [{col.low:g}, {col.high:g}]"))
        return out
    match col.check:
        case "email":
            return [(~value.re_search(EMAIL_RE), "not an e-mail address")]
        case "phone":
            n = value.length() - 1
            return [(value.isnull() | (n < 8) | (n > 15),
                     "not a phone number (expected 8-15 digits, E.164 like +447700900123)")]
        case "currency":
            return [(~value.isin(CURRENCIES), "not an ISO 4217 currency code (e.g. EUR, GBP, USD)")]
        case "domain":
            return [((value.length() > 253) | ~value.re_search(DOMAIN_RE),
                     "not a domain (expected a host name such as acme.com)")]
        case "enum":
            return [(~value.isin(list(col.values)), "expected one of " + ", ".join(col.values))]
        case "json":
            return [(~value.left(1).isin(["{", "["]) | ~_json_valid(value),
                     "not valid JSON (expected an object or array)")]
    return []


def valid(col: Column, value: ir.Value, *, now: datetime | None = None) -> ir.BooleanValue:
    """Whether a parsed value (output of :func:`parse`) is present and passes every check."""
    ok = value.notnull()
    for cond, _ in _failures(col, value, now):
        ok = ok & ~cond.fill_null(True)
    return ok


def normalise(col: Column, v: ir.Value, *, country: ir.Value | None = None,
              now: datetime | None = None) -> ir.Value:
    """The clean typed value of text ``v``, or null when it is absent or unusable."""
    value = parse(col, v, country=country)
    if not _failures(col, value, now):
        return value
    return ibis.ifelse(valid(col, value, now=now), value, ibis.null(value.type()))


def reason(col: Column, v: ir.Value, *, country: ir.Value | None = None,
           now: datetime | None = None, options: ParseOptions = DEFAULT) -> ir.StringValue:
    """Why text ``v`` is unusable for ``col`` (null if fine). Evaluated on failing rows only."""
    null = ibis.null(dt.string)
    if col.required:
        first: list[tuple[ir.Value, str]] = [(v.isnull(), "missing required value")]
    else:
        first = [(v.isnull(), null)]  # type: ignore[list-item]
    value = parse(col, v, country=country, options=options)
    cases = first + [(cond.fill_null(True), text_)
                     for cond, text_ in _failures(col, value, now, options)]
    return ibis.cases(*cases, else_=null)


def domain_of(s: ir.StringValue) -> ir.StringValue:
    """A company domain as written in CRMs: ``https://www.Acme.com/about`` -> ``acme.com``
    (lower case; scheme, ``www.``, an ``@`` prefix, port, path and a final dot dropped)."""
    d = s.lower().re_replace(r"^[a-z][a-z0-9+.-]*://", "").re_replace(r"^[^@]*@", "")
    d = d.re_replace(r"[:/?#].*$", "").re_replace(r"^www\.", "").re_replace(r"\.$", "")
    return d.nullif("")


def _e164(s: ir.StringValue, country: ir.Value | None) -> ir.StringValue:
    """E.164 normalisation: '+44 (0)7700 900123', '0044 7700900123' and, for a GB record,
    '07700 900123' all become '+447700900123'. National numbers (leading 0) take the calling
    code of the record's ``country`` (GB when unknown); a number with no prefix takes it when
    the country is known ('(555) 010-0199' in the US -> '+15550100199'), else is read as
    international. Numbers outside 8-15 digits are rejected."""
    digits = s.replace("(0)", "").re_replace(r"[^0-9]", "")
    cc: ir.Value = ibis.literal("44")
    bare: ir.Value = "+" + digits  # no prefix, no known country: taken as international
    if country is not None:
        c = country.upper().strip()
        cc = ibis.cases(*[(c == k, v) for k, v in CALLING_CODES.items()], else_=cc)
        bare = ibis.ifelse(c.isin(list(CALLING_CODES)), "+" + cc + digits, bare)
    return ibis.cases(
        (digits.length() == 0, ibis.null(dt.string)),
        (s.startswith("+"), "+" + digits),
        (digits.startswith("00"), "+" + digits.substr(2)),
        (digits.startswith("0"), "+" + cc + digits.substr(1)),
        else_=bare,
    )
