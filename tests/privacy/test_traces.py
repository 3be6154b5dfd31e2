"""No traces after erasure, and tombstones without gaps (issue 11, section 4)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tests.privacy.fixtures import ANN, fresh
from typer.testing import CliRunner

from idic.cli.main import app
from idic.privacy.consent import record_consents
from idic.privacy.dsr import erase_subject
from idic.privacy.tombstones import REASON
from idic.workspace import Workspace

runner = CliRunner()


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return fresh(tmp_path / "ws")


def test_exports_inside_the_workspace_are_swept(ws_path: Path) -> None:
    """``idic value rfm -o`` keys rows by the bare record id; gzip exports are read too."""
    out = ws_path / "exports" / "rfm.csv"
    r = runner.invoke(app, ["value", "rfm", str(ws_path / "demo-data" / "orders.csv"),
                            "--customer-col", "source_customer_id", "--date-col", "ordered_at",
                            "--amount-col", "amount", "--as-of", "2024-06-30", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert [ln.split(",")[0] for ln in out.read_text().splitlines()[1:]] == ["S9", "W1", "W2"]
    gz = ws_path / "exports" / "orders.csv.gz"
    gz.write_bytes(gzip.compress((ws_path / "demo-data" / "orders.csv").read_bytes()))
    (ws_path / "exports" / "notes.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    with Workspace.open(ws_path) as ws:
        receipt = erase_subject(ws, email=ANN)
    left = [ln.split(",")[0] for ln in out.read_text().splitlines()[1:]]
    assert left == ["W2"]  # her two records' rows are gone, Bob's is kept
    assert receipt["files"]["exports/rfm.csv"] == 2
    assert receipt["files"]["exports/orders.csv.gz"] == 2
    assert [ln.split(",")[0] for ln in gzip.decompress(gz.read_bytes()).decode().splitlines()] \
        == ["order_id", "O3"]
    assert {"file": "exports/notes.xlsx", "reason": "not a format idic can read (binary): "
            "check it by hand or delete it"} in receipt["files_not_swept"]


def test_identify_with_a_new_user_id_and_her_email_is_refused(ws_path: Path,
                                                              tmp_path: Path) -> None:
    with Workspace.open(ws_path) as ws:
        erase_subject(ws, email=ANN)
        seg = tmp_path / "again.json"
        seg.write_text(json.dumps({"batch": [
            {"type": "identify", "messageId": "n1", "userId": "W-NEW",
             "timestamp": "2024-07-01T00:00:00Z",
             "traits": {"email": " Ann.Lee@Example.com", "firstName": "Ann"}},
            {"type": "track", "messageId": "n2", "userId": "W-NEW", "event": "X",
             "timestamp": "2024-07-01T00:00:01Z", "properties": {"phone": "+447700900123"}},
            {"type": "identify", "messageId": "n3", "userId": "W-OK",
             "timestamp": "2024-07-01T00:00:00Z", "traits": {"email": "joann.lee@example.com"}},
        ]}))
        r = ws.ingest("segment", seg, source="web")
        assert (r.received, r.accepted, r.quarantined) == (3, 1, 2)
        ev = ws.table("events").to_pandas()
        q = ws.table("quarantine").to_pandas()
        ids = ws.table("identities").to_pandas()
    assert "n1" not in set(ev.message_id) and "n2" not in set(ev.message_id)
    assert "n3" in set(ev.message_id)
    assert (q.reason == REASON).sum() == 3 and q[q.reason == REASON].record.isna().all()
    assert ev.properties.str.contains('"Ann"').sum() == 0  # her first name came with n1
    assert set(ids.email) == {"bob.stone@example.com", "joann.lee@example.com"}


def test_consent_for_an_erased_customer_id_is_refused(ws_path: Path) -> None:
    with Workspace.open(ws_path) as ws:
        erase_subject(ws, email=ANN)
        r = record_consents(ws, [
            {"source": "idic", "source_customer_id": "C-ann", "purpose": "profiling",
             "status": "granted", "proof": "api"},
            {"source": "idic", "source_customer_id": "C-bob", "purpose": "profiling",
             "status": "granted", "proof": "api"}])
        assert (r.received, r.accepted, r.quarantined) == (2, 1, 1)
        cons = ws.table("consents").to_pandas()
    assert "C-ann" not in set(cons.source_customer_id)
