"""Analyst merge / split overrides are applied and respected by later runs; lineage."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from idic.cli.identify import app
from idic.errors import NotFoundError
from idic.identify import cluster as cl
from idic.identify.stage import run

ROWS = [
    {"source": "web", "source_record_id": "W1", "email": "ann@x.com", "first_name": "Ann",
     "last_name": "Lee"},
    {"source": "store", "source_record_id": "S1", "email": "ann@x.com", "loyalty_id": "L1",
     "first_name": "Ann", "last_name": "Lee"},
    {"source": "store", "source_record_id": "S2", "loyalty_id": "L2", "first_name": "Bo",
     "last_name": "Chan"},
    {"source": "web", "source_record_id": "W2", "email": "bo@y.com", "first_name": "Robert",
     "last_name": "Chan-Wong"},
]


def _cid(ws, rid: str) -> str:
    return cl.customer_of(ws.engine, rid)


def test_merge_and_split_are_respected_by_later_runs(workspace, add_identities) -> None:
    add_identities(workspace, ROWS)
    run(workspace)
    ann, s2, w2 = _cid(workspace, "web:W1"), _cid(workspace, "store:S2"), _cid(workspace, "web:W2")
    assert len({ann, s2, w2}) == 3

    cl.add_override(workspace.engine, "merge", "store:S2", "web:W2", "same person, checked")
    s = run(workspace)
    assert _cid(workspace, "store:S2") == _cid(workspace, "web:W2")
    assert s["merged"] == 1 and s["manual_links"] == 1
    assert _cid(workspace, "web:W1") == ann  # untouched customers keep their id

    cl.add_override(workspace.engine, "split", "store:S1")
    s = run(workspace)
    assert _cid(workspace, "store:S1") != _cid(workspace, "web:W1")
    assert _cid(workspace, "web:W1") == ann
    assert s["split"] == 1

    # later runs (and new data) keep both overrides
    add_identities(workspace, [{"source": "call_centre", "source_record_id": "C1",
                                "email": "ann@x.com"}])
    run(workspace)
    assert _cid(workspace, "store:S1") != _cid(workspace, "web:W1")
    assert _cid(workspace, "call_centre:C1") == _cid(workspace, "web:W1") == ann
    assert _cid(workspace, "store:S2") == _cid(workspace, "web:W2")

    lin = workspace.table("identity_lineage").execute()
    assert {"created", "merged", "split", "run"} <= set(lin.event)


def test_merge_after_split_wins(workspace, add_identities) -> None:
    add_identities(workspace, ROWS)
    cl.add_override(workspace.engine, "split", "store:S1")
    run(workspace)
    assert _cid(workspace, "store:S1") != _cid(workspace, "web:W1")
    cl.add_override(workspace.engine, "merge", "store:S1", "web:W1")
    run(workspace)
    assert _cid(workspace, "store:S1") == _cid(workspace, "web:W1")


def test_rerun_is_idempotent(workspace, add_identities) -> None:
    add_identities(workspace, ROWS)
    run(workspace)
    m1 = workspace.table("identity_map").order_by("source_record_id").execute()
    c1 = workspace.table("customers").order_by("customer_id").execute()
    s = run(workspace)
    m2 = workspace.table("identity_map").order_by("source_record_id").execute()
    c2 = workspace.table("customers").order_by("customer_id").execute()
    assert m1.equals(m2) and c1.equals(c2)
    assert s["created"] == s["merged"] == s["split"] == 0


def test_override_of_a_record_that_does_not_exist_is_not_found(workspace,
                                                               add_identities) -> None:
    """`idic identify merge web:W-1 store:S-9` (the README's old example) used to record an
    override for records that do not exist, kept forever and doing nothing."""
    add_identities(workspace, [
        {"source": "web", "source_record_id": "W-0000012", "email": "a@x.com"},
        {"source": "store", "source_record_id": "S-0000345", "phone": "+4477001"},
    ])
    with pytest.raises(NotFoundError, match=r"record 'store:S-9' is not in identities; "
                                            r"closest: 'store:S-0000345'"):
        cl.add_override(workspace.engine, "merge", "web:W-0000012", "store:S-9")
    with pytest.raises(NotFoundError, match=r"no source 'wbe'; closest: 'web'"):
        cl.add_override(workspace.engine, "split", "wbe:W-0000012")
    assert not workspace.engine.has_table(cl.OVERRIDES) or \
        workspace.engine.count(cl.OVERRIDES) == 0
    ws = str(workspace.path)
    workspace.close()
    runner = CliRunner()
    for args in (["merge", "web:W-1", "store:S-9"], ["split", "web:W-1"],
                 ["merge", "web:W-0000012", "store:S-9"]):
        res = runner.invoke(app, [*args, "--workspace", ws, "--no-run"])
        assert res.exit_code == 3, (args, res.output)
        assert res.stderr.startswith("error: record '"), res.stderr
        assert "hint: " in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["merge", "web:W-0000012", "store:S-0000345", "--workspace", ws,
                              "--no-run", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["records"] == ["web:W-0000012", "store:S-0000345"]
