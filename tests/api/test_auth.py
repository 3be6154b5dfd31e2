"""Keys and roles: every route x every role (401 without a valid key, 403 for a forbidden role)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.api.conftest import TestClient, auth
from tests.privacy.fixtures import BOB, fresh

from idic.api import create_app
from idic.api.auth import verify_key
from idic.privacy.keys import create_key, list_keys, revoke_key
from idic.privacy.roles import ROLES

AGENT = "Chen Wei"  # the person of the service key

MSG = {"type": "track", "messageId": "auth-1", "userId": "W2", "event": "X",
       "timestamp": "2024-01-01T00:00:00Z"}
# (method, path, body, roles allowed)
ROUTES = [
    ("POST", "/v1/batch", {"batch": [MSG]}, {"admin", "marketer", "collector"}),
    ("POST", "/v1/track", MSG, {"admin", "marketer", "collector"}),
    ("GET", f"/v1/customers?email={BOB}", None, {"admin", "analyst", "marketer", "privacy"}),
    ("GET", "/v1/customers", None, {"admin", "analyst", "marketer", "privacy"}),
    ("GET", "/v1/customers/C-bob", None, {"admin", "analyst", "marketer", "privacy"}),
    ("GET", "/v1/customers/C-bob/consents", None, {"admin", "marketer", "privacy"}),
    ("POST", "/v1/consents", {"customer_id": "C-bob", "purpose": "profiling",
                              "status": "granted"}, {"admin", "marketer", "privacy",
                                                      "collector"}),
    ("POST", "/v1/privacy/export", {"email": BOB}, {"admin", "privacy"}),
    ("POST", "/v1/privacy/erasure", {"email": BOB, "dry_run": True},
     {"admin", "privacy"}),
    ("GET", "/v1/audit", None, {"admin"}),
    ("GET", "/v1/whoami", None, set(ROLES)),
]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict, Path]]:
    path = fresh(tmp_path_factory.mktemp("auth") / "ws")
    keys = {r: create_key(path, r, owner=AGENT if r == "service" else None)["key"]
            for r in ROLES}
    with TestClient(create_app(path)) as c:
        yield c, keys, path


def _call(c: TestClient, method: str, path: str, body: dict | None, headers: dict):
    return c.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ROUTES,
                         ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in ROUTES])
def test_role_route_matrix(setup, method: str, path: str, body, allowed: set[str]) -> None:
    c, keys, _ = setup
    assert _call(c, method, path, body, {}).status_code == 401
    assert _call(c, method, path, body, auth("idic_00000000_not-a-key")).status_code == 401
    for role in ROLES:
        r = _call(c, method, path, body, auth(keys[role]))
        if role in allowed:
            assert r.status_code == 200, (role, r.text)
        else:
            assert r.status_code == 403, (role, r.text)


def test_basic_auth_key_as_user_name(setup) -> None:
    c, keys, _ = setup
    token = base64.b64encode(f"{keys['collector']}:".encode()).decode()
    r = c.post("/v1/batch", json={"batch": [MSG]}, headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 200
    r = c.post("/v1/track", json=MSG, headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 200


def test_basic_auth_is_for_collection_only(setup) -> None:
    """Browsers cache and replay Basic credentials: only Segment's routes take them."""
    c, keys, _ = setup
    for role, method, path in (("admin", "GET", "/v1/customers"), ("admin", "GET", "/v1/audit"),
                               ("admin", "GET", "/v1/whoami"),
                               ("privacy", "POST", "/v1/privacy/export")):
        token = base64.b64encode(f"{keys[role]}:".encode()).decode()
        r = c.request(method, path, json={"email": BOB},
                      headers={"Authorization": f"Basic {token}"})
        assert r.status_code == 401, (path, r.status_code)
        assert c.request(method, path, json={"email": BOB},
                         headers=auth(keys[role])).status_code == 200
    token = base64.b64encode(f"{keys['admin']}:".encode()).decode()
    r = c.get("/dashboard", headers={"Authorization": f"Basic {token}"},
              follow_redirects=False)
    assert r.status_code == 303  # to the login form


def test_revoked_key_is_refused_and_only_hashes_are_stored(setup) -> None:
    c, _, path = setup
    k = create_key(path, "admin", label="temp")
    assert c.get("/v1/whoami", headers=auth(k["key"])).json() == {"key_id": k["key_id"],
                                                                 "role": "admin"}
    assert verify_key(path, k["key"]) == "admin"
    revoke_key(path, k["key_id"])
    assert c.get("/v1/whoami", headers=auth(k["key"])).status_code == 401
    assert verify_key(path, k["key"]) is None
    stored = (path / "api-keys.json").read_text()
    assert k["key"] not in stored and "sha256" in stored
    assert all("key" not in e and "sha256" not in e for e in list_keys(path))


def test_denials_are_audited(setup) -> None:
    c, keys, _ = setup
    c.get("/v1/audit", headers=auth(keys["analyst"]))
    entries = c.get("/v1/audit", params={"action": "denied"},
                    headers=auth(keys["admin"])).json()["entries"]
    assert any(e["role"] == "analyst" and e["status"] == 403 for e in entries)


def test_health_and_openapi_need_no_key(setup) -> None:
    c, _, _ = setup
    assert c.get("/v1/health").json()["status"] == "ok"
    assert "/v1/batch" in c.get("/openapi.json").json()["paths"]
    assert c.get("/docs").status_code == 200


def test_service_keys_name_their_person(tmp_path) -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from idic.errors import InputError

    path = fresh(tmp_path / "ws")
    with pytest.raises(InputError, match="needs --owner"):
        create_key(path, "service")
    with pytest.raises(InputError, match="for service keys"):
        create_key(path, "marketer", owner="Chen Wei")
    with pytest.raises(InputError, match="not a team queue"):
        create_key(path, "service", owner="queue:service")

    @settings(max_examples=60, deadline=None)
    @given(st.text(max_size=130))
    def one(owner: str) -> None:
        try:
            k = create_key(path, "service", owner=owner)
        except InputError:
            assert (not owner.strip() or len(owner.strip()) > 100
                    or owner.strip().startswith("queue:")
                    or any(ord(ch) < 32 or ord(ch) == 127 for ch in owner.strip()))
            return
        assert k["owner"] == owner.strip()
        assert [e["owner"] for e in list_keys(path) if e["key_id"] == k["key_id"]] == [
            owner.strip()]

    one()
