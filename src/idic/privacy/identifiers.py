"""The identifiers a data-subject request may name, validated and normalised *exactly*.

A request names a person by one of: an e-mail (trimmed, lower-cased, must be a whole
address), a phone in E.164 (``+`` and 8–15 digits; spaces, dots, dashes and brackets are
ignored, ``00`` is read as ``+``), a customer id, or a source and its record id. Anything
else is refused with :class:`~idic.errors.InputError` before a single row is looked at: a
request for ``"_"``, ``"1"`` or ``"%"`` must never match "everyone whose e-mail contains it".
The same tokens bound the text search of :mod:`idic.privacy.mentions`.
"""

from __future__ import annotations

import re
from typing import Any

from idic.errors import InputError

#: one whole address: a local part, one ``@``, a domain with a dot; no blanks, no control chars
EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
PHONE_NOISE = re.compile(r"[\s().\-/]")
ID_BAD = re.compile(r"[\x00-\x1f\x7f]")
MAX_ID = 200


def email(value: str) -> str:
    v = value.strip().lower()
    if len(v) > 254 or not EMAIL.match(v) or ".." in v or v.startswith("."):
        raise InputError(f"not an e-mail address: {value!r}",
                         hint="give the whole address, e.g. ann.lee@example.com "
                              "(people are matched on the exact address, never on a part)")
    return v


def phone(value: str) -> str:
    v = PHONE_NOISE.sub("", value.strip())
    if v.startswith("00"):
        v = "+" + v[2:]
    if not (v.startswith("+") and v[1:].isdigit() and 8 <= len(v) - 1 <= 15):
        raise InputError(f"not a phone number in E.164: {value!r}",
                         hint="give the full international number, e.g. +447700900123 "
                              "(people are matched on the exact number, never on a part)")
    return v


def record_id(value: str, what: str) -> str:
    v = value.strip()
    if not v or len(v) > MAX_ID or ID_BAD.search(v):
        raise InputError(f"not a valid {what}: {value!r}",
                         hint=f"a {what} is 1-{MAX_ID} printable characters, matched exactly")
    return v


def validate(ident: dict[str, Any]) -> dict[str, str]:
    """The request's identifiers, normalised; :class:`InputError` for anything unusable."""
    ident = {k: v for k, v in ident.items() if v is not None and v != ""}
    if not ident:
        raise InputError("name the data subject: email, phone, customer_id, or source and "
                         "source_record_id")
    unknown = set(ident) - {"email", "phone", "customer_id", "source", "source_record_id"}
    if unknown:
        raise InputError(f"unknown identifier(s): {', '.join(sorted(unknown))}")
    if ("source" in ident) != ("source_record_id" in ident):
        raise InputError("source and source_record_id go together",
                         hint="e.g. --source web --source-record-id W-0000012")
    out: dict[str, str] = {}
    for k, v in ident.items():
        if not isinstance(v, str):
            raise InputError(f"{k} must be text, not {type(v).__name__}")
        out[k] = (email(v) if k == "email" else phone(v) if k == "phone"
                  else record_id(v, k.replace("_", " ")))
    cid = out.get("customer_id", "")
    if ":" in cid and not all(p.strip() for p in cid.split(":", 1)):
        raise InputError(f"not a valid customer id: {cid!r}",
                         hint="a customer id of the form SOURCE:RECORD needs both parts, "
                              "e.g. web:W-0000012")
    return out


def e164_loose(raw: str, country: str | None = None) -> str | None:
    """A phone as written in a source file, in E.164 the way the loader reads it
    (:func:`idic.ingest.validate._e164`): national numbers take the country's calling code."""
    from idic.ingest.validate import CALLING_CODES

    digits = re.sub(r"[^0-9]", "", raw.replace("(0)", ""))
    if not digits:
        return None
    c = (country or "").strip().upper()
    cc = CALLING_CODES.get(c, "44")
    s = raw.strip()
    if s.startswith("+"):
        out = "+" + digits
    elif digits.startswith("00"):
        out = "+" + digits[2:]
    elif digits.startswith("0"):
        out = "+" + cc + digits[1:]
    else:
        out = "+" + CALLING_CODES.get(c, "") + digits
    return out if 8 <= len(out) - 1 <= 15 else None
