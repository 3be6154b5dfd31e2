"""Fuzz ``POST /v1/batch`` on a real server with concurrent clients (hypothesis).

Lone surrogates, NUL, NaN, nested ``batch`` / ``type`` keys, huge strings, deep nesting.
For every answer: received = accepted + quarantined + duplicates. Every accepted message is
stored exactly once and unchanged; the server stays up, and restarts after a crash.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.api.server import Server
from tests.privacy.fixtures import fresh

from idic.privacy.keys import create_key
from idic.service.access import open_workspace

TS = "2024-05-01T10:00:00Z"
LIMIT = 512_000  # ApiSettings.max_body_bytes
_ids = count()

odd = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF, categories=None)
text = st.one_of(
    st.text(max_size=12),
    st.text(odd, max_size=6),  # any code point, lone surrogates included
    st.sampled_from(["S\ud800", "\udfff", "\x00", "a\x00b", " padded ", "", "é😀\u2028"]),
)
scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | text
           | st.floats(allow_nan=True, allow_infinity=True))
values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=3)
                      | st.dictionaries(text, kids, max_size=3), max_leaves=10)


def _nest(depth: int) -> Any:
    v: Any = "leaf"
    for _ in range(depth):
        v = {"n": v}
    return v


inner = st.fixed_dictionaries({"type": st.sampled_from(["track", "identify"]),
                               "event": text, "timestamp": st.just(TS)})
message = st.fixed_dictionaries(
    {"type": st.sampled_from(["track", "track", "page", "identify", "group", "bogus", None]),
     "event": text, "userId": st.sampled_from(["W2", "W1", "", "\ud800"]) | text,
     "timestamp": st.sampled_from([TS, TS, "yesterday", ""]),
     "suffix": st.sampled_from(["", "", "", "\ud800", "\x00"])},
    optional={"properties": st.dictionaries(text, values, max_size=4)
              | st.fixed_dictionaries({"type": st.just("identify"),
                                       "batch": st.lists(inner, max_size=2)}),
              "context": st.dictionaries(text, values, max_size=3),
              "batch": st.lists(inner, max_size=3),
              "groupId": st.sampled_from(["ACME", " acme ", ""]) | text,
              "traits": st.dictionaries(st.sampled_from(["name", "domain", "size"]) | text,
                                        values, max_size=3),
              "deep": st.integers(1, 90).map(_nest),
              "huge": st.integers(0, 600_000).map("h".__mul__)})


def _finish(m: dict[str, Any]) -> dict[str, Any]:
    m = dict(m)
    m["messageId"] = f"fz-{next(_ids)}{m.pop('suffix')}"
    return m


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    ws = fresh(tmp_path_factory.mktemp("fuzz") / "ws")
    key = create_key(ws, "collector")["key"]
    srv = Server(ws).start()
    state = {"srv": srv, "ws": ws, "key": key, "accepted": 0, "examples": 0}
    try:
        yield state
    finally:
        state["srv"].stop()


def _post(url: str, key: str, batch: list[dict]) -> tuple[int, dict, int]:
    body = json.dumps({"batch": batch}).encode()  # lone surrogates go as \\ud800 escapes
    r = httpx.post(url + "/v1/batch", content=body, timeout=60,
                   headers={"Authorization": f"Bearer {key}",
                            "Content-Type": "application/json"})
    return r.status_code, r.json(), len(body)


def _stored(ws: Path) -> dict[str, list[dict]]:
    with open_workspace(ws, read_only=True, timeout=60) as w:
        e = w.table("events")
        rows = w.engine.to_arrow(e.filter(e.message_id.startswith("fz-")).select(
            "message_id", "event", "properties", "context")).to_pylist()
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["message_id"], []).append(r)
    return out


def _same(stored: dict, sent: dict) -> None:
    want_event = sent["event"].strip(" ") or None
    assert stored["event"] == want_event, (stored["event"], sent["event"])
    if sent["type"] in ("track", "page"):
        got = None if stored["properties"] is None else json.loads(stored["properties"])
        assert got == sent.get("properties"), (got, sent.get("properties"))
    got = None if stored["context"] is None else json.loads(stored["context"])
    assert got == sent.get("context")


def _equal_nan_free(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, dict):
        return all(_equal_nan_free(x) for x in v.values())
    if isinstance(v, list):
        return all(_equal_nan_free(x) for x in v)
    return True


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(clients=st.lists(st.lists(st.lists(message, min_size=1, max_size=6),
                                 min_size=1, max_size=2), min_size=1, max_size=4),
       resend=st.booleans())
def test_fuzz_batches_from_concurrent_clients(server, clients, resend) -> None:
    clients = [[[_finish(m) for m in b] for b in batches] for batches in clients]
    if resend:  # the same batch again, at the same time: duplicates or quarantined again
        clients.append([clients[0][0]])
    srv, key = server["srv"], server["key"]
    answers: list[tuple[list[dict], int, dict, int]] = []
    lock = threading.Lock()

    def run(batches: list[list[dict]]) -> None:
        for b in batches:
            status, d, size = _post(srv.url, key, b)
            with lock:
                answers.append((b, status, d, size))

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == sum(len(c) for c in clients)
    sent: dict[str, dict] = {}
    accepted = 0
    for batch, status, d, size in answers:
        if size > LIMIT:
            assert status == 413, (status, d)
            continue
        assert status == 200, (status, d)
        assert d["received"] == len(batch) and not d["pending"]
        assert d["received"] == d["accepted"] + d["quarantined"] + d["duplicates"], d
        accepted += d["accepted"]
        for m in batch:
            sent.setdefault(m["messageId"], m)
    stored = _stored(server["ws"])
    mine = {k: v for k, v in stored.items() if k in sent}
    assert all(len(v) == 1 for v in mine.values())  # stored exactly once
    assert len(mine) == accepted  # and every acknowledged acceptance is there
    for mid, (row,) in mine.items():
        assert _equal_nan_free(sent[mid].get("properties"))
        _same(row, sent[mid])
    too_big = {m["messageId"] for b, s, _, _ in answers if s == 413 for m in b}
    assert not (too_big - set(sent)) & set(stored)  # nothing of a refused body is kept
    server["accepted"] += accepted
    server["examples"] += 1


def test_after_the_fuzz_the_server_restarts_from_a_crash(server) -> None:
    """(Runs after the fuzz in this module.) SIGKILL, restart: all accepted still once."""
    assert server["examples"] > 0
    log = server["srv"].stderr()
    assert "Traceback" not in log and "could not be ingested" not in log, log[-3000:]
    server["srv"].kill()
    server["srv"] = Server(server["ws"]).start()
    assert httpx.get(server["srv"].url + "/v1/health").status_code == 200
    server["srv"].stop()
    stored = _stored(server["ws"])
    assert Counter(len(v) for v in stored.values()) == Counter({1: server["accepted"]})
    assert not list((server["ws"] / "spool" / "incoming").iterdir())
    assert not (server["ws"] / "spool" / "failed").exists()
