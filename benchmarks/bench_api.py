"""The API on a real uvicorn (127.0.0.1 only), bounded in count and time.

- collection: events/s acknowledged by ``POST /v1/batch`` (batches of 500, 8 clients; every
  acknowledged event durably spooled and ingested with validation, quarantine, dedupe) vs
  ingesting the same events from one file in-process (no HTTP): the floor.
  Goal: >= 5,000 events/s.
- lookup: ``GET /v1/customers?email=E`` under 50 concurrent clients, p50/p99 latency, vs the
  same service call in-process (no HTTP, one at a time). Goal: p99 < 50 ms. Three runs:
  random customers (the goal's row), a hot set of 500, and random customers right after an
  identify call (it writes identities: the server's in-memory lookup index is stale and
  rebuilt in the background, so the first lookups query the database).

The load generator is a minimal keep-alive HTTP/1.1 client on asyncio streams, so that it
takes little of the 2 cores from the server.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from idic.privacy.keys import create_key
from idic.service.access import open_workspace
from idic.workspace import Workspace

LAUNCH = "import typer; from idic.cli.serve import serve_cmd; typer.run(serve_cmd)"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _people(n: int) -> list[dict]:
    return [{"source": "web", "source_record_id": f"W{i}", "email": f"person{i}@example.com",
             "first_name": "P", "last_name": f"N{i}", "country": "GB"} for i in range(n)]


def _messages(start: int, n: int, people: int) -> list[dict]:
    return [{"type": "track", "messageId": f"bench-{start + i}", "userId": f"W{(start + i) % people}",
             "event": "Product Viewed", "timestamp": "2024-05-01T10:00:00Z",
             "properties": {"sku": f"S{i % 97}", "price": 9.5}} for i in range(n)]


def _setup(folder: Path, people: int, events: int) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    ws_dir = folder / "ws"
    with Workspace.init(ws_dir) as ws:
        f = folder / "identities.csv"
        pcsv.write_csv(pa.Table.from_pylist(_people(people)), f)
        ws.ingest("identities", f)
        seg = folder / "seed.jsonl"
        seg.write_text("\n".join(json.dumps(m) for m in _messages(10**8, events, people)))
        ws.ingest("segment", seg, source="web")
    return ws_dir


class _Conn:
    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.r: asyncio.StreamReader | None = None
        self.w: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.w is None:
            self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port)
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.w.write(head + body)
        await self.w.drain()
        status_line = await self.r.readline()
        length = 0
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
        data = await self.r.readexactly(length)
        return int(status_line.split()[1]), data

    def close(self) -> None:
        if self.w is not None:
            self.w.close()


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def _collect(port: int, key: str, clients: int, batches: int, size: int,
                   people: int) -> tuple[float, list[float], int]:
    lat: list[float] = []
    acked = 0
    queue = list(range(batches))

    async def worker() -> None:
        nonlocal acked
        c = _Conn(port, key)
        try:
            while queue:
                b = queue.pop()
                body = json.dumps({"batch": _messages(b * size, size, people)}).encode()
                t = time.perf_counter()
                status, data = await c.request("POST", "/v1/batch", body)
                lat.append(time.perf_counter() - t)
                if status == 200:
                    acked += json.loads(data)["received"]
        finally:
            c.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - t0, lat, acked


async def _identify(port: int, key: str, people: int) -> None:
    c = _Conn(port, key)
    try:
        body = json.dumps({"userId": f"W{people}", "messageId": f"bench-identify-{people}",
                           "timestamp": "2024-05-01T10:00:00Z",
                           "traits": {"email": f"person{people}@example.com"}}).encode()
        status, _ = await c.request("POST", "/v1/identify", body)
        assert status == 200, status
    finally:
        c.close()


async def _lookups(port: int, key: str, clients: int, total: int, emails: list[str],
                   deadline: float, in_order: bool = False) -> tuple[float, list[float], int]:
    lat: list[float] = []
    bad = 0
    left = [total]

    async def worker() -> None:
        nonlocal bad
        c = _Conn(port, key)
        try:
            while left[0] > 0 and time.monotonic() < deadline:
                left[0] -= 1
                e = emails[left[0]] if in_order else random.choice(emails)
                t = time.perf_counter()
                status, _ = await c.request("GET", f"/v1/customers?email={e}")
                lat.append(time.perf_counter() - t)
                bad += status != 200
        finally:
            c.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - t0, lat, bad


def run(quick: bool = False) -> list[dict]:
    people = 5_000 if quick else 20_000
    seed_events = 50_000 if quick else 200_000
    batches, size = (60, 500) if quick else (200, 500)
    lookups = 2_000 if quick else 5_000
    folder = Path(tempfile.mkdtemp(prefix="idic-bench-api-"))
    proc = None
    try:
        ws_dir = _setup(folder, people, seed_events)
        key = create_key(ws_dir, "admin")["key"]
        port = _port()
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, "--workspace", str(ws_dir),
                                 "--port", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        wall, lat, acked = asyncio.run(_collect(port, key, 8, batches, size, people))
        assert acked == batches * size, acked
        # floor: the same number of events from one file, in-process, no HTTP
        floor_file = folder / "floor.jsonl"
        floor_file.write_text("\n".join(json.dumps(m) for m in
                                        _messages(5 * 10**8, batches * size, people)))
        floor_ws = folder / "floor-ws"
        shutil.copytree(folder / "ws", floor_ws, ignore=shutil.ignore_patterns("spool"))
        proc.terminate()
        proc.wait(30)
        with Workspace.open(floor_ws) as ws:
            t0 = time.perf_counter()
            ws.ingest("segment", floor_file, source="web")
            floor_s = time.perf_counter() - t0
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, "--workspace", str(ws_dir),
                                 "--port", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rows = [{"benchmark": f"collect {acked:,} events (POST /v1/batch x{size}, 8 clients)",
                 "idic_s": round(wall, 3),
                 "baseline": "same events from one file, in-process ingest (no HTTP)",
                 "baseline_s": round(floor_s, 3), "ratio": round(wall / floor_s, 2),
                 "goal": f">= 5,000 events/s (got {acked / wall:,.0f})",
                 "events_per_s": round(acked / wall), "batch_p50_ms": round(_pct(lat, .5) * 1e3, 1),
                 "batch_p99_ms": round(_pct(lat, .99) * 1e3, 1)}]

        emails = [f"person{i}@example.com" for i in range(people)]
        # in-process floor: the same service call, one at a time, no HTTP
        from idic.service.customers360 import lookup

        # the server may hold the file (it builds its lookup index at start and releases the
        # file after IDIC_API_IDLE_SECONDS): open it the way other processes must, politely
        with open_workspace(ws_dir, read_only=True) as _:
            pass
        proc.terminate()
        proc.wait(30)
        with Workspace.open(ws_dir, read_only=True) as ws:
            inproc = []
            for e in random.sample(emails, 200):
                t = time.perf_counter()
                lookup(ws, email=e)
                inproc.append(time.perf_counter() - t)
        proc = subprocess.Popen([sys.executable, "-c", LAUNCH, "--workspace", str(ws_dir),
                                 "--port", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        for label, pool in (("cold: random over all customers", emails),
                            ("hot: 500 customers, cached", emails[:500]),
                            ("right after a write: random, index rebuilding", emails)):
            if label.startswith("hot"):  # warm the cache: every customer of the pool once
                asyncio.run(_lookups(port, key, 10, len(pool), list(pool), time.monotonic() + 60,
                                     in_order=True))
            if label.startswith("right after"):  # an identify call writes identities:
                asyncio.run(_identify(port, key, people))  # the server's index is stale
            wall, lat, bad = asyncio.run(_lookups(port, key, 50, lookups, pool,
                                                  time.monotonic() + 60))
            rows.append({"benchmark": f"lookup GET /v1/customers?email ({label}), 50 clients",
                         "idic_s": round(_pct(lat, .99), 4), "goal": "p99 (idic_s) < 0.050",
                         "baseline": "in-process lookup(), serial, p99",
                         "baseline_s": round(_pct(inproc, .99), 4),
                         "ratio": round(_pct(lat, .99) / _pct(inproc, .99), 2),
                         "requests": len(lat), "errors": bad,
                         "requests_per_s": round(len(lat) / wall),
                         "p50_ms": round(_pct(lat, .5) * 1e3, 1),
                         "p99_ms": round(_pct(lat, .99) * 1e3, 1)})
        return rows
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
