"""Next best action in the report section and on the customer 360 page."""

from __future__ import annotations

import html
import shutil
import warnings
from pathlib import Path

import pytest

from idic.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def ws_path(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("nba-views") / "ws"
    shutil.copytree(small_demo, p)
    return p


def test_section_counts_match_the_table(ws_path: Path) -> None:
    from idic.measure.sections import all_sections

    with Workspace.open(ws_path, read_only=True) as ws:
        nba = ws.to_pandas("next_best_action")
        (s,) = [x for x in all_sections(ws) if x.key == "nba"]
    assert s.available
    per = s.tables[0][1].set_index("action").customers.to_dict()
    assert per == nba.action.value_counts().to_dict()
    n = int((nba.action != "dont_contact").sum())
    assert s.numbers[0].value == f"{n:,} of {len(nba):,}"
    assert s.bullets and all("EV =" in b for b in s.bullets)


def test_customer_page_shows_action_and_reason(ws_path: Path) -> None:
    from idic.api import create_app
    from idic.privacy.keys import create_key

    key = create_key(ws_path, "analyst")["key"]
    with Workspace.open(ws_path, read_only=True) as ws:
        nba = ws.to_pandas("next_best_action")
    row = nba[nba.action != "dont_contact"].iloc[0]
    with TestClient(create_app(ws_path)) as c:
        assert c.post("/login", data={"key": key}, follow_redirects=False).status_code == 303
        r = c.get(f"/dashboard/customers/{row.customer_id}")
    assert r.status_code == 200 and "Next best action" in r.text
    assert html.escape(row.reason) in r.text or row.reason in r.text
