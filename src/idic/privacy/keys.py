"""API keys: only a SHA-256 hash is stored, in ``api-keys.json`` in the workspace folder.

Kept outside the database on purpose: creating, listing or revoking a key never needs the
DuckDB file, so it works while ``idic serve`` runs, and the server verifies keys without
touching the database. Writes are serialised with ``fcntl`` and replace the file atomically.
A key looks like ``idic_<key_id>_<secret>``; the key id (not secret) goes to the audit log.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from idic.errors import InputError, NotFoundError
from idic.privacy.roles import ROLES

KEYS_FILE = "api-keys.json"
_cache: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@contextmanager
def _locked(ws_path: Path) -> Iterator[Path]:
    ws_path = Path(ws_path)
    with open(ws_path / ".api-keys.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield ws_path / KEYS_FILE
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"keys": []}
    return json.loads(path.read_text())


def _write(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


OWNER_MAX = 100


def _check_owner(role: str, owner: str | None) -> str | None:
    """A service key names its person (as in tasks' ``owner``); other keys name none."""
    if role != "service":
        if owner is not None:
            raise InputError(f"--owner is for service keys, not {role!r} keys",
                             hint="create the key without --owner")
        return None
    if owner is None or not owner.strip():
        raise InputError("a service key needs --owner: the person whose tasks it works "
                         "(as in the tasks' owner column, e.g. --owner 'Chen Wei')")
    owner = owner.strip()
    if len(owner) > OWNER_MAX or any(ord(ch) < 32 or ord(ch) == 127 for ch in owner):
        raise InputError(f"--owner must be 1 to {OWNER_MAX} printable characters",
                         hint="a person's name as the tasks' owner column has it")
    if owner.startswith("queue:"):
        raise InputError("--owner names a person, not a team queue",
                         hint="assign queue tasks to the person first (idic tasks assign)")
    return owner


def create_key(ws_path: Path, role: str, *, label: str | None = None,
               owner: str | None = None) -> dict[str, Any]:
    """Create a key for ``role``; the returned ``key`` is shown once and never stored.
    ``owner``: for a ``service`` key (required), the person whose tasks it works."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    owner = _check_owner(role, owner)
    if not (Path(ws_path) / "workspace.json").exists():
        raise InputError(f"{ws_path} is not an idic workspace",
                         hint=f"create it with `idic init --workspace {ws_path}`")
    key_id = secrets.token_hex(4)
    key = f"idic_{key_id}_{secrets.token_urlsafe(24)}"
    entry = {"key_id": key_id, "role": role, "sha256": _hash(key), "label": label,
             "created_at": datetime.now(UTC).isoformat(), "revoked_at": None}
    if owner is not None:
        entry["owner"] = owner
    with _locked(ws_path) as path:
        data = _read(path)
        data["keys"].append(entry)
        _write(path, data)
    public = {k: v for k, v in entry.items() if k != "sha256"}
    return {"key": key, **public}


def list_keys(ws_path: Path) -> list[dict[str, Any]]:
    data = _read(Path(ws_path) / KEYS_FILE)
    return [{k: v for k, v in e.items() if k != "sha256"} for e in data["keys"]]


def revoke_key(ws_path: Path, key_id: str) -> dict[str, Any]:
    with _locked(ws_path) as path:
        data = _read(path)
        for e in data["keys"]:
            if e["key_id"] == key_id:
                e["revoked_at"] = e["revoked_at"] or datetime.now(UTC).isoformat()
                _write(path, data)
                return {k: v for k, v in e.items() if k != "sha256"}
    raise NotFoundError(f"no key with id {key_id!r}", hint="see `idic keys list`")


def _load(ws_path: Path) -> dict[str, Any]:
    """The valid keys by hash; re-read whenever the file changed (one ``stat`` per call, so
    that a revocation is effective on the very next request)."""
    path = os.path.join(ws_path, KEYS_FILE)  # (str, not pathlib: this runs per request)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return {}
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    hit = _cache.get(path)
    if hit and hit[0] == stamp:
        return hit[1]
    by_hash = {e["sha256"]: e for e in _read(Path(path))["keys"] if not e.get("revoked_at")}
    _cache[path] = (stamp, by_hash)
    return by_hash


def lookup_key(ws_path: Path, key: str | None) -> dict[str, Any] | None:
    """The key's record (key_id, role, ...) if ``key`` is valid and not revoked."""
    if not key:
        return None
    h = _hash(key)
    for stored, entry in _load(ws_path).items():
        if hmac.compare_digest(stored, h):
            return entry
    return None


def verify_key(ws_path: Path, key: str | None) -> str | None:
    """The role of a valid key, else None (for the dashboard and the API)."""
    e = lookup_key(ws_path, key)
    return None if e is None else e["role"]
