"""Social handles are identifiers: erasure removes a person from the network tables, and the
customer 360 shows a stranger's record hashed to analysts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from idic.api.routes.customers import mask_profile
from idic.privacy.dsr import erase_subject
from idic.privacy.roles import workspace_secret
from idic.service.customers360 import profile
from idic.workspace import Workspace


@pytest.fixture
def ws(small_demo: Path, tmp_path: Path):
    w = Workspace.open(Path(shutil.copytree(small_demo, tmp_path / "ws")))
    yield w
    w.close()


def _count(ws, table: str, col: str, value: str) -> int:
    t = ws.table(table)
    return int(t.filter(t[col] == value).count().execute())


def test_erasure_removes_a_referrer_with_a_handle_from_network_tables(ws) -> None:
    m = ws.table("network_metrics")
    who = m.filter((m.referrals > 0) & (m.mentions > 0)).order_by(m.referrals.desc()).limit(1)
    row = who.to_pyarrow().to_pylist()[0]
    cid = row["customer_id"]
    e = ws.table("network_edges")
    referred = e.filter(e.from_customer_id == cid).to_pyarrow().column("to_customer_id")
    assert len(referred) == row["referrals"] > 0
    other = referred[0].as_py()
    receipt = erase_subject(ws, customer_id=cid, rebuild_report=False)
    assert receipt["tables"]["network_metrics"] == 1
    assert receipt["tables"]["customer_roles"] >= 2
    for table, col in (("network_metrics", "customer_id"), ("customer_roles", "customer_id"),
                       ("network_edges", "from_customer_id"),
                       ("network_edges", "to_customer_id")):
        assert _count(ws, table, col, cid) == 0, (table, col)
    # the people they referred keep their rows; the edge survives without the erased side
    assert _count(ws, "network_metrics", "customer_id", other) == 1
    assert _count(ws, "network_edges", "to_customer_id", other) == 1
    # rebuilding the stage keeps them out: their referrals and mentions are gone at the source
    from idic.interact.network import stage

    stage.run(ws)
    assert _count(ws, "network_metrics", "customer_id", cid) == 0
    assert _count(ws, "network_edges", "from_customer_id", cid) == 0


def test_360_shows_roles_and_referral_tree_masked_for_analysts(ws) -> None:
    m = ws.table("network_metrics")
    cid = m.filter(m.descendants > 1).order_by(m.customer_id).limit(1).to_pyarrow()[
        "customer_id"][0].as_py()
    p = profile(ws, cid)
    assert {r["role"] for r in p["segments"]["customer_roles"]} >= {"ambassador"}
    tree = p["referral_tree"]
    n = ws.table("network_metrics").filter(m.customer_id == cid).to_pyarrow()[
        "descendants"][0].as_py()
    assert len(tree) == n and tree[0]["depth"] == 1
    # a stranger in the tree is shown by record id: hashed for analysts like any identifier
    fake = {**tree[0], "customer_id": None, "source": "web", "source_record_id": "W-9999999"}
    p["referral_tree"] = [fake, *tree]
    masked = mask_profile(p, "analyst", workspace_secret(ws.path))
    assert masked["referral_tree"][0]["source_record_id"].startswith("p_")
    assert "W-9999999" not in str(masked)


def test_handles_are_masked_for_analysts_like_emails(ws) -> None:
    m = ws.table("network_metrics")
    cid = m.filter(m.mentions > 0).order_by(m.customer_id).limit(1).to_pyarrow()[
        "customer_id"][0].as_py()
    p = profile(ws, cid)
    handles = [r["social_handle"] for r in p["identities"] if r.get("social_handle")]
    assert handles
    secret = workspace_secret(ws.path)
    masked = mask_profile(p, "analyst", secret)
    shown = [r["social_handle"] for r in masked["identities"] if r.get("social_handle")]
    assert all(h.startswith("p_") for h in shown)
    assert not any(h in str(masked) for h in handles)
    emails = [r["email"] for r in masked["identities"] if "email" in r]
    assert all(e is None or not str(e).count("@") for e in emails)
    assert mask_profile(p, "admin", secret)["identities"] == p["identities"]
