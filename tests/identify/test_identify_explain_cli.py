"""Explanations and the ``idic identify`` command group (Typer runner on the sub-app)."""

from __future__ import annotations

import json

import pyarrow.csv as pcsv
from typer.testing import CliRunner

from idic.cli.identify import app
from idic.datasets.febrl import load_febrl, truth
from idic.identify.explain import explain
from idic.identify.stage import run

runner = CliRunner()


def _febrl_sample(n_entities: int = 150):
    t = load_febrl("febrl3")
    keep = [int(e) < n_entities * 3 for e in t.column("entity_id").to_pylist()]
    return t.filter(keep)


def test_explain_probabilistic_match_and_non_match(febrl3_ws) -> None:
    workspace = febrl3_ws[0]
    r = explain(workspace, "febrl3:rec-552-dup-3", "febrl3:rec-552-org")
    assert r["same_customer"] and r["decision"] == "same customer"
    p = r["probabilistic"]
    assert p["above_threshold"] and p["match_probability"] > 0.99
    fields = [w["field"] for w in p["waterfall"]]
    assert fields == ["prior", "first_name", "last_name", "birth_date", "place"]
    total = sum(w["match_weight"] for w in p["waterfall"])
    assert abs(total - p["match_weight"]) < 0.01
    assert ">= threshold" in r["reason"]
    r2 = explain(workspace, "febrl3:rec-552-dup-3", "febrl3:rec-1496-org")
    assert not r2["same_customer"] and "< threshold" in r2["reason"]


def test_explain_shared_identifier_and_supernode(workspace, add_identities) -> None:
    add_identities(workspace, [
        {"source": "web", "source_record_id": "W1", "email": "fam@x.com", "phone": "+4477001",
         "first_name": "John", "last_name": "Smith", "birth_date": "1970-01-01"},
        {"source": "web", "source_record_id": "W2", "email": "fam@x.com",
         "first_name": "Mary", "last_name": "Smith", "birth_date": "1972-05-05"},
        {"source": "store", "source_record_id": "S1", "phone": "+4477001"},
        {"source": "app", "source_record_id": "A1", "email": "fam@x.com",
         "first_name": "Johnny", "last_name": "Smith"},
    ])
    run(workspace)
    r = explain(workspace, "web:W1", "store:S1")
    assert r["same_customer"] and r["shared_identifiers"][0]["type"] == "phone"
    assert "share phone" in r["reason"]
    guard = "super-node: records sharing it disagree on first name (3 records)"
    r = explain(workspace, "web:W1", "web:W2")
    assert not r["same_customer"]
    assert r["shared_identifiers"] == [{"type": "email", "value": "fam@x.com", "linked": False,
                                        "why_not": guard, "guard": guard}]
    assert "super-nodes" in r["reason"]
    # the same guarded value links two records that name the same person (John ~ Johnny):
    # the explanation says it was linked, and that the value is guarded
    r = explain(workspace, "web:W1", "app:A1")
    assert r["same_customer"] and r["reason"] == "they share email fam@x.com"
    assert r["shared_identifiers"] == [{
        "type": "email", "value": "fam@x.com", "linked": True, "why_not": None, "guard": guard,
        "note": "a guarded value, linked because both records name the same person"}]


def test_cli_run_merge_split_explain_evaluate(workspace, add_identities, tmp_path) -> None:
    t = _febrl_sample()
    add_identities(workspace, t.drop(["entity_id"]))
    truth_file = tmp_path / "truth.csv"
    pcsv.write_csv(truth(t), truth_file)
    ws = str(workspace.path)
    workspace.close()

    res = runner.invoke(app, ["--workspace", ws, "--json", "--evaluate", str(truth_file)])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert s["records"] == t.num_rows and 0 < s["customers"] < s["records"]
    assert s["quality"]["f1"] > 0.95

    a, b = "febrl3:rec-1-org", "febrl3:rec-2-org"
    res = runner.invoke(app, ["merge", a, b, "--workspace", ws, "--json", "--note", "checked"])
    assert res.exit_code == 0, res.output
    ids = json.loads(res.stdout)["customer_ids"]
    assert ids[a] == ids[b]

    res = runner.invoke(app, ["explain", a, b, "--workspace", ws])
    assert res.exit_code == 0, res.output
    assert "same customer" in res.stdout and "analyst merged" in res.stdout

    res = runner.invoke(app, ["split", a, "--workspace", ws, "--json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["explain", a, b, "--workspace", ws, "--json"])
    r = json.loads(res.stdout)
    assert not r["same_customer"] and r["overrides"]["split"] == [a]

    res = runner.invoke(app, ["--workspace", ws])
    assert res.exit_code == 0 and "customers" in res.stdout


def test_cli_errors_are_one_line_with_exit_codes(tmp_path) -> None:
    res = runner.invoke(app, ["--workspace", str(tmp_path / "nope"), "--json"])
    assert res.exit_code == 4
    from idic.workspace import Workspace

    Workspace.init(tmp_path / "ws").close()
    res = runner.invoke(app, ["explain", "bad", "web:1", "--workspace", str(tmp_path / "ws")])
    assert res.exit_code == 2
