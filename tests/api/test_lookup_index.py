"""The API's in-memory lookup index: same answers as the database path, never stale."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.api.conftest import auth
from tests.privacy.fixtures import ANN, BOB, fresh

from idic.service import customers360 as svc
from idic.service.access import WorkspaceGate
from idic.service.lookup_index import LookupIndex, Snapshot

PROBES = [{"email": ANN}, {"email": ANN.upper()}, {"email": " " + BOB + " "},
          {"email": "nobody@example.com"}, {"phone": "+447700900123"},
          {"phone": "+447700900999"}, {"phone": "+440000000000"},
          {"email": ANN, "limit": 1, "offset": 1}, {"email": ANN, "limit": 1}]


@pytest.mark.parametrize("derived", [True, False], ids=["identified", "raw"])
def test_index_answers_exactly_like_the_database(tmp_path: Path, derived: bool) -> None:
    gate = WorkspaceGate(fresh(tmp_path / "ws", derived=derived))
    try:
        snap = Snapshot.build(gate, max_rows=1000)
        assert not snap.too_large
        with gate.use() as ws:
            for probe in PROBES:
                assert snap.lookup(**probe) == svc.lookup(ws, **probe), probe
            assert snap.lookup(email=ANN), "the fixture person is found"
    finally:
        gate.close()


def test_index_is_not_used_after_a_write_and_is_rebuilt(tmp_path: Path) -> None:
    gate = WorkspaceGate(fresh(tmp_path / "ws"))
    try:
        idx = LookupIndex(gate)
        idx.build_now()
        assert [r["customer_id"] for r in idx.find(email=ANN)] == ["C-ann"]
        with gate.use(write=True):
            pass  # any write (ingest, consent, erasure) bumps the generation
        assert idx.find(email=ANN) is None  # stale: the caller queries the database
        idx.build_now()
        assert idx.find(email=ANN) is not None
    finally:
        gate.close()


def test_large_workspaces_are_not_indexed(tmp_path: Path) -> None:
    gate = WorkspaceGate(fresh(tmp_path / "ws"))
    try:
        idx = LookupIndex(gate, max_rows=1)
        idx.build_now()
        assert idx.find(email=ANN) is None
    finally:
        gate.close()


def test_erased_person_is_unfindable_at_once_through_the_index(client, keys) -> None:
    st = client.app.state.idic
    st.lookups.build_now()
    h = auth(keys["admin"])
    assert st.lookups.find(email=ANN) is not None  # answered from the index
    r = client.get("/v1/customers", params={"email": ANN}, headers=h)
    assert [c["customer_id"] for c in r.json()["customers"]] == ["C-ann"]
    e = client.post("/v1/privacy/erasure", json={"email": ANN}, headers=auth(keys["privacy"]))
    assert e.status_code == 200
    for role in ("admin", "analyst", "privacy"):
        r = client.get("/v1/customers", params={"email": ANN}, headers=auth(keys[role]))
        assert r.status_code == 200 and r.json()["customers"] == [], role
    st.lookups.build_now()  # and the rebuilt index agrees
    assert st.lookups.find(email=ANN) == []
    assert [c["customer_id"] for c in st.lookups.find(email=BOB)] == ["C-bob"]


def test_index_lookups_are_masked_and_audited(client, keys) -> None:
    st = client.app.state.idic
    st.lookups.build_now()
    r = client.get("/v1/customers", params={"email": ANN}, headers=auth(keys["analyst"]))
    assert [c["customer_id"] for c in r.json()["customers"]] == ["C-ann"]
    assert ANN not in r.text and "Lee" not in r.text
    st.collector.flush()
    log = client.get("/v1/audit", params={"action": "lookup"}, headers=auth(keys["admin"]))
    assert any(e["role"] == "analyst" and e["target"].startswith("email:")
               for e in log.json()["entries"])


def test_lookup_query_is_validated_documented_and_checked_after_the_key(client, keys) -> None:
    h = auth(keys["admin"])
    for bad in ({"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"email": "a\x01b"},
                {"country": "GBR"}):
        r = client.get("/v1/customers", params=bad, headers=h)
        assert r.status_code == 422, bad
        assert r.json()["detail"][0]["loc"][0] == "query"
    assert client.get("/v1/customers", params={"limit": "0"}).status_code == 401
    op = client.get("/openapi.json").json()["paths"]["/v1/customers"]["get"]
    assert {p["name"] for p in op["parameters"] if p["in"] == "query"} == {
        "email", "phone", "source", "source_record_id", "country", "limit", "offset"}
    page = client.get("/v1/customers", params={"limit": "1", "offset": "1"}, headers=h).json()
    assert page["limit"] == 1 and page["offset"] == 1 and len(page["customers"]) == 1


def test_only_a_declared_events_only_write_spares_the_index(tmp_path: Path) -> None:
    gate = WorkspaceGate(fresh(tmp_path / "ws"), idle_seconds=60)  # no reopen meanwhile
    try:
        with gate.use():  # opening counts as a possible outside write
            pass
        g, ig = gate.generation, gate.identity_generation
        with gate.use(write=True):
            gate.identities_untouched()
        assert gate.generation > g and gate.identity_generation == ig
        with gate.use(write=True):  # the declaration covered the previous unit only
            pass
        assert gate.identity_generation > ig
    finally:
        gate.close()


def test_collected_events_keep_the_index_identify_calls_renew_it(client, keys) -> None:
    st = client.app.state.idic
    st.lookups.build_now()
    h = auth(keys["collector"])
    r = client.post("/v1/track", json={"userId": "W1", "event": "Viewed", "messageId": "t-1",
                                      "timestamp": "2024-06-01T10:00:00Z"}, headers=h)
    assert r.status_code == 200 and r.json()["accepted"] == 1
    assert st.lookups.find(email=ANN) is not None  # events only: still current
    r = client.post("/v1/identify", json={"userId": "W9", "messageId": "i-1",
                                         "timestamp": "2024-06-01T10:00:00Z",
                                         "traits": {"email": "new.person@example.com"}},
                    headers=h)
    assert r.status_code == 200
    assert st.lookups.find(email="new.person@example.com") is None  # stale: database path
    got = client.get("/v1/customers", params={"email": "new.person@example.com"},
                     headers=auth(keys["admin"])).json()["customers"]
    assert [c["customer_id"] for c in got] == ["web:W9"]
    st.lookups.build_now()
    assert [c["customer_id"] for c in st.lookups.find(email="new.person@example.com")] \
        == ["web:W9"]
