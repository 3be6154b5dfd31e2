"""Schemathesis against /openapi.json: no 500 on any generated request (bounded)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    schemathesis = pytest.importorskip("schemathesis")
    from fastapi.testclient import TestClient

from hypothesis import HealthCheck, given, settings
from tests.privacy.fixtures import fresh

from idic.api import create_app
from idic.privacy.keys import create_key


def _app(tmp: Path):
    path = fresh(tmp / "ws")
    key = create_key(path, "admin")["key"]
    app = create_app(path)
    return app, key


def test_no_500_anywhere(tmp_path: Path) -> None:
    app, key = _app(tmp_path)
    with TestClient(app):  # run the lifespan (collector, gate) for the whole test
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        failures: list[str] = []
        statuses: list[int] = []
        undocumented: set[tuple[str, str, int]] = set()
        doc = app.openapi()["paths"]
        ops = list(schema.get_all_operations())
        for result in ops:
            op = result.ok()

            @settings(max_examples=5, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy())
            def check(case) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
                r = case.call()
                statuses.append(r.status_code)
                o = case.operation
                if str(r.status_code) not in doc[o.path][o.method.lower()]["responses"]:
                    undocumented.add((o.method, o.path, r.status_code))
                if r.status_code >= 500:
                    failures.append(f"{case.method} {case.path}: {r.status_code} "
                                    f"{r.text[:300]}")

            check()
        assert len(ops) >= 15
        assert failures == []
        assert undocumented == set()  # every answer a route gave is in the OpenAPI document
        assert statuses.count(200) >= 10 and 401 not in statuses  # the key got through


def test_error_answers_are_documented(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    paths = app.openapi()["paths"]
    assert {"400", "401", "403", "413", "422", "500"} <= set(
        paths["/v1/batch"]["post"]["responses"])
    assert "404" in paths["/v1/customers/{customer_id}"]["get"]["responses"]
    assert "413" in paths["/v1/privacy/erasure"]["post"]["responses"]
    err = paths["/v1/batch"]["post"]["responses"]["413"]["content"]["application/json"]
    assert err["schema"] == {"$ref": "#/components/schemas/Error"}
    assert set(paths["/v1/health"]["get"]["responses"]) == {"200"}
