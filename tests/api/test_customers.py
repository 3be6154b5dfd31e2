"""Customer 360 and lookup: contract, least privilege, consent-aware masking, pagination."""

from __future__ import annotations

from tests.api.conftest import auth
from tests.privacy.fixtures import ANN, BOB


def test_lookup_contract_and_analyst_sees_no_pii(client, keys) -> None:
    r = client.get("/v1/customers", params={"email": ANN}, headers=auth(keys["admin"]))
    assert r.status_code == 200
    rows = r.json()["customers"]
    assert [c["customer_id"] for c in rows] == ["C-ann"] and rows[0]["email"] == ANN
    a = client.get("/v1/customers", params={"email": ANN.upper()}, headers=auth(keys["analyst"]))
    rows = a.json()["customers"]
    assert [c["customer_id"] for c in rows] == ["C-ann"]
    assert ANN not in a.text and "Lee" not in a.text and "+4477" not in a.text
    assert not rows[0].get("email")


def test_profile_sections_and_role_masking(client, keys) -> None:
    full = client.get("/v1/customers/C-ann", headers=auth(keys["privacy"])).json()
    assert full["golden"]["email"] == ANN
    assert {(i["source"], i["source_record_id"]) for i in full["identities"]} == \
        {("web", "W1"), ("store", "S9")}
    assert set(full["value"]) == {"rfm", "abc", "value", "clv"}
    assert "audiences" in full["segments"]
    assert {o["order_id"] for o in full["orders"]} == {"O1", "O2"}
    assert [c["case_id"] for c in full["cases"]] == ["C1"]
    assert {e["message_id"] for e in full["recent_events"]} == {"e1", "e2"}
    cur = {c["purpose"]: c["status"] for c in full["consents"]["current"]}
    assert cur == {"email_marketing": "withdrawn", "profiling": "granted"}
    assert len(full["consents"]["history"]) == 3

    analyst = client.get("/v1/customers/C-ann", headers=auth(keys["analyst"]))
    for pii in (ANN, "Ann", "Lee", "High Street", "1985-04-12", "+447700900123", "@annlee"):
        assert pii not in analyst.text, pii
    assert analyst.json()["value"]["clv"]["clv"] == 100.0  # analytics still work
    ids = analyst.json()["identities"]
    assert all(i["source_record_id"].startswith("p_") for i in ids)  # pseudonyms, stable:
    again = client.get("/v1/customers/C-ann", headers=auth(keys["analyst"])).json()
    assert again["identities"] == ids

    # marketer: Ann withdrew e-mail marketing -> no e-mail; Bob granted -> e-mail visible
    m_ann = client.get("/v1/customers/C-ann", headers=auth(keys["marketer"])).json()
    assert m_ann["golden"]["email"] is None and m_ann["golden"]["first_name"] == "Ann"
    assert "birth_date" not in m_ann["golden"] and "address" not in str(m_ann["identities"])
    m_bob = client.get("/v1/customers/C-bob", headers=auth(keys["marketer"])).json()
    assert m_bob["golden"]["email"] == BOB


def test_unknown_customer_is_404(client, keys) -> None:
    r = client.get("/v1/customers/nobody", headers=auth(keys["admin"]))
    assert r.status_code == 404


def test_list_pagination_and_filters(client, keys) -> None:
    h = auth(keys["admin"])
    page1 = client.get("/v1/customers", params={"limit": 1}, headers=h).json()
    page2 = client.get("/v1/customers", params={"limit": 1, "offset": 1}, headers=h).json()
    assert page1["total"] == 2 and len(page1["customers"]) == 1
    assert page1["customers"][0]["customer_id"] != page2["customers"][0]["customer_id"]
    assert client.get("/v1/customers", params={"country": "FR"}, headers=h).json()["total"] == 0
    by_rec = client.get("/v1/customers", params={"source": "store", "source_record_id": "S9"},
                        headers=h).json()
    assert [c["customer_id"] for c in by_rec["customers"]] == ["C-ann"]
    assert client.get("/v1/customers", params={"limit": 0}, headers=h).status_code == 422


def test_consents_post_and_current_state(client, keys) -> None:
    h = auth(keys["marketer"])
    r = client.post("/v1/consents", json={"customer_id": "C-ann", "purpose": "email_marketing",
                                          "status": "granted", "proof": "re-opt-in-42",
                                          "recorded_at": "2024-09-01T00:00:00Z"}, headers=h)
    assert r.json()["accepted"] == 1
    r = client.post("/v1/consents", json={"consents": [
        {"source": "web", "source_customer_id": "W1", "purpose": "personalisation",
         "status": "withdrawn", "recorded_at": "2024-09-02T00:00:00Z"},
        {"source": "web", "source_customer_id": "W1", "purpose": "profiling",
         "status": "maybe"}]}, headers=h)
    assert r.status_code == 422  # status is validated at the edge
    r = client.post("/v1/consents", json={"purpose": "profiling", "status": "granted"},
                    headers=h)
    assert r.status_code == 400
    c = client.get("/v1/customers/C-ann/consents", headers=h).json()
    cur = {x["purpose"]: (x["status"], x["proof"]) for x in c["current"]}
    assert cur["email_marketing"] == ("granted", "re-opt-in-42")  # newest wins
    assert len(c["history"]) == 4  # history kept
    # the marketer now sees Ann's e-mail: consent is enforced, not just stored
    m_ann = client.get("/v1/customers/C-ann", headers=h).json()
    assert m_ann["golden"]["email"] == ANN


def test_control_characters_and_quotes_are_4xx_not_500(client, keys) -> None:
    h = auth(keys["admin"])
    assert client.get("/v1/customers/a%00b", headers=h).status_code == 422
    assert client.get("/v1/customers", params={"email": "a\x00b"}, headers=h).status_code == 422
    assert client.get("/v1/customers", params={"country": "'"}, headers=h).status_code == 200
    assert client.get("/v1/customers/o'brien", headers=h).status_code == 404
    r = client.post("/v1/privacy/export", json={"email": "x\x00@y"}, headers=auth(keys["privacy"]))
    assert r.status_code == 422
    r = client.post("/v1/privacy/export", json={"email": "o'brien@example.com"},
                    headers=auth(keys["privacy"]))
    assert r.status_code == 404 and "no data held" in r.json()["detail"]  # quoted, not found
