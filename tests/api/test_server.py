"""A real uvicorn on 127.0.0.1: the real Segment client, the CLI beside the server, a crash."""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from tests.api.server import Server
from tests.privacy.fixtures import fresh
from typer.testing import CliRunner

from idic.cli.keys import app as keys_app
from idic.cli.privacy import app as privacy_app
from idic.privacy.keys import create_key
from idic.service.access import open_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return fresh(tmp_path / "ws")


def test_segment_client_sends_to_idic_unchanged(ws: Path) -> None:
    segment = pytest.importorskip("segment.analytics")
    key = create_key(ws, "collector")["key"]
    admin = create_key(ws, "admin")["key"]
    srv = Server(ws).start()
    try:
        errors: list = []
        client = segment.Client(write_key=key, host=srv.url, sync_mode=True,
                                on_error=lambda e, batch: errors.append(e), max_retries=1)
        client.identify("SEG-1", {"email": "Seg.User@Example.com", "firstName": "Seg"},
                        anonymous_id="anon-seg")
        client.track("SEG-1", "Order Completed", {"revenue": 42.5, "stage": "purchase"})
        client.page("SEG-1", "Docs", "Home")
        client.flush()
        assert errors == []
        h = {"Authorization": f"Bearer {admin}"}
        found = httpx.get(srv.url + "/v1/customers", params={"email": "seg.user@example.com"},
                          headers=h).json()["customers"]
        assert [c["customer_id"] for c in found] == ["web:SEG-1"]
        prof = httpx.get(srv.url + "/v1/customers/web:SEG-1", headers=h).json()
        assert {e["type"] for e in prof["recent_events"]} == {"identify", "track", "page"}
        # a wrong write key is refused, and the client sees it
        from segment.analytics.request import APIError

        bad = segment.Client(write_key="nope", host=srv.url, sync_mode=True, max_retries=0)
        with pytest.raises(APIError, match="401"):
            bad.track("SEG-1", "X")
    finally:
        srv.stop()


def test_cli_works_beside_a_busy_server(ws: Path) -> None:
    """keys, privacy export and a plain open of the workspace while events stream in."""
    key = create_key(ws, "collector")["key"]
    srv = Server(ws).start()
    stop = threading.Event()
    sent = {"ok": 0, "bad": 0}

    def stream() -> None:
        with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {key}"}) as c:
            i = 0
            while not stop.is_set():
                batch = [{"type": "track", "messageId": f"busy-{i}-{j}", "userId": "W2",
                          "event": "Viewed", "timestamp": "2024-05-01T10:00:00Z"}
                         for j in range(20)]
                r = c.post("/v1/batch", json={"batch": batch}, timeout=30)
                sent["ok" if r.status_code == 200 else "bad"] += 1
                i += 1

    t = threading.Thread(target=stream)
    t.start()
    try:
        time.sleep(0.5)
        runner = CliRunner()
        for _ in range(2):
            r = runner.invoke(keys_app, ["create", "--role", "admin", "--workspace", str(ws),
                                         "--json"])
            assert r.exit_code == 0, r.output
            r = runner.invoke(privacy_app, ["export", "--email", "bob.stone@example.com",
                                            "--workspace", str(ws), "--json"])
            assert r.exit_code == 0, r.output
            assert json.loads(r.stdout)["counts"]["orders"] == 1
            with open_workspace(ws, read_only=True, timeout=30) as w:
                assert w.engine.count("events") > 0
    finally:
        stop.set()
        t.join(30)
        srv.stop()
    assert sent["ok"] > 0 and sent["bad"] == 0


def test_no_acknowledged_event_is_lost_in_a_crash(ws: Path) -> None:
    key = create_key(ws, "collector")["key"]
    srv = Server(ws).start()
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender() -> None:
        with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {key}"}) as c:
            while not stop.is_set():
                ids = [uuid.uuid4().hex for _ in range(25)]
                batch = [{"type": "track", "messageId": m, "userId": "W2", "event": "Viewed",
                          "timestamp": "2024-05-01T10:00:00Z"} for m in ids]
                try:
                    r = c.post("/v1/batch", json={"batch": batch}, timeout=30)
                except httpx.HTTPError:
                    return  # the server died mid-request: not acknowledged
                if r.status_code == 200:
                    with lock:
                        acked.extend(ids)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acked) < 400 and time.monotonic() < deadline:
        time.sleep(0.01)
    srv.kill()  # right after some 200s, with requests in flight
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) >= 100
    srv2 = Server(ws).start()  # recovers the spool on start
    srv2.stop()
    with open_workspace(ws, read_only=True) as w:
        ev = w.table("events")
        have = set(w.engine.to_arrow(ev.select("message_id")).column("message_id").to_pylist())
    missing = set(acked) - have
    assert not missing, f"{len(missing)} acknowledged events lost"
