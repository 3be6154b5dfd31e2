"""API fixtures: the privacy fixture workspace, one key per role, a TestClient (lifespan on)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette 1.x: "install httpx2" (not packaged here)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.privacy.fixtures import fresh

from idic.api import create_app
from idic.privacy.keys import create_key
from idic.privacy.roles import ROLES

AGENT = "Chen Wei"  # the person of the service key


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return fresh(tmp_path / "ws")


@pytest.fixture
def keys(ws_path: Path) -> dict[str, str]:
    return {role: create_key(ws_path, role, owner=AGENT if role == "service" else None)["key"]
            for role in ROLES}


@pytest.fixture
def client(ws_path: Path, keys: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(create_app(ws_path)) as c:
        yield c


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
