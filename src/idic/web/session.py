"""Dashboard sessions: a signed cookie naming the API key (by id) and its role.

The cookie holds ``key_id.role.expiry.session_id.signature`` where the signature is an
HMAC-SHA256 with the workspace secret; the raw key is never stored in the browser. Every
request re-checks that the key still exists and is not revoked, so revoking a key ends its
sessions; logging out ends that one session (its id is kept in ``ENDED_FILE`` until it would
have expired anyway), so a copied cookie is worthless after logout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

COOKIE = "idic_session"
MAX_AGE = 8 * 3600
ENDED_FILE = ".idic-sessions-ended"  #: "session_id expiry" lines (no personal data)
_ended: dict[Path, tuple[tuple[int, int], set[str]]] = {}
_lock = threading.Lock()


def _sig(secret: bytes, payload: str) -> str:
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def issue(secret: bytes, key_id: str, role: str, *, now: float | None = None,
          max_age: int = MAX_AGE) -> str:
    exp = int((now or time.time()) + max_age)
    payload = f"{key_id}.{role}.{exp}.{secrets.token_urlsafe(12)}"
    return f"{payload}.{_sig(secret, payload)}"


def _parse(secret: bytes, token: str | None, now: float | None
           ) -> tuple[str, str, int, str] | None:
    """(key_id, role, expiry, session_id) of a well-signed, unexpired token; else None."""
    if not token or token.count(".") != 4:
        return None
    key_id, role, exp, sid, sig = token.split(".")
    if not hmac.compare_digest(sig, _sig(secret, f"{key_id}.{role}.{exp}.{sid}")):
        return None
    try:
        if int(exp) < (now or time.time()):
            return None
    except ValueError:
        return None
    return key_id, role, int(exp), sid


def _ended_ids(ws_path: Path) -> set[str]:
    path = Path(ws_path) / ENDED_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        return set()
    stamp = (st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _ended.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    ids = {line.split(" ", 1)[0] for line in path.read_text().splitlines() if line}
    with _lock:
        _ended[path] = (stamp, ids)
    return ids


def end(secret: bytes, token: str | None, ws_path: Path, *, now: float | None = None) -> bool:
    """Log out: the session of ``token`` is refused from now on. False for a bad token."""
    got = _parse(secret, token, now)
    if got is None:
        return False
    _, _, exp, sid = got
    path = Path(ws_path) / ENDED_FILE
    t = now or time.time()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{sid} {exp}\n".encode())  # one small append: atomic
    finally:
        os.close(fd)
    lines = path.read_text().splitlines()
    if len(lines) > 1000:  # forget sessions that have expired anyway
        keep = [ln for ln in lines if ln and int(ln.split(" ")[1]) >= t]
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text("".join(ln + "\n" for ln in keep))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return True


def read(secret: bytes, token: str | None, ws_path: Path, *,
         now: float | None = None) -> tuple[str, str] | None:
    """(key_id, role) of a valid, unexpired, not ended session whose key is still active."""
    got = _parse(secret, token, now)
    if got is None:
        return None
    key_id, role, _, sid = got
    if sid in _ended_ids(ws_path):
        return None
    from idic.privacy.keys import list_keys

    for k in list_keys(ws_path):
        if k["key_id"] == key_id and not k.get("revoked_at") and k["role"] == role:
            return key_id, role
    return None
