"""The CLI contract on the demo: audiences create/list/export, campaigns, export
campaign_members; every exported customer checked against the raw consent file."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from idic.cli.main import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def demo(small_demo, tmp_path_factory) -> Path:
    return Path(shutil.copytree(small_demo, tmp_path_factory.mktemp("cust") / "ws"))


def _allowed_by_raw_ledger(ws: Path, purpose: str) -> set[str]:
    """Customer ids whose latest record for ``purpose`` in the demo's consents.csv is a
    grant (a withdrawal at the same instant wins), keyed through identity_map: computed in
    plain Python, independent of the engine code under test."""
    import duckdb

    con = duckdb.connect(str(ws / "idic.duckdb"), read_only=True)
    try:
        imap = {(s, r): c for s, r, c in con.execute(
            "select source, source_record_id, customer_id from identity_map").fetchall()}
    finally:
        con.close()
    latest: dict[str, tuple[datetime, bool]] = {}
    with open(ws / "demo-data" / "consents.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["purpose"] != purpose:
                continue
            cid = imap.get((row["source"], row["source_customer_id"]))
            if cid is None:
                continue
            at = datetime.fromisoformat(row["recorded_at"].replace("Z", "+00:00"))
            key = (at, row["status"] == "withdrawn")
            if cid not in latest or key > latest[cid]:
                latest[cid] = key
    return {c for c, (_, withdrawn) in latest.items() if not withdrawn}


def test_audience_and_campaign_contract(demo, tmp_path):
    ws = str(demo)
    res = invoke("audiences", "create", "vip", "--where", "abc_class = 'A' and clv > 50",
                 "--purpose", "email_marketing", "--channel", "email", "--workspace", ws,
                 "--json")
    assert res.exit_code == 0, res.output
    made = json.loads(res.stdout)
    assert made["version"] == 1 and made["members"] > 0 and made["excluded_by_gate"] > 0

    listed = json.loads(invoke("audiences", "list", "--json", "--workspace", ws).stdout)
    assert [a["name"] for a in listed["audiences"]] == ["vip"]
    assert listed["audiences"][0]["members"] == made["members"]

    out = tmp_path / "vip.csv"
    res = invoke("audiences", "export", "vip", "--workspace", ws, "-o", str(out))
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open()))
    ids = {r["customer_id"] for r in rows}
    assert len(rows) == made["members"] == len(ids)
    assert ids <= _allowed_by_raw_ledger(demo, "email_marketing")

    pq = tmp_path / "vip.parquet"
    assert invoke("audiences", "export", "vip", "--workspace", ws, "-o", str(pq)).exit_code == 0
    import pyarrow.parquet as pqm

    assert set(pqm.read_table(pq).column("customer_id").to_pylist()) == ids

    res = invoke("campaigns", "create", "spring", "--audience", "vip", "--holdout", "0.1",
                 "--cap", "3/30d", "--workspace", ws, "--json")
    assert res.exit_code == 0, res.output
    camp = json.loads(res.stdout)
    cm = tmp_path / "cm.csv"
    assert invoke("export", "campaign_members", "-o", str(cm), "--workspace", ws).exit_code == 0
    members = list(csv.DictReader(cm.open()))
    assert {"customer_id", "campaign", "arm"} <= set(members[0])
    assert {m["arm"] for m in members} <= {"treatment", "holdout"}
    assert {m["customer_id"] for m in members} <= ids
    assert sum(m["arm"] == "treatment" for m in members) == camp["treatment"]

    # a member withdraws: the next export leaves them out, the history says they left
    gone = sorted(ids)[0]
    from idic.privacy.consent import record_consents
    from idic.workspace import Workspace

    with Workspace.open(demo) as w:
        record_consents(w, [{"source": "idic", "source_customer_id": gone,
                             "purpose": "email_marketing", "status": "withdrawn",
                             "channel": "web"}])
    res = invoke("audiences", "export", "vip", "--workspace", ws, "-o", str(out), "--json")
    assert json.loads(res.stdout)["rows"] == len(ids) - 1
    assert gone not in {r["customer_id"] for r in csv.DictReader(out.open())}
    why = json.loads(invoke("audiences", "why", "vip", "--customer-id", gone, "--workspace",
                            ws, "--json").stdout)
    assert why["rule_met"] and not why["consent_ok"] and not why["member"]
    assert why["values"]["abc_class"] == "A" and why["values"]["clv"] > 50
    assert [h["change"] for h in why["history"]] == ["joined", "left"]


def test_spec_file_and_errors(demo, tmp_path):
    ws = str(demo)
    spec = tmp_path / "a.yaml"
    spec.write_text("name: lapsed\nwhere: \"rfm_segment in ('At Risk', 'Hibernating')\"\n"
                    "purpose: email_marketing\nchannel: email\n")
    res = invoke("audiences", "create", "--spec", str(spec), "--workspace", ws, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["name"] == "lapsed"
    res = invoke("audiences", "create", "x", "--where", "clvv > 1", "--purpose",
                 "email_marketing", "--workspace", ws)
    assert res.exit_code == 2 and "closest: 'clv'" in res.output
    res = invoke("audiences", "create", "x", "--where", "clv > 1; drop table consents",
                 "--purpose", "email_marketing", "--workspace", ws)
    assert res.exit_code == 2 and "not allowed" in res.output
    spec.write_text("name: y\nwhere: clv > 1\npurpose: email_marketing\nwher: oops\n")
    res = invoke("audiences", "create", "--spec", str(spec), "--workspace", ws)
    assert res.exit_code == 2 and "wher" in res.output
    res = invoke("audiences", "export", "nope", "--workspace", ws, "-o",
                 str(tmp_path / "n.csv"))
    assert res.exit_code == 3
