"""/v1/audiences for the marketer; restriction and rectification for the privacy officer."""

from __future__ import annotations

import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from idic.api import create_app
from idic.customize import audiences
from idic.privacy.keys import create_key
from idic.workspace import Workspace

from .conftest import fill


@pytest.fixture
def api(tmp_path):
    path = tmp_path / "ws"
    ws = Workspace.init(path)
    fill(ws)
    audiences.create(ws, "gb", where="country = 'GB' or abc_class = 'C'",
                     purpose="email_marketing", channel="email")
    ws.close()
    keys = {r: create_key(path, r)["key"] for r in ("marketer", "analyst", "privacy")}
    with TestClient(create_app(path)) as c:
        yield c, {r: {"Authorization": f"Bearer {k}"} for r, k in keys.items()}


def test_marketer_lists_and_exports_gated_members(api):
    c, h = api
    r = c.get("/v1/audiences", headers=h["analyst"])
    assert r.status_code == 200 and [a["name"] for a in r.json()["audiences"]] == ["gb"]
    r = c.get("/v1/audiences/gb/members", headers=h["marketer"])
    # GB or class C: c1, c3, c4, c5, c6; consent for e-mail: c1, c3, c4
    assert r.status_code == 200 and r.json()["customer_ids"] == ["c1", "c3", "c4"]
    r = c.get("/v1/audiences/gb/export", headers=h["marketer"])
    assert r.status_code == 200 and r.text.splitlines()[1:] == ["c1,gb", "c3,gb", "c4,gb"]
    assert c.get("/v1/audiences/gb/export", headers=h["analyst"]).status_code == 403
    assert c.get("/v1/audiences/nope/members", headers=h["marketer"]).status_code == 404
    assert c.get("/v1/audiences/a;b/members", headers=h["marketer"]).status_code == 422


def test_restriction_through_the_api_empties_the_export(api):
    c, h = api
    r = c.post("/v1/privacy/rights", json={"customer_id": "c3", "right": "restriction"},
               headers=h["privacy"])
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert c.post("/v1/privacy/rights", json={"customer_id": "c3", "right": "restriction"},
                  headers=h["marketer"]).status_code == 403
    ids = c.get("/v1/audiences/gb/members", headers=h["marketer"]).json()["customer_ids"]
    assert ids == ["c1", "c4"]
    r = c.post("/v1/privacy/rectification",
               json={"customer_id": "c1", "field": "country", "value": "IE"},
               headers=h["privacy"])
    assert r.status_code == 200 and r.json()["rows_changed"] == 1


def test_dashboard_audiences_page(api):
    c, h = api
    r = c.get("/dashboard/audiences", headers=h["marketer"])
    assert r.status_code == 200
    assert "Audiences and campaigns" in r.text and "gb" in r.text
    assert "Treatments" in r.text


def test_customer_360_shows_audiences_treatments_and_rights(tmp_path):
    from idic.customize import rights
    from idic.customize.treatments import write_treatments
    from idic.service.customers360 import profile

    ws = Workspace.init(tmp_path / "v")
    fill(ws)
    audiences.create(ws, "gb", where="country = 'GB'", purpose="email_marketing")
    audiences.refresh(ws)
    write_treatments(ws)
    rights.record(ws, "c3", "objection")
    c1 = profile(ws, "c1")["customize"]
    assert c1["audiences"] == ["gb"] and c1["rights"] == {"restriction": False,
                                                          "objection": False}
    assert {t["treatment"] for t in c1["treatments"]} == {"priority_hotline", "faster_delivery"}
    assert all(t["reason"] for t in c1["treatments"])
    assert profile(ws, "c3")["customize"]["rights"]["objection"] is True
    ws.close()


def test_webhook_export_posts_gated_members(tiny):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from idic.errors import InputError

    got: list[dict] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        audiences.create(tiny, "gb", where="country = 'GB'", purpose="email_marketing")
        res = audiences.post_webhook(tiny, "gb", f"http://127.0.0.1:{srv.server_port}/hook",
                                     batch=1)
        assert res["rows"] == 2 and [g["customer_ids"] for g in got] == [["c1"], ["c3"]]
        with pytest.raises(InputError, match="http"):
            audiences.post_webhook(tiny, "gb", "file:///etc/passwd")
    finally:
        srv.shutdown()
        srv.server_close()
