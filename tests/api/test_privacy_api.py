"""Data-subject rights over HTTP: export completeness, erasure everywhere, tombstones, audit."""

from __future__ import annotations

from tests.api.conftest import auth
from tests.privacy.fixtures import ANN, BOB, scan_for
from typer.testing import CliRunner

from idic.cli.core import export_cmd


def test_export_then_erasure_contract(client, keys, ws_path, tmp_path) -> None:
    hp = auth(keys["privacy"])
    ex = client.post("/v1/privacy/export", json={"email": ANN}, headers=hp)
    assert ex.status_code == 200
    exported = ex.json()
    assert exported["subject"]["customer_ids"] and "C-ann" in exported["subject"]["customer_ids"]
    assert {"identities", "orders", "events", "cases", "consents", "customers", "rfm", "clv",
            "identity_map", "identity_links", "referrals", "social",
            "quarantine"} <= set(exported["tables"])

    er = client.post("/v1/privacy/erasure", json={"email": ANN}, headers=hp)
    assert er.status_code == 200
    receipt = er.json()
    assert receipt["request_id"].startswith("er_") and receipt["compacted"] is True
    assert ANN not in er.text  # the receipt holds no personal data
    # export is complete: everything erased had been exported, table by table
    # (link rows are exported and, for the other person's sake, unlinked rather than removed)
    removed_or_unlinked = {**receipt["tables"], **receipt["unlinked"]}
    assert removed_or_unlinked == exported["counts"]

    h = auth(keys["admin"])
    assert client.get("/v1/customers", params={"email": ANN}, headers=h).json()["customers"] == []
    assert client.get("/v1/customers/C-ann", headers=h).status_code == 404
    assert client.get("/v1/customers/C-bob", headers=h).json()["golden"]["email"] == BOB

    # re-sending Ann's identify does not recreate her
    r = client.post("/v1/identify", json={"userId": "W1", "messageId": "again-1",
                                          "traits": {"email": ANN},
                                          "timestamp": "2024-07-01T00:00:00Z"},
                    headers=auth(keys["collector"]))
    assert r.json()["quarantined"] == 1 and r.json()["accepted"] == 0
    assert client.get("/v1/customers", params={"email": ANN}, headers=h).json()["customers"] == []

    audit = client.get("/v1/audit", params={"action": "dsr_erasure"}, headers=h)
    entries = audit.json()["entries"]
    assert entries and entries[0]["target"] == receipt["request_id"]
    assert entries[0]["role"] == "privacy"
    client.app.state.idic.gate.exclusive_close()  # let this process's CLI read the file
    full = client.get("/v1/audit", params={"limit": 1000}, headers=h)
    assert ANN not in full.text and ANN.split("@")[0] not in full.text

    client.app.state.idic.collector.flush()
    client.app.state.idic.gate.exclusive_close()
    assert scan_for(ws_path, ANN) == []  # every string column of every table, every file
    # `idic export` of any table contains no trace of her
    runner = CliRunner()
    for table in ("identities", "events", "quarantine", "customers", "consents", "audit_log"):
        out = tmp_path / f"{table}.csv"
        res = runner.invoke(_export_app(), [table, "-o", str(out),
                                            "--workspace", str(ws_path)])
        assert res.exit_code == 0, res.output
        assert ANN not in out.read_text().lower()


def _export_app():
    import typer

    app = typer.Typer()
    app.command()(export_cmd)
    return app


def test_erasure_refuses_partial_identifiers_and_dry_run_changes_nothing(client, keys,
                                                                         ws_path) -> None:
    hp = auth(keys["privacy"])
    for body in ({"phone": "1"}, {"email": "_"}, {"email": "%"}, {"phone": "+44"},
                 {"source": "web"}, {}):
        r = client.post("/v1/privacy/erasure", json=body, headers=hp)
        assert r.status_code == 422, (body, r.text)
        assert client.post("/v1/privacy/export", json=body, headers=hp).status_code == 422
    h = auth(keys["admin"])
    assert client.get("/v1/customers/C-ann", headers=h).status_code == 200
    plan = client.post("/v1/privacy/erasure", json={"email": ANN, "dry_run": True}, headers=hp)
    assert plan.status_code == 200 and plan.json()["dry_run"] is True
    assert plan.json()["tables"]["orders"] == 2 and plan.json()["request_id"] is None
    assert client.get("/v1/customers/C-ann", headers=h).status_code == 200  # still there
    nobody = client.post("/v1/privacy/erasure", json={"email": "nobody@example.com"},
                         headers=hp)
    assert nobody.status_code == 404
    done = client.post("/v1/privacy/erasure", json={"email": ANN}, headers=hp).json()
    assert done["tables"] == plan.json()["tables"]
    # a consent posted for her erased customer id is refused, Bob's accepted
    r = client.post("/v1/consents", json={"consents": [
        {"customer_id": "C-ann", "purpose": "profiling", "status": "granted", "proof": "x"},
        {"customer_id": "C-bob", "purpose": "profiling", "status": "granted", "proof": "x"}]},
        headers=auth(keys["admin"]))
    assert r.status_code == 200 and (r.json()["accepted"], r.json()["quarantined"]) == (1, 1)
    ex = client.post("/v1/privacy/export", json={"email": BOB}, headers=hp)
    audit = client.get("/v1/audit", params={"action": "dsr_export"}, headers=h).json()
    assert audit["entries"][0]["target"] == ex.json()["request_id"]
