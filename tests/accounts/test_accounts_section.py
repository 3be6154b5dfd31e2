"""The "B2B accounts" report section on the demo: figures equal the account tables."""

from __future__ import annotations

from pathlib import Path

from idic.accounts.section import accounts
from idic.measure.sections import all_sections
from idic.workspace import Workspace


def test_section_numbers_match_the_account_tables(small_demo: Path) -> None:
    with Workspace.open(small_demo, read_only=True) as ws:
        v = ws.engine.to_pandas(ws.table("account_value"))
        links = ws.engine.to_pandas(ws.table("account_contacts"))
        s = accounts(ws, currency="GBP")
        keys = [x.key for x in all_sections(ws)]
    assert s.available, s.reason
    nums = {n.label: n.value for n in s.numbers}
    assert nums["Accounts"] == f"{len(v):,}"
    assert nums["Linked contacts"] == f"{len(links):,}"
    assert nums["Account revenue"] == f"{float(v.revenue.fillna(0).sum()):,.0f} GBP"
    title, table = s.tables[0]
    assert title.startswith("Top ")
    top = v[v.revenue.fillna(0) > 0].sort_values(["revenue", "account_id"],
                                                 ascending=[False, True])
    assert table["Account"].tolist() == top.account_id.head(len(table)).tolist()
    fig = s.figures[0]
    assert fig.layout.title.text.startswith(str(top.iloc[0]["name"] or top.iloc[0].account_id))
    assert fig.layout.xaxis.title.text == "revenue (GBP)"
    assert "accounts" in keys


def test_section_says_why_when_there_are_no_accounts(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws") as ws:
        s = accounts(ws)
    assert not s.available and "idic accounts run" in s.reason
