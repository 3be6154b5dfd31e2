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
    # the registered win-back campaign's measured uplift against the planted one
    wb = info["stages"]["nba"]["truth_comparison"]["win_back uplift"]
    planted = json.loads((ws / "demo-data" / "truth" / "params.json").read_text())[
        "winback_campaign"]["uplift_overall"]
    assert wb["planted"] == planted and wb["found"] == (wb["ci"][0] <= planted <= wb["ci"][1])
    assert wb["ci"][0] < wb["measured"] < wb["ci"][1]
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
    assert "not a demo workspace" in res.stderr and "hint: pass --force" in res.stderr
    assert (ws / "workspace.json").exists()


def _snapshot(ws: Path) -> dict[str, int]:
    """Every file under the workspace with its size: 'deletes nothing' means this is equal."""
    return {str(p.relative_to(ws)): p.stat().st_size for p in ws.rglob("*") if p.is_file()}


def _refused(ws: Path, reason: str) -> None:
    before = _snapshot(ws)
    res = runner.invoke(app, ["demo", "--workspace", str(ws), "--customers", "100"])
    assert res.exit_code == 4, res.output
    assert res.stderr.startswith(f"error: {ws} is not an unchanged demo workspace; refusing "
                                 "to replace it: "), res.stderr
    assert reason in res.stderr and "hint: pass --force to replace it" in res.stderr
    assert _snapshot(ws) == before


def test_demo_replaces_only_an_unchanged_demo_workspace(tmp_path: Path) -> None:
    """Re-running `idic demo` used to delete any demo workspace, the user's keys and data
    included; now keys, data loaded by hand, analyst decisions or unknown files stop it."""
    from idic.demo_guard import changes
    from idic.identify import cluster as cl
    from idic.workspace import Workspace

    ws = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--workspace", str(ws), "--customers", "100", "--json"])
    assert res.exit_code == 0, res.output
    settings = json.loads((ws / "workspace.json").read_text())
    # 8 generated files + the tills' re-send + the B2B slice's 3 + newsletter pressure's 2
    # + the back-dated pilot's planted orders
    assert len(settings["demo_files"]) == 15
    assert changes(ws) == []

    keys = runner.invoke(app, ["keys", "create", "--role", "admin", "--workspace", str(ws)])
    assert keys.exit_code == 0, keys.output
    _refused(ws, "it holds API keys (api-keys.json)")
    (ws / "api-keys.json").unlink()

    mine = tmp_path / "my-orders.csv"
    mine.write_text("order_id,source,source_customer_id,ordered_at,amount,currency\n"
                    "MY-1,web,W-1,2024-01-02,10.50,EUR\n")
    assert runner.invoke(app, ["ingest", "orders", str(mine), "--workspace", str(ws)]
                         ).exit_code == 0
    _refused(ws, f"it holds 1 load(s) that are not the demo's: orders from {mine}")

    (ws / "notes.txt").write_text("mine")
    _refused(ws, "it holds files the demo did not write: notes.txt")

    with Workspace.open(ws) as w:
        rid = w.engine.to_pandas(w.table("identities").limit(1)).iloc[0]
        cl.add_override(w.engine, "split", f"{rid['source']}:{rid['source_record_id']}")
    _refused(ws, "it holds 1 identity override(s)")

    res = runner.invoke(app, ["demo", "--workspace", str(ws), "--customers", "100", "--force",
                              "--json"])
    assert res.exit_code == 0, res.output
    assert not (ws / "notes.txt").exists() and not (ws / "api-keys.json").exists()
    with Workspace.open(ws, read_only=True) as w:
        files = w.engine.to_pandas(w.table("ingest_log"))["file"].tolist()
        assert not w.engine.has_table("identity_overrides") or \
            w.engine.count("identity_overrides") == 0
    # 8 files + the re-send + the B2B slice: accounts, CRM contacts, group calls (events and
    # the accounts they carry: two loads) + newsletter sends and opt-out withdrawals + the
    # back-dated pilot's planted orders
    assert len(files) == 16 and all("/demo-data/" in f for f in files)
    assert changes(ws) == []

    # a demo workspace of an idic that did not keep demo_files: its loads must come from its
    # own demo-data folder
    del settings["demo_files"]
    (ws / "workspace.json").write_text(json.dumps(settings))
    assert changes(ws) == []
    assert runner.invoke(app, ["ingest", "orders", str(mine), "--workspace", str(ws)]
                         ).exit_code == 0
    assert changes(ws) == [f"it holds 1 load(s) that are not the demo's: orders from {mine}"]


def test_demo_never_deletes_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "precious.jpg").write_text("x")
    for extra in ([], ["--force"]):
        res = runner.invoke(app, ["demo", "--workspace", str(folder), "--customers", "50",
                                  *extra])
        assert res.exit_code == 4
        assert "is not an idic workspace" in res.stderr and "never deletes it" in res.stderr
        assert [p.name for p in folder.iterdir()] == ["precious.jpg"]
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    res = runner.invoke(app, ["demo", "--workspace", str(a_file), "--force"])
    assert res.exit_code == 4 and a_file.read_text() == "x"


def test_demo_honours_idic_workspace(tmp_path: Path, monkeypatch) -> None:
    """Without --workspace the demo goes where IDIC_WORKSPACE says, like every other command
    (it used to write ./idic-workspace whatever the environment said)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "precious.jpg").write_text("x")
    monkeypatch.setenv("IDIC_WORKSPACE", str(folder))
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["demo", "--customers", "50"])
    assert res.exit_code == 4 and str(folder) in res.stderr  # the guard saw the env's folder
    assert not (tmp_path / "idic-workspace").exists()
