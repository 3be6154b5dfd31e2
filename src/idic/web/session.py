"""Dashboard sessions: a signed cookie naming the API key (by id) and its role.

The cookie holds ``key_id.role.expiry.signature`` where the signature is an HMAC-SHA256
with the workspace secret; the raw key is never stored in the browser. Every request
re-checks that the key still exists and is not revoked, so revoking a key ends its sessions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path

COOKIE = "idic_session"
MAX_AGE = 8 * 3600


def _sig(secret: bytes, payload: str) -> str:
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue(secret: bytes, key_id: str, role: str, *, now: float | None = None,
          max_age: int = MAX_AGE) -> str:
    exp = int((now or time.time()) + max_age)
    payload = f"{key_id}.{role}.{exp}"
    return f"{payload}.{_sig(secret, payload)}"


def read(secret: bytes, token: str | None, ws_path: Path, *,
         now: float | None = None) -> tuple[str, str] | None:
    """(key_id, role) of a valid, unexpired session whose key is still active; else None."""
    if not token or token.count(".") != 3:
        return None
    key_id, role, exp, sig = token.split(".")
    payload = f"{key_id}.{role}.{exp}"
    if not hmac.compare_digest(sig, _sig(secret, payload)):
        return None
    try:
        if int(exp) < (now or time.time()):
            return None
    except ValueError:
        return None
    from idic.privacy.keys import list_keys

    for k in list_keys(ws_path):
        if k["key_id"] == key_id and not k.get("revoked_at") and k["role"] == role:
            return key_id, role
    return None
