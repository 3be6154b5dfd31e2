"""Collection: Segment bodies, same validation/quarantine/idempotency as files, gzip, limits."""

from __future__ import annotations

import gzip
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.api.conftest import auth

from idic.workspace import Workspace


def _msg(i: int, **kw) -> dict:
    return {"type": "track", "messageId": f"c-{i}", "userId": "W2", "event": "Viewed",
            "timestamp": "2024-05-01T10:00:00Z", **kw}


def test_batch_contract_and_idempotency(client, keys, ws_path) -> None:
    h = auth(keys["collector"])
    body = {"batch": [_msg(1), _msg(2), {"type": "bogus", "messageId": "c-3",
                                         "timestamp": "2024-05-01T10:00:00Z"}, _msg(1)]}
    r = client.post("/v1/batch", json=body, headers=h)
    assert r.status_code == 200
    d = r.json()
    assert {k: d[k] for k in ("accepted", "quarantined", "duplicates")} == \
        {"accepted": 2, "quarantined": 1, "duplicates": 1}
    again = client.post("/v1/batch", json=body, headers=h).json()
    assert (again["accepted"], again["quarantined"], again["duplicates"]) == (0, 1, 3)
    identify = {"userId": "N1", "messageId": "c-id", "timestamp": "2024-05-01T10:00:00Z",
                "traits": {"email": "New.Person@Example.com", "firstName": "New"}}
    assert client.post("/v1/identify", json=identify, headers=h).json()["accepted"] == 1
    client.app.state.idic.collector.flush()
    with client.app.state.idic.gate.use() as ws:
        ev = ws.table("events").to_pandas().set_index("message_id")
        ids = ws.table("identities").to_pandas()
        q = ws.table("quarantine").to_pandas()
    assert {"c-1", "c-2", "c-id"} <= set(ev.index) and ev.loc["c-id", "type"] == "identify"
    assert "new.person@example.com" in set(ids.email)
    assert (q.value == "bogus").sum() == 1  # a re-sent bad row is not quarantined twice
    # the spool is empty once ingested
    assert not list((ws_path / "spool" / "incoming").glob("*.jsonl"))


def test_gzip_body_and_batch_context(client, keys) -> None:
    body = {"batch": [_msg(10)], "context": {"library": {"name": "test"}}}
    r = client.post("/v1/batch", content=gzip.compress(json.dumps(body).encode()),
                    headers={**auth(keys["marketer"]), "Content-Encoding": "gzip",
                             "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["accepted"] == 1
    with client.app.state.idic.gate.use() as ws:
        e = ws.table("events")
        ctx = e.filter(e.message_id == "c-10").context.to_pandas().iloc[0]
    assert json.loads(ctx)["library"]["name"] == "test"


def test_bad_bodies_are_4xx(client, keys) -> None:
    h = auth(keys["collector"])
    assert client.post("/v1/batch", content=b"{not json", headers={
        **h, "Content-Type": "application/json"}).status_code == 422
    assert client.post("/v1/batch", json={"nobatch": []}, headers=h).status_code == 422
    assert client.post("/v1/batch", json={"batch": ["x"]}, headers=h).status_code == 422
    assert client.post("/v1/batch", json={"batch": []}, headers=h).json()["received"] == 0
    big = {"batch": [_msg(i) for i in range(5001)]}
    assert client.post("/v1/batch", json=big, headers=h).status_code == 413
    heavy = {"batch": [_msg(1, properties={"blob": "x" * 600_000})]}
    assert client.post("/v1/batch", json=heavy, headers=h).status_code == 413


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=3),
    max_leaves=8)
