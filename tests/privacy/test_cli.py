"""``idic keys`` and ``idic privacy`` (Typer sub-apps, driven with CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.privacy.fixtures import ANN, fresh, scan_for
from typer.testing import CliRunner

from idic.cli.keys import app as keys_app
from idic.cli.privacy import app as privacy_app

runner = CliRunner()


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    ws = fresh(tmp_path / "ws", derived=False)
    r = runner.invoke(keys_app, ["create", "--role", "analyst", "--workspace", str(ws), "--json"])
    assert r.exit_code == 0, r.output
    key = json.loads(r.stdout)
    assert key["key"].startswith("idic_") and key["role"] == "analyst"
    listed = json.loads(runner.invoke(keys_app, ["list", "--workspace", str(ws), "--json"]).stdout)
    assert [k["key_id"] for k in listed["keys"]] == [key["key_id"]]
    assert key["key"] not in (ws / "api-keys.json").read_text()
    r = runner.invoke(keys_app, ["revoke", key["key_id"], "--workspace", str(ws), "--json"])
    assert json.loads(r.stdout)["revoked_at"]
    bad = runner.invoke(keys_app, ["create", "--role", "root", "--workspace", str(ws)])
    assert bad.exit_code == 2 and "unknown role" in bad.output
    gone = runner.invoke(keys_app, ["revoke", "nope", "--workspace", str(ws)])
    assert gone.exit_code == 3


def test_privacy_export_erase_consents_audit(tmp_path: Path) -> None:
    ws = fresh(tmp_path / "ws")
    out = tmp_path / "ann.json"
    r = runner.invoke(privacy_app, ["export", "--email", ANN, "--workspace", str(ws),
                                    "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text())["counts"]["orders"] == 2
    r = runner.invoke(privacy_app, ["consents", "C-ann", "--workspace", str(ws), "--json"])
    cur = {c["purpose"]: c["status"] for c in json.loads(r.stdout)["current"]}
    assert cur["email_marketing"] == "withdrawn"
    out.unlink()  # the export file is hers too
    r = runner.invoke(privacy_app, ["erase", "--email", ANN, "--workspace", str(ws), "--json"])
    assert r.exit_code == 0, r.output
    receipt = json.loads(r.stdout)
    assert receipt["compacted"] and receipt["tables"]["identities"] == 2
    assert scan_for(ws, ANN) == []
    r = runner.invoke(privacy_app, ["audit", "--workspace", str(ws), "--json"])
    actions = [e["action"] for e in json.loads(r.stdout)["entries"]]
    assert actions[:2] == ["dsr_erasure", "dsr_export"]
    none = runner.invoke(privacy_app, ["erase", "--workspace", str(ws)])
    assert none.exit_code == 2


def test_bulk_export_of_a_personal_table_is_audited(tmp_path: Path) -> None:
    from idic.cli.main import app

    ws = fresh(tmp_path / "ws", derived=False)
    r = runner.invoke(app, ["export", "identities", "-o", str(tmp_path / "ids.csv"),
                            "--workspace", str(ws)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(privacy_app, ["audit", "--workspace", str(ws), "--json"])
    top = json.loads(r.stdout)["entries"][0]
    assert (top["action"], top["target"]) == ("cli_export", "identities")
    assert top["detail"] == {"rows": 3, "file": "ids.csv"} and top["role"].startswith("cli:")
