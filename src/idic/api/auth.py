"""API keys and roles at the edge: ``Authorization: Bearer KEY``; on the collection routes
also HTTP Basic with the key as user name and an empty password (what Segment's clients
send). Basic is refused elsewhere: browsers cache and replay Basic credentials.

401 without a valid key, 403 when the key's role may not use the route.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request

from idic.privacy.keys import lookup_key
from idic.privacy.keys import verify_key as _verify_key

__all__ = ["Principal", "extract_key", "require_role", "verify_key"]


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: str
    owner: str | None = None  # the person a ``service`` key belongs to


def verify_key(ws_path: Path, key: str | None) -> str | None:
    """The role of ``key`` in the workspace at ``ws_path``, or None (for the dashboard)."""
    return _verify_key(ws_path, key)


def extract_key(request: Request, *, basic: bool = False) -> str | None:
    """The key of a Bearer header (or, with ``basic``, of HTTP Basic's user name)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return value.strip() or None
    if scheme == "basic" and basic:
        try:
            user = base64.b64decode(value.strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return None
        return user or None
    return None


def require_role(*roles: str, basic: bool = False):
    """FastAPI dependency: the caller's :class:`Principal` if their role is one of ``roles``
    (``basic``: HTTP Basic is accepted too, for Segment clients on the collection routes)."""

    async def dependency(request: Request) -> Principal:
        # async: a sync dependency costs a hop to the threadpool on every request, and this
        # never blocks (a stat of the keys file, re-read only when it changed: revocation
        # takes effect on the next request)
        key = extract_key(request, basic=basic)
        entry = lookup_key(request.app.state.idic.path, key)
        if entry is None:
            raise HTTPException(401, "missing or invalid API key",
                                headers={"WWW-Authenticate": "Bearer"})
        principal = Principal(entry["key_id"], entry["role"], entry.get("owner"))
        request.state.principal = principal
        if roles and principal.role not in roles:
            request.app.state.idic.audit_event(request, principal, "denied", status=403)
            raise HTTPException(403, f"role {principal.role!r} may not use this route")
        return principal

    dependency.__name__ = "require_" + "_".join(roles or ("any",))
    return dependency


ANY = ("admin", "analyst", "marketer", "privacy", "collector", "service")
COLLECT = ("admin", "marketer", "collector")
READ_PROFILES = ("admin", "analyst", "marketer", "privacy")
CONSENT_READ = ("admin", "marketer", "privacy")
CONSENT_WRITE = ("admin", "marketer", "privacy", "collector")
PRIVACY = ("admin", "privacy")
AUDIT = ("admin",)