messages = st.fixed_dictionaries(
    {}, optional={"type": st.sampled_from(["track", "identify", "page", "alias", "x", ""]),
                  "messageId": st.text(max_size=10), "userId": st.text(max_size=10),
                  "anonymousId": st.text(max_size=10),
                  "timestamp": st.sampled_from(["2024-05-01T10:00:00Z", "yesterday", ""]),
                  "event": st.text(max_size=10), "properties": st.dictionaries(
                      st.text(max_size=6), json_values, max_size=3),
                  "traits": st.dictionaries(st.sampled_from(["email", "phone", "x"]),
                                            json_values, max_size=3)})


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(batch=st.lists(messages, min_size=1, max_size=6))
def test_any_segment_like_body_is_accounted_for(client, keys, batch) -> None:
    r = client.post("/v1/batch", json={"batch": batch}, headers=auth(keys["collector"]))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["received"] == len(batch)
    assert d["accepted"] + d["quarantined"] + d["duplicates"] == d["received"]


def test_workspace_is_released_when_idle(client, keys, ws_path) -> None:
    import time

    client.post("/v1/batch", json={"batch": [_msg(99)]}, headers=auth(keys["collector"]))
    deadline = time.monotonic() + 5
    while client.app.state.idic.gate.is_open and time.monotonic() < deadline:
        time.sleep(0.05)
    with Workspace.open(ws_path) as ws:  # another "process" may open it now: no lock error
        assert ws.engine.count("events") >= 1


def test_spool_left_by_a_crash_is_ingested_on_start(ws_path, keys) -> None:
    from tests.api.conftest import TestClient

    from idic.api import create_app
    from idic.service.collector import write_spool

    write_spool(ws_path, [_msg(500), _msg(501)])  # acknowledged, then the process died
    (ws_path / "spool" / "incoming" / "x.jsonl.tmp").write_text("{half")  # never acked
    with TestClient(create_app(ws_path)) as c, c.app.state.idic.gate.use() as ws:
        e = ws.table("events")
        got = set(e.filter(e.message_id.isin(["c-500", "c-501"])).message_id.to_pyarrow()
                  .to_pylist())
    assert got == {"c-500", "c-501"}
    assert not list((ws_path / "spool" / "incoming").iterdir())


# -- hostile messages: each one is quarantined alone, never failing its neighbours ----------
SURROGATE = (b'{"type":"track","messageId":"sur-1","event":"S\\ud800","userId":"W2",'
             b'"timestamp":"2024-05-01T10:00:00Z"}')


def _raw_batch(*messages: bytes) -> bytes:
    return b'{"batch":[' + b",".join(messages) + b"]}"


def _events(client, prefix: str) -> dict[str, dict]:
    with client.app.state.idic.gate.use() as ws:
        e = ws.table("events")
        rows = e.filter(e.message_id.startswith(prefix)).to_pyarrow().to_pylist()
    return {r["message_id"]: r for r in rows}


def _quarantined(client, message_id: str) -> list[dict]:
    with client.app.state.idic.gate.use() as ws:
        q = ws.table("quarantine")
        rows = q.filter(q.record.contains(message_id)).to_pyarrow().to_pylist()
    return rows


