"""Dashboard fixtures: the small real workspace, keys per role, a TestClient on the API app."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette 1.x: "install httpx2" (not packaged here)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.measure.data import build_workspace

from idic.api import create_app
from idic.privacy.keys import create_key
from idic.privacy.roles import ROLES

AGENT = "Chen Wei"  # the person of the service key


@pytest.fixture(scope="session")
def web_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("web") / "ws")


@pytest.fixture(scope="session")
def keys(web_ws: Path) -> dict[str, str]:
    return {role: create_key(web_ws, role, owner=AGENT if role == "service" else None)["key"]
            for role in ROLES}


@pytest.fixture
def client(web_ws: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(web_ws)) as c:
        yield c


def login(client: TestClient, key: str) -> None:
    r = client.post("/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303, r.text
