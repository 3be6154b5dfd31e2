"""Identification inventory (issue 12, item 8): shares checked against the demo's files and
ground truth, computed independently with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from idic.cli.main import app
from idic.identify.inventory import IDENTIFIERS, identification_inventory
from idic.workspace import Workspace

runner = CliRunner()


def test_inventory_matches_the_demo_files(small_demo: Path) -> None:
    data = small_demo / "demo-data"
    truth = pd.read_parquet(data / "truth" / "identity_truth.parquet")
    with Workspace.open(small_demo, read_only=True) as ws:
        inv = identification_inventory(ws)
        imap = ws.table("identity_map").to_pandas()
        orders = ws.table("orders").to_pandas()
    # orders: the buyer's record is one of the true persons' records
    known = set(zip(truth.source, truth.source_record_id, strict=True))
    ident = [k in known for k in zip(orders.source, orders.source_customer_id, strict=True)]
    assert inv["orders"] == len(orders)
    assert inv["orders_identified_share"] == pytest.approx(sum(ident) / len(orders), abs=1e-6)
    amount = orders.amount.astype(float)
    assert inv["revenue_identified_share"] == pytest.approx(amount[ident].sum() / amount.sum(),
                                                            abs=1e-6)
    # events: a user id, or a cookie/device an identify call of the same source tied to one
    ev = pd.read_parquet(data / "events.parquet")
    sends = data / "email_sends.parquet"  # the contact-pressure slice's e-mail sends
    if sends.exists():
        ev = pd.concat([ev, pd.read_parquet(sends)], ignore_index=True)
    groups = pd.read_json(data / "b2b_groups.jsonl", lines=True)  # the B2B slice's group calls
    ev = pd.concat([ev, pd.DataFrame({"source": "web", "type": "group",
                                      "user_id": groups["userId"], "anonymous_id": None})],
                   ignore_index=True)
    calls = ev[ev.type.isin(["identify", "alias"]) & ev.user_id.notna() & ev.anonymous_id.notna()]
    linked = set(zip(calls.source, calls.anonymous_id, strict=True))
    ok = ev.user_id.notna() | pd.Series([k in linked for k in zip(ev.source, ev.anonymous_id,
                                                                    strict=True)])
    assert inv["events"] == len(ev)
    assert inv["events_identified_share"] == pytest.approx(ok.mean(), abs=1e-6)
    assert 0.05 < inv["anonymous_events_share"] < 0.5  # store-only shoppers' cookies
    for src, g in ev.assign(ok=ok).groupby("source"):
        assert inv["by_source"][src]["events"]["identified_share"] == pytest.approx(
            g.ok.mean(), abs=1e-6), src
    # identifier coverage per source, from the file (values the loader keeps)
    ids = pd.read_csv(data / "identities.csv", dtype=str, keep_default_na=False)
    for src, g in ids.groupby("source"):
        cov = inv["by_source"][src]["identities"]["identifier_coverage"]
        assert inv["by_source"][src]["identities"]["records"] == len(g)
        for c in IDENTIFIERS:
            if c in g:
                assert cov[c] == pytest.approx((g[c].str.strip() != "").mean(), abs=1e-6), (src, c)
    # addressable: the latest consent per customer and purpose is a grant
    files = [data / "consents.csv", data / "consents_optout.csv"]  # (+ the opt-outs slice)
    cons = pd.concat([pd.read_csv(f, dtype=str) for f in files if f.exists()]).merge(
        imap.rename(columns={"source_record_id": "source_customer_id"}),
        on=["source", "source_customer_id"])
    cons["recorded_at"] = pd.to_datetime(cons.recorded_at)
    latest = cons.sort_values(["recorded_at", "status"]).groupby(
        ["customer_id", "purpose"]).tail(1)
    n = imap.customer_id.nunique()
    want = (latest[latest.status == "granted"].groupby("purpose").customer_id.nunique() / n)
    assert inv["addressable"]["customers"] == n
    for purpose, share in want.items():
        assert inv["addressable"]["granted_share"][purpose] == pytest.approx(share, abs=1e-6)


def test_inventory_cli_contract(small_demo: Path) -> None:
    r = runner.invoke(app, ["identify", "inventory", "--workspace", str(small_demo), "--json"])
    assert r.exit_code == 0, r.output
    inv = json.loads(r.stdout)
    for k in ("orders_identified_share", "revenue_identified_share", "events_identified_share",
              "by_source"):
        assert k in inv
    assert {"web", "store"} <= set(inv["by_source"])
    text = runner.invoke(app, ["identify", "inventory", "--workspace", str(small_demo)])
    assert text.exit_code == 0 and "events identified" in text.output


def test_inventory_of_an_empty_workspace_is_not_found(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws").close()
    r = runner.invoke(app, ["identify", "inventory", "--workspace", str(tmp_path / "ws")])
    assert r.exit_code == 3 and "nothing loaded yet" in r.output


def test_inventory_section_of_the_report(small_demo: Path) -> None:
    from idic.measure.sections import identification

    with Workspace.open(small_demo, read_only=True) as ws:
        inv = identification_inventory(ws)
        s = identification(ws)
    assert s.available
    numbers = {n.label: n.value for n in s.numbers}
    assert numbers["Events identified"] == f"{inv['events_identified_share']:.1%}"
    fig = s.figures[0]
    events = next(t for t in fig.data if t.name == "events")
    assert dict(zip(events.y, events.x, strict=True))["web"] == \
        inv["by_source"]["web"]["events"]["identified_share"]
    table = s.tables[0][1]
    assert set(table.Source) == {src for src, d in inv["by_source"].items() if "identities" in d}