def test_lone_surrogate_nan_and_nul_are_judged_one_by_one(client, keys) -> None:
    good = json.dumps(_msg(1, messageId="sur-ok")).encode()
    nan = b'{"type":"track","messageId":"sur-nan","properties":{"x":NaN},"userId":"W2",' \
          b'"timestamp":"2024-05-01T10:00:00Z"}'
    nul = json.dumps(_msg(1, messageId="sur-nul", event="a\x00b",
                          properties={"k\x00": "v\x00"})).encode()
    r = client.post("/v1/batch", content=_raw_batch(SURROGATE, good, nan, nul),
                    headers={**auth(keys["collector"]), "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 4, "accepted": 2, "quarantined": 2, "duplicates": 0,
                        "pending": False}
    ev = _events(client, "sur-")
    assert set(ev) == {"sur-ok", "sur-nul"}
    assert ev["sur-nul"]["event"] == "a\x00b"  # stored as sent (NUL is valid JSON text)
    assert json.loads(ev["sur-nul"]["properties"]) == {"k\x00": "v\x00"}
    (q,) = _quarantined(client, "sur-1")
    assert q["reason"].startswith("a lone UTF-16 surrogate") and q["column"] == "message"
    # kept whole, as JSON any reader accepts: the surrogate spelled out as six characters
    assert json.loads(q["record"])["event"] == "S\\ud800"
    (q,) = _quarantined(client, "sur-nan")
    assert q["reason"] == "NaN or Infinity is not a JSON number"
    # re-sent: counted as quarantined again, stored once
    again = client.post("/v1/batch", content=_raw_batch(SURROGATE),
                        headers={**auth(keys["collector"]), "Content-Type": "application/json"})
    assert again.json()["quarantined"] == 1 and len(_quarantined(client, "sur-1")) == 1


def test_deep_nesting_is_refused_alone(client, keys) -> None:
    deep: object = "x"
    for _ in range(70):
        deep = {"a": deep}
    body = {"batch": [_msg(1, messageId="deep-1", properties=deep),
                      _msg(1, messageId="deep-ok")]}
    d = client.post("/v1/batch", json=body, headers=auth(keys["collector"])).json()
    assert (d["received"], d["accepted"], d["quarantined"]) == (2, 1, 1)
    assert set(_events(client, "deep-")) == {"deep-ok"}
    assert _quarantined(client, "deep-1")[0]["reason"] == "nested deeper than 64 levels"


def test_a_batch_key_inside_a_message_is_not_expanded(client, keys) -> None:
    h = auth(keys["collector"])
    empty = client.post("/v1/batch", json={"batch": [_msg(1, messageId="nest-0", batch=[])]},
                        headers=h).json()
    assert (empty["received"], empty["accepted"]) == (1, 1)
    inner = [{"type": "track", "messageId": f"smuggled-{i}", "userId": "W2",
              "timestamp": "2024-05-01"} for i in range(6000)]  # 6,000 > max_messages
    r = client.post("/v1/batch", json={"batch": [_msg(1, messageId="nest-1", batch=inner)]},
                    headers=h)
    assert (r.json()["received"], r.json()["accepted"]) == (1, 1)
    assert set(_events(client, "nest-")) == {"nest-0", "nest-1"}  # stored: the message itself
    assert _events(client, "smuggled-") == {}  # and nothing it carried


def test_body_limits_hold_while_streaming(client, keys) -> None:
    h = {**auth(keys["collector"]), "Content-Type": "application/json"}

    def chunks(n: int):  # no Content-Length: a chunked upload
        yield b'{"batch":[{"type":"track","event":"'
        for _ in range(n):
            yield b"x" * 100_000
        yield b'"}]}'

    r = client.post("/v1/batch", content=chunks(100), headers=h)
    assert r.status_code == 413 and "512000 bytes" in r.json()["detail"]
    bomb = gzip.compress(b'{"batch":[' + b" " * 20_000_000 + b"]}")  # 20 KB -> 20 MB
    assert len(bomb) < 100_000
    r = client.post("/v1/batch", content=bomb, headers={**h, "Content-Encoding": "gzip"})
    assert r.status_code == 413 and "inflated" in r.json()["detail"]
    r = client.post("/v1/batch", content=b"\x1f\x8bnot gzip",
                    headers={**h, "Content-Encoding": "gzip"})
    assert r.status_code == 400
    # other routes have their own (larger) limit, also counted while streaming
    r = client.post("/v1/consents", content=chunks(100), headers=auth(keys["admin"]))
    assert r.status_code == 413 and "8000000 bytes" in r.json()["detail"]
    ok = client.post("/v1/batch", content=chunks(4), headers=h)  # 400 KB: under the limit
    assert ok.status_code == 200 and ok.json()["received"] == 1


def test_recovery_quarantines_a_bad_line_and_sets_aside_a_bad_file(ws_path, caplog) -> None:
    """A spool left by an older version (lines as json.dumps wrote them, surrogates escaped)
    and a request whose load fails: start-up goes on, nothing else is lost."""
    from tests.api.conftest import TestClient

    from idic.api import create_app
    from idic.service import collector

    inc = ws_path / "spool" / "incoming"
    inc.mkdir(parents=True)
    good = [json.dumps(_msg(i, messageId=f"rec-{i}")) for i in range(3)]
    (inc / "00000000000000000001-aaaaaaaa.jsonl").write_text(
        "\n".join([good[0], SURROGATE.decode(), good[1]]) + "\n")
    (inc / "00000000000000000002-bbbbbbbb.jsonl").write_text(good[2] + "\n")
    real = collector._ingest_group

    def fails_on_b(ws, entries, source):
        if any(e.name.endswith("bbbbbbbb") for e in entries):
            raise RuntimeError("disk trouble in /secret/path")
        return real(ws, entries, source)

    collector._ingest_group = fails_on_b
    try:
        with TestClient(create_app(ws_path)) as c:
            assert set(_events(c, "rec-")) == {"rec-0", "rec-1"}
            (q,) = _quarantined(c, "sur-1")
            assert q["reason"].startswith("unreadable by the JSON reader")
    finally:
        collector._ingest_group = real
    assert not list(inc.iterdir())
    assert [p.name for p in (ws_path / "spool" / "failed").iterdir()] == \
        ["00000000000000000002-bbbbbbbb.jsonl"]
    assert "moved to" in caplog.text and "/secret/path" not in caplog.text


def test_a_request_that_cannot_be_ingested_alone_fails_alone(client, keys, ws_path,
                                                             monkeypatch) -> None:
    """Its neighbours in the same group commit are answered normally; its own answer holds
    no path or internal error text; its files are kept in spool/failed for an operator."""
    import threading

    from idic.service import collector

    real = collector._ingest_group

    def poisoned(ws, entries, source):
        for e in entries:
            if any(b"poison" in line for line in collector.read_lines(e)):
                raise RuntimeError(f"boom in {e.messages}")
        return real(ws, entries, source)

    monkeypatch.setattr(collector, "_ingest_group", poisoned)
    h = auth(keys["collector"])
    answers: dict[str, object] = {}
    start = threading.Barrier(4)

    def send(name: str) -> None:
        start.wait()
        r = client.post("/v1/batch", json={"batch": [_msg(1, messageId=f"iso-{name}")]},
                        headers=h)
        answers[name] = (r.status_code, r.json())

    names = ["poison", "a", "b", "c"]
    threads = [threading.Thread(target=send, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    status, body = answers.pop("poison")
    assert status == 500 and "spool" not in body["detail"] and "/" not in body["detail"]
    assert all(s == 200 and b["accepted"] == 1 for s, b in answers.values()), answers
    assert set(_events(client, "iso-")) == {"iso-a", "iso-b", "iso-c"}
    (failed,) = (ws_path / "spool" / "failed").iterdir()
    assert b"iso-poison" in failed.read_bytes()


def test_group_calls_collected_over_http_make_accounts(client, keys) -> None:
    """A tracker's ``group`` call names the contact's company: an ``accounts`` row, as from a
    file (issue 12 item 6)."""
    h = auth(keys["collector"])
    group = {"type": "group", "messageId": "g-1", "userId": "W2", "groupId": "ACME-1",
             "timestamp": "2024-05-01T10:00:00Z",
             "traits": {"name": "Acme Ltd", "domain": "https://www.Acme.com/", "industry":
                        "retail", "employees": "120"}}
    r = client.post("/v1/batch", json={"batch": [group, {**group, "messageId": "g-2"}]},
                    headers=h)
    assert r.status_code == 200 and r.json()["accepted"] == 2
    client.app.state.idic.collector.flush()
    with client.app.state.idic.gate.use() as ws:
        acc = ws.table("accounts").to_pandas()
    assert acc.account_id.tolist() == ["ACME-1"]  # one account, however often it is named
    assert (acc.name.iloc[0], acc.domain.iloc[0]) == ("Acme Ltd", "acme.com")
