"""Roles, least privilege and pseudonymisation of direct identifiers.

- ``admin``: everything, including the audit log.
- ``analyst``: pseudonymised profiles: no name, e-mail, phone, address or birth date (the
  keys are dropped); other identifiers (record ids, anonymous ids, handles) replaced by keyed
  hashes (stable, so analyses still join).
- ``marketer``: what targeting needs: first name, value and segments, consents; e-mail and
  phone only for customers with a current consent for the matching purpose.
- ``privacy``: the privacy officer: data-subject requests (export, erasure), consents,
  full profiles to verify a requester.
- ``collector``: write-only key for trackers (event collection and consent capture).
- ``service``: a customer-service agent; the key names the person (``owner``). Their own
  follow-up tasks only, and for a task still open the customer's name, e-mail and phone
  (following up a complaint or an order is serving the customer, not marketing to them: no
  marketing consent is asked; a customer who objects, restricts processing or is erased has
  no open task, the tasks stage and the rights cancel them). Nothing else: no profiles, no
  dashboard.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

ROLES = ("admin", "analyst", "marketer", "privacy", "collector", "service")

#: columns that identify a person directly (removed or hashed for analysts)
DIRECT_IDENTIFIERS = frozenset({
    "email", "phone", "first_name", "last_name", "birth_date", "address", "postcode",
    "social_handle", "loyalty_id", "account_id", "device_id", "cookie_id", "name", "text",
    "comment", "context", "url",
})
#: identifiers kept as keyed hashes for analysts (so that they still join)
HASHED_FOR_ANALYSTS = frozenset({"source_record_id", "source_customer_id",
                                 "user_id", "anonymous_id", "cookie_id", "device_id",
                                 "account_id", "loyalty_id", "social_handle", "referrer_id",
                                 "referred_id"})
#: what a marketer never sees
MARKETER_HIDDEN = frozenset({"birth_date", "address", "postcode", "last_name", "text",
                             "comment", "context", "device_id", "cookie_id", "account_id",
                             "loyalty_id"})
#: contact channel -> purpose that must be granted for a marketer to see it
CONTACT_PURPOSE = {"email": "email_marketing", "phone": "email_marketing"}
PURPOSES = ("email_marketing", "profiling", "personalisation", "third_party_sharing")

SECRET_FILE = ".idic-secret"


def workspace_secret(ws_path: Path) -> bytes:
    """A random per-workspace key for pseudonyms and tombstones (created on first use)."""
    p = Path(ws_path) / SECRET_FILE
    if not p.exists():
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, p)  # atomic: first writer wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return p.read_text().strip().encode()


def pseudonym(secret: bytes, value: Any) -> str | None:
    """Keyed hash (HMAC-SHA256, 16 hex digits) of a value; None stays None."""
    if value is None:
        return None
    return "p_" + hmac.new(secret, str(value).encode(), hashlib.sha256).hexdigest()[:16]


def mask_row(row: dict[str, Any], role: str, secret: bytes,
             consented: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """One record as ``role`` may see it; ``consented`` = purposes currently granted."""
    if role in ("admin", "privacy"):
        return row
    out: dict[str, Any] = {}
    for k, v in row.items():
        if role == "analyst":
            if k in HASHED_FOR_ANALYSTS:
                out[k] = pseudonym(secret, v)
            elif k in DIRECT_IDENTIFIERS or k.endswith("_name") or k == "city":
                continue
            else:
                out[k] = v
        elif role == "marketer":
            if k in MARKETER_HIDDEN:
                continue
            if k in CONTACT_PURPOSE:
                out[k] = v if CONTACT_PURPOSE[k] in consented else None
            else:
                out[k] = v
        else:  # collector and unknown roles see nothing personal
            if k == "customer_id":
                out[k] = v
    return out
