"""The demo's B2B slice: membership against the generator's truth, roll-up sums, and the B2C
files untouched by it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from idic.accounts.quality import membership_vs_truth
from idic.workspace import Workspace


@pytest.fixture(scope="module")
def ws(small_demo: Path):
    w = Workspace.open(small_demo, read_only=True)
    yield w
    w.close()


def test_membership_matches_truth(ws, small_demo):
    truth = pd.read_parquet(small_demo / "demo-data" / "truth" / "account_contacts.parquet")
    assert set(truth.linked_by) == {"group", "column", "domain"}
    q = membership_vs_truth(ws, small_demo / "demo-data")
    # every true contact record is linked to its account, no other customer is linked
    assert q["records_linked_right"] == q["true_contacts"] == len(truth)
    assert q["customers_linked_outside_truth"] == 0
    assert q["recall"] == 1.0 and q["precision"] >= 0.95
    assert q["wrong_free_mail_links"] == 0
    links = ws.to_pandas("account_contacts")
    assert links.linked_by.value_counts().to_dict() == truth.linked_by.value_counts().to_dict()


def test_free_mail_account_domain_links_nobody_by_domain(ws, small_demo):
    accounts = pd.read_parquet(small_demo / "demo-data" / "truth" / "accounts.parquet")
    free = accounts[accounts.free_mail_domain]
    assert len(free) >= 1
    links = ws.to_pandas("account_contacts")
    mine = links[links.account_id.isin(free.account_id)]
    assert len(mine) == int(free.n_contacts.sum()) and "domain" not in set(mine.linked_by)
    # customers on that consumer domain who are not contacts: many, none linked
    ids = ws.to_pandas(ws.table("identities").select("email"))
    assert ids.email.str.endswith("@" + free.domain.iloc[0]).sum() > 100


def test_roll_up_sums_equal_the_contacts_sums(ws):
    c = ws.to_pandas("account_contacts")
    av = ws.to_pandas("account_value").set_index("account_id")
    checks = (("rfm", "monetary", "revenue"), ("rfm", "frequency", "orders"),
              ("clv", "clv", "clv"), ("clv", "expected_purchases", "expected_purchases"),
              ("value", "actual_value", "actual_value"),
              ("value", "potential_value", "potential_value"))
    for table, col, acol in checks:
        per = c.merge(ws.to_pandas(table), on="customer_id").groupby("account_id")[col].sum()
        got = av.loc[per.index, acol].astype(float)
        assert (per.astype(float) - got).abs().max() < 0.005, (table, col)
        assert per.sum() > 0
    o = ws.to_pandas("account_orders")
    assert float(o.amount.sum()) == pytest.approx(float(av.revenue.astype(float).sum()))
    j = ws.to_pandas("account_journeys").groupby("account_id").size()
    assert (av.loc[j.index, "journeys"] == j).all()


def test_demo_summary_and_account_in_customer_360(ws, small_demo):
    from idic.service.customers360 import profile

    c = ws.to_pandas("account_contacts").iloc[0]
    p = profile(ws, c.customer_id)
    assert p["account"]["account_id"] == c.account_id and p["account"]["name"]
    assert "account_contacts" not in p["segments"]


def test_b2b_slice_leaves_the_b2c_files_unchanged(tmp_path, monkeypatch):
    from idic.datasets import demo, demo_b2b

    demo.generate(tmp_path / "with", customers=300, seed=5)
    monkeypatch.setattr(demo_b2b, "make_b2b", lambda *a, **k: {})
    demo.generate(tmp_path / "without", customers=300, seed=5)
    names = [*demo.FILES.values(), "orders_till_resend.csv", *demo.TRUTH_FILES.values()]
    for name in names:
        assert (tmp_path / "with" / name).read_bytes() == \
            (tmp_path / "without" / name).read_bytes(), name
    m = json.loads((tmp_path / "with" / "manifest.json").read_text())
    assert m["b2b"]["contacts"] == sum(m["b2b"]["linked_by"].values()) > 0
    for f in list(m["b2b"]["files"].values()) + list(m["b2b"]["truth"].values()):
        assert (tmp_path / "with" / f).exists()
