"""A load test on loopback, bounded in count and time: collection and profile lookup on a real
uvicorn under concurrent clients.

It reports events/s and p50/p99 latencies (printed; see ``pytest -s``) and asserts what must
hold under load: every request answered without a server error, every acknowledged event
stored exactly once, a re-sent batch counted as duplicates, every lookup finding its person.
Wall-clock goals live in ``benchmarks/bench_api.py``, not here.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.api.server import Server
from tests.privacy.fixtures import ANN, BOB, fresh

from idic.privacy.keys import create_key
from idic.service.access import open_workspace

CLIENTS = 4
BATCHES_PER_CLIENT = 10
BATCH = 100
LOOKUPS_PER_CLIENT = 40


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def _batch(client: int, b: int) -> list[dict]:
    return [{"type": "track", "messageId": f"load-{client}-{b}-{i}", "userId": "W2",
             "event": "Product Viewed", "timestamp": "2024-05-01T10:00:00Z",
             "properties": {"sku": f"S{i % 7}"}} for i in range(BATCH)]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return fresh(tmp_path / "ws")


def test_collection_and_lookup_under_concurrent_clients(ws: Path) -> None:
    with open_workspace(ws, read_only=True) as w:
        events_before = w.engine.count("events")
    collector = create_key(ws, "collector")["key"]
    admin = create_key(ws, "admin")["key"]
    srv = Server(ws).start()
    try:
        def send(client: int) -> list[tuple[float, int, dict]]:
            out = []
            with httpx.Client(base_url=srv.url, timeout=60,
                              headers={"Authorization": f"Bearer {collector}"}) as c:
                for b in range(BATCHES_PER_CLIENT):
                    t = time.perf_counter()
                    r = c.post("/v1/batch", json={"batch": _batch(client, b)})
                    out.append((time.perf_counter() - t, r.status_code, r.json()))
            return out

        t0 = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [x for part in pool.map(send, range(CLIENTS)) for x in part]
        wall = time.perf_counter() - t0
        assert all(status == 200 for _, status, _ in results)
        assert sum(body["accepted"] for _, _, body in results) == CLIENTS * BATCHES_PER_CLIENT * BATCH
        assert sum(body["quarantined"] + body["duplicates"] for _, _, body in results) == 0
        lat = [s for s, _, _ in results]
        print(f"\ncollection: {CLIENTS * BATCHES_PER_CLIENT * BATCH / wall:,.0f} events/s, "
              f"batch of {BATCH} p50 {_pct(lat, .5) * 1e3:.1f} ms, "
              f"p99 {_pct(lat, .99) * 1e3:.1f} ms ({CLIENTS} clients)")

        # a re-sent batch is acknowledged and counted as duplicates, not stored again
        with httpx.Client(base_url=srv.url, timeout=60,
                          headers={"Authorization": f"Bearer {collector}"}) as c:
            again = c.post("/v1/batch", json={"batch": _batch(0, 0)}).json()
        assert again["accepted"] == 0 and again["duplicates"] == BATCH

        def look(client: int) -> list[tuple[float, int, list[str]]]:
            out = []
            with httpx.Client(base_url=srv.url, timeout=60,
                              headers={"Authorization": f"Bearer {admin}"}) as c:
                for i in range(LOOKUPS_PER_CLIENT):
                    email = ANN if (client + i) % 2 else BOB
                    t = time.perf_counter()
                    r = c.get("/v1/customers", params={"email": email})
                    emails = [p.get("email") for p in r.json().get("customers", [])]
                    out.append((time.perf_counter() - t, r.status_code, [email, *emails]))
            return out

        t0 = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS * 2) as pool:
            looks = [x for part in pool.map(look, range(CLIENTS * 2)) for x in part]
        wall = time.perf_counter() - t0
        assert all(status == 200 for _, status, _ in looks)
        # each lookup finds exactly the person asked for
        assert all(found[1:] and set(found[1:]) == {found[0]} for _, _, found in looks), looks[:3]
        lat = [s for s, _, _ in looks]
        print(f"lookup: {len(looks) / wall:,.0f} requests/s, p50 {_pct(lat, .5) * 1e3:.1f} ms, "
              f"p99 {_pct(lat, .99) * 1e3:.1f} ms ({CLIENTS * 2} clients)")
    finally:
        srv.stop()
    # after a clean stop every acknowledged event is in the table, once
    with open_workspace(ws, read_only=True) as w:
        assert w.engine.count("events") == events_before + CLIENTS * BATCHES_PER_CLIENT * BATCH
