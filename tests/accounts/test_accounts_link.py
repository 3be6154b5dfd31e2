"""Accounts: the file kind, Segment group calls, and contacts linked to accounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from idic.accounts import stage
from idic.accounts.freemail import is_free_mail
from idic.workspace import Workspace

ACCOUNTS = """account_id,name,domain,industry,size,owner
ACC-1,Northwind Tools,https://www.Northwind.example/about,wholesale,51-200,Priya Shah
ACC-2,Contoso,contoso.example,retail,11-50,
ACC-G,Gmail sole trader,GMAIL.com,,1-10,
ACC-S1,Shared One,shared.example,,,
ACC-S2,Shared Two,shared.example,,,
ACC-B,Bad domain,not a domain,,,
,Missing id,x.example,,,
ACC-1,Northwind again,northwind.example,,,
"""
IDENTITIES = """source,source_record_id,email,first_name,b2b_account_id,last_seen
crm,C1,bob@northwind.example,Bob,,2025-01-01T00:00:00Z
crm,C2,amy@uk.contoso.example,Amy,,2025-01-01T00:00:00Z
crm,C3,joe@gmail.com,Joe,,2025-01-01T00:00:00Z
crm,C4,zed@contoso.example,Zed,ACC-1,2025-01-01T00:00:00Z
crm,C5,kim@shared.example,Kim,,2025-01-01T00:00:00Z
crm,C6,lee@northwind.example.org,Lee,,2025-01-01T00:00:00Z
web,W-1,wes@contoso.example,Wes,,2025-01-01T00:00:00Z
"""
GROUPS = [
    {"type": "group", "userId": "W-1", "groupId": "ACC-9", "messageId": "g1",
     "timestamp": "2025-03-01T00:00:00Z",
     "traits": {"name": "Fabrikam", "website": "fabrikam.example", "employees": 120}},
    {"type": "group", "userId": "W-1", "groupId": "ACC-9", "messageId": "g2",
     "timestamp": "2025-04-01T00:00:00Z", "traits": {"name": "Fabrikam"}},
]
ORDERS = """order_id,source,source_customer_id,ordered_at,amount,currency
O1,crm,C1,2025-01-01T00:00:00Z,10.00,EUR
O2,crm,C2,2025-02-01T00:00:00Z,20.50,EUR
O3,web,W-1,2025-03-01T00:00:00Z,5.25,EUR
O4,crm,C3,2025-03-01T00:00:00Z,7.00,EUR
O5,crm,C4,2025-03-02T00:00:00Z,1.10,EUR
"""


def load_b2b(ws: Workspace, tmp_path: Path) -> Workspace:
    """Accounts, contacts, orders and group calls of the small B2B case, loaded into ``ws``."""
    for name, text in (("accounts.csv", ACCOUNTS), ("ids.csv", IDENTITIES),
                       ("orders.csv", ORDERS)):
        (tmp_path / name).write_text(text)
    (tmp_path / "groups.jsonl").write_text("".join(json.dumps(g) + "\n" for g in GROUPS))
    ws.ingest("accounts", tmp_path / "accounts.csv")
    ws.ingest("identities", tmp_path / "ids.csv")
    ws.ingest("orders", tmp_path / "orders.csv")
    ws.ingest("segment", tmp_path / "groups.jsonl", source="web")
    return ws


@pytest.fixture
def b2b(workspace: Workspace, tmp_path: Path) -> Workspace:
    return load_b2b(workspace, tmp_path)


def _links(ws: Workspace) -> dict[str, tuple[str, str]]:
    df = ws.to_pandas("account_contacts")
    return {r.customer_id: (r.account_id, r.linked_by) for r in df.itertuples()}


def test_accounts_file_validates_quarantines_and_reconciles(workspace, tmp_path):
    (tmp_path / "a.csv").write_text(ACCOUNTS)
    r = workspace.ingest("accounts", tmp_path / "a.csv")
    assert (r.received, r.accepted, r.quarantined, r.duplicates, r.warnings) == (8, 6, 1, 1, 1)
    df = workspace.to_pandas("accounts").set_index("account_id")
    assert df.loc["ACC-1", "domain"] == "northwind.example"
    assert df.loc["ACC-1", "name"] == "Northwind Tools"  # the first row of a repeated key
    assert df.loc["ACC-G", "domain"] == "gmail.com"
    assert df.loc["ACC-B", "domain"] is None  # unusable optional value: null + warning
    q = workspace.to_pandas("quarantine")
    assert q[["kind", "column", "line", "reason"]].values.tolist() == [
        ["accounts", "account_id", 8, "missing required value"]]
    again = workspace.ingest("accounts", tmp_path / "a.csv")  # idempotent
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 7, 1)
    assert workspace.engine.count("accounts") == 6


def test_group_calls_make_accounts_and_identify_company_fills_the_column(workspace, tmp_path):
    msgs = [*GROUPS, {"type": "identify", "userId": "W-7", "messageId": "i1",
                      "timestamp": "2025-01-01T00:00:00Z",
                      "traits": {"email": "a@b.example", "company": {"id": "ACC-5"}}}]
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(m) + "\n" for m in msgs))
    r = workspace.ingest("segment", tmp_path / "s.jsonl", source="web")
    acc = r.related["accounts"]
    assert (acc.received, acc.accepted, acc.duplicates) == (2, 1, 1)
    row = workspace.to_pandas("accounts").iloc[0]
    assert (row.account_id, row["name"], row.domain, row["size"], row.source) == (
        "ACC-9", "Fabrikam", "fabrikam.example", "120", "web")
    ids = workspace.to_pandas("identities")
    assert ids.b2b_account_id.tolist() == ["ACC-5"]


def test_links_by_group_column_and_domain_with_precedence(b2b):
    out = stage.run(b2b, by_domain=True)
    links = _links(b2b)
    assert links == {
        "web:W-1": ("ACC-9", "group"),  # group beats its contoso.example e-mail
        "crm:C4": ("ACC-1", "column"),  # the column beats its contoso.example e-mail
        "crm:C1": ("ACC-1", "domain"),
        "crm:C2": ("ACC-2", "domain"),  # uk.contoso.example is a subdomain of contoso
    }
    # C3 (gmail: an account claims gmail.com) and C5 (a domain two accounts share) and
    # C6 (northwind.example.org is not northwind.example) are linked to nobody
    assert out["linked_by"] == {"group": 1, "column": 1, "domain": 2}
    assert out["contacts_with_several_accounts"] == 2  # W-1 and C4 had two candidates
    assert out["free_mail_refused"] == 1


def test_domain_linking_is_off_unless_configured(b2b):
    stage.run(b2b)
    assert set(_links(b2b)) == {"web:W-1", "crm:C4"}
    stage.configure(b2b, by_domain=True, free_mail=["Contoso.example"])
    assert json.loads((b2b.path / "workspace.json").read_text())["accounts"] == {
        "link_by_domain": True, "free_mail_domains": ["contoso.example"]}
    stage.run(b2b)  # settings remembered; contoso.example is now a consumer domain
    assert _links(b2b) == {"web:W-1": ("ACC-9", "group"), "crm:C4": ("ACC-1", "column"),
                           "crm:C1": ("ACC-1", "domain")}


def test_free_mail_never_links_by_domain(workspace, tmp_path):
    (tmp_path / "a.csv").write_text("account_id,name,domain\nA,Sole trader,gmail.com\n"
                                    "Y,Yahoo UK,mail.yahoo.co.uk\nE,Own,own.example\n")
    rows = ["source,source_record_id,email"] + [
        f"web,W{i},p{i}@{d}" for i, d in enumerate(
            ["gmail.com", "GMAIL.COM", "googlemail.com", "mail.yahoo.co.uk", "yahoo.co.uk",
             "own.example"])]
    (tmp_path / "i.csv").write_text("\n".join(rows) + "\n")
    workspace.ingest("accounts", tmp_path / "a.csv")
    workspace.ingest("identities", tmp_path / "i.csv")
    out = stage.run(workspace, by_domain=True)
    assert _links(workspace) == {"web:W5": ("E", "domain")}
    assert out["free_mail_refused"] == 3  # the three gmail.com addresses
    assert is_free_mail("mail.yahoo.co.uk") and is_free_mail("Gmail.com")
    assert not is_free_mail("own.example")


def test_account_roll_up_and_360(b2b):
    stage.run(b2b, by_domain=True)
    v = b2b.to_pandas("account_value").set_index("account_id")
    assert v.loc["ACC-1", ["contacts", "orders"]].tolist() == [2, 2]
    assert float(v.loc["ACC-1", "revenue"]) == pytest.approx(11.10)  # C1 10.00 + C4 1.10
    assert float(v.loc["ACC-2", "revenue"]) == pytest.approx(20.50)
    assert float(v.loc["ACC-9", "revenue"]) == pytest.approx(5.25)
    assert v.loc["ACC-G", "contacts"] == 0 and v.loc["ACC-G", "orders"] == 0
    assert sorted(b2b.to_pandas("account_orders").order_id) == ["O1", "O2", "O3", "O5"]
    from idic.accounts.profile import account_profile
    from idic.errors import NotFoundError
    from idic.service.customers360 import profile

    p = account_profile(b2b, "ACC-1")
    assert [c["customer_id"] for c in p["contacts"]] == ["crm:C1", "crm:C4"]
    assert [o["order_id"] for o in p["orders"]] == ["O5", "O1"]
    assert profile(b2b, "crm:C4")["account"]["account_id"] == "ACC-1"
    assert profile(b2b, "crm:C3")["account"] is None
    with pytest.raises(NotFoundError, match="closest: ACC-1"):
        account_profile(b2b, "ACC-11")


def test_older_workspace_gets_the_new_column(tmp_path):
    import duckdb

    Workspace.init(tmp_path / "old").close()
    con = duckdb.connect(str(tmp_path / "old" / "idic.duckdb"))
    con.execute("ALTER TABLE identities DROP COLUMN b2b_account_id")
    con.execute("INSERT INTO identities (source, source_record_id) VALUES ('web', 'W1')")
    con.close()
    with Workspace.open(tmp_path / "old") as ws:
        df = ws.to_pandas("identities")
        assert df.source_record_id.tolist() == ["W1"] and df.b2b_account_id.isna().all()
