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
