"""`idic demo` end to end: the contract, every stage, ground truth, refusal to clobber."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from idic.cli.main import app

runner = CliRunner()


def test_demo_contract_and_stages(tmp_path: Path) -> None:
    ws = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--workspace", str(ws), "--customers", "400", "--seed",
                              "7", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    tables = info["tables"]
    for name in ("identities", "orders", "events", "survey_responses", "cases", "consents",
                 "referrals", "social", "identity_map", "customers", "clv", "rfm", "abc",
                 "value", "journeys", "kpis"):
        assert tables[name] > 0, name
    # every file reconciles; the generated files load cleanly, and the tills' late re-send
    # is all duplicates and quarantined rows, exactly as the ground truth says
    for kind, r in info["ingest"].items():
        assert r["received"] == r["accepted"] + r["quarantined"] + r["duplicates"], kind
        if kind != "orders_resend":
            assert r["quarantined"] == 0 and r["duplicates"] == 0, kind
    resend = info["ingest"]["orders_resend"]
    truth_resend = json.loads((ws / "demo-data" / "truth" / "params.json").read_text())["resend"]
    for k in ("received", "accepted", "quarantined", "duplicates"):
        assert resend[k] == truth_resend[k], k
    assert resend["duplicates"] > 0 and resend["quarantined"] == 5
    exported = runner.invoke(app, ["export", "quarantine", "--workspace", str(ws),
                                   "-o", str(tmp_path / "q.csv")])
    assert exported.exit_code == 0, exported.output
    q = pd.read_csv(tmp_path / "q.csv")
    assert q.groupby("column").size().to_dict() == truth_resend["quarantined_by_column"]
    assert q.file.str.endswith("orders_till_resend.csv").all() and q.reason.notna().all()
    truth = info["stages"]["identify"]["truth_comparison"]
    assert truth["true_persons"] == 400
    assert truth["f1"] > 0.95
    assert abs(info["stages"]["identify"]["customers"] - 400) <= 20
    assert Path(info["report"]).is_file()
    # the planted pain points and moment of truth are found, with the right sign
    planted = info["stages"]["journeys"]["truth_comparison"]
    assert set(planted) == {"Checkout Error", "Delivery Delayed", "Live Chat Resolved"}
    assert all(v["found"] for v in planted.values()), planted
    assert planted["Live Chat Resolved"]["or_low"] > 1 > planted["Checkout Error"]["or_high"]

    # same seed, same data: a second demo in the same (demo) folder replaces it identically
    again = runner.invoke(app, ["demo", "--workspace", str(ws), "--customers", "400", "--seed",
                                "7", "--json"], catch_exceptions=False)
    assert json.loads(again.stdout)["tables"] == tables


def test_demo_refuses_to_replace_a_real_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "real"
    runner.invoke(app, ["init", "--workspace", str(ws)], catch_exceptions=False)
    res = runner.invoke(app, ["demo", "--workspace", str(ws), "--customers", "50"])
    assert res.exit_code == 4
    assert "not a demo workspace" in res.stderr
    assert (ws / "workspace.json").exists()
