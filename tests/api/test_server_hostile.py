"""Hostile collection against a real uvicorn (``idic serve``) on 127.0.0.1: a lone surrogate
among concurrent clients, restarts with bad spool files, chunked uploads and memory."""

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

from idic.privacy.keys import create_key
from idic.service.access import open_workspace

TS = "2024-05-01T10:00:00Z"
SURROGATE = (b'{"type":"track","messageId":"%s","event":"S\\ud800","userId":"W2",'
             b'"timestamp":"2024-05-01T10:00:00Z"}')


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return fresh(tmp_path / "ws")


def _good(mid: str) -> bytes:
    return json.dumps({"type": "track", "messageId": mid, "userId": "W2", "event": "Viewed",
                       "timestamp": TS}).encode()


def _stored(ws: Path, prefix: str) -> list[str]:
    with open_workspace(ws, read_only=True, timeout=30) as w:
        e = w.table("events")
        return w.engine.to_arrow(e.filter(e.message_id.startswith(prefix))
                                 .select("message_id")).column("message_id").to_pylist()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_a_lone_surrogate_fails_no_other_batch_and_the_server_restarts(ws: Path) -> None:
    key = create_key(ws, "collector")["key"]
    srv = Server(ws).start()
    answers: list[tuple[str, int, dict]] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def client(n: int) -> None:
        with httpx.Client(base_url=srv.url, timeout=60,
                          headers={"Authorization": f"Bearer {key}",
                                   "Content-Type": "application/json"}) as c:
            start.wait()
            for j in range(6):
                ids = [f"cc-{n}-{j}-{k}" for k in range(5)]
                msgs = [_good(m) for m in ids]
                kind = "good"
                if n % 2 == 0:  # half the clients put a lone surrogate in every batch
                    msgs.insert(2, SURROGATE % f"bad-{n}-{j}".encode())
                    kind = "surrogate"
                r = c.post("/v1/batch", content=b'{"batch":[' + b",".join(msgs) + b"]}")
                with lock:
                    answers.append((kind, r.status_code, r.json()))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(answers) == 48
        assert {s for _, s, _ in answers} == {200}, [a for a in answers if a[1] != 200][:3]
        for kind, _, d in answers:
            want = {"good": (5, 5, 0, 0), "surrogate": (6, 5, 1, 0)}[kind]
            assert (d["received"], d["accepted"], d["quarantined"], d["duplicates"]) == want
        # a spool left by a crash, holding a lone surrogate (as an older version wrote it)
        srv.kill()
        inc = ws / "spool" / "incoming"
        inc.mkdir(parents=True, exist_ok=True)
        (inc / "00000000000000000001-deadbeef.jsonl").write_bytes(
            _good("cc-crash-1") + b"\n" + SURROGATE % b"bad-crash" + b"\n" + _good("cc-crash-2")
            + b"\n")
        srv = Server(ws).start()  # recovery quarantines the bad line; start-up goes on
        r = httpx.post(srv.url + "/v1/batch", content=b'{"batch":[' + _good("cc-after")
                       + b"]}", headers={"Authorization": f"Bearer {key}",
                                         "Content-Type": "application/json"}, timeout=60)
        assert r.status_code == 200 and r.json()["accepted"] == 1
    finally:
        srv.stop()
    stored = _stored(ws, "cc-")
    assert len(stored) == len(set(stored)) == 8 * 6 * 5 + 3
    assert not list((ws / "spool" / "incoming").iterdir())
    with open_workspace(ws, read_only=True) as w:
        q = w.table("quarantine")
        reasons = w.engine.to_arrow(q.filter(q.record.contains("bad-")).select("reason")
                                    ).column("reason").to_pylist()
    assert len(reasons) == 4 * 6 + 1


def test_chunked_uploads_are_refused_while_streaming(ws: Path) -> None:
    key = create_key(ws, "collector")["key"]
    srv = Server(ws).start()
    try:
        rss0 = _rss_mb(srv.proc.pid)
        sent = {"bytes": 0}

        def body(mb: int):
            yield b'{"batch":[{"type":"track","event":"'
            for _ in range(mb * 16):
                sent["bytes"] += 65536
                yield b"x" * 65536
            yield b'"}]}'

        for mb in (10, 40):
            sent["bytes"] = 0
            try:
                r = httpx.post(srv.url + "/v1/batch", content=body(mb), timeout=60,
                               headers={"Authorization": f"Bearer {key}",
                                        "Content-Type": "application/json"})
                assert r.status_code == 413, r.text
            except httpx.TransportError:  # the server answered 413 and closed mid-upload
                pass
        rss1 = _rss_mb(srv.proc.pid)
        assert rss1 - rss0 < 30, (rss0, rss1)
        assert httpx.get(srv.url + "/v1/health").status_code == 200
        print(f"RSS {rss0:.0f} -> {rss1:.0f} MB after 10 + 40 MB chunked uploads")
    finally:
        srv.stop()
    assert _stored(ws, "") and not list((ws / "spool" / "incoming").glob("*"))


def test_acknowledged_counts_are_exact_under_concurrency(ws: Path) -> None:
    """Many clients, each batch a different size: every answer is that client's own."""
    key = create_key(ws, "collector")["key"]
    srv = Server(ws).start()
    bad: list = []

    def client(n: int) -> None:
        with httpx.Client(base_url=srv.url, timeout=60,
                          headers={"Authorization": f"Bearer {key}"}) as c:
            for j in range(5):
                size = 1 + (n * 7 + j * 3) % 9
                batch = [{"type": "track", "messageId": uuid.uuid4().hex, "userId": "W2",
                          "event": "E", "timestamp": TS, "batch": [{"type": "track"}] * j}
                         for _ in range(size)]
                d = c.post("/v1/batch", json={"batch": batch}).json()
                if (d.get("received"), d.get("accepted")) != (size, size):
                    bad.append((size, d))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    try:
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert time.monotonic() - t0 < 120
    finally:
        srv.stop()
    assert bad == []
