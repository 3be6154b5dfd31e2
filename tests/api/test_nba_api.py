"""The next-best-action routes on the 1,000-customer demo: one customer, the paged list
filtered by action, roles, and what happens before the stage has run."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.api.conftest import auth

from idic.api import create_app
from idic.customize.nba.stage import TABLE
from idic.privacy.keys import create_key
from idic.privacy.roles import ROLES
from idic.workspace import Workspace

AGENT = "Chen Wei"  # the person of the service key


@pytest.fixture(scope="module")
def demo(small_demo: Path, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[pd.DataFrame, dict]:
    p = tmp_path_factory.mktemp("nba-api") / "ws"
    shutil.copytree(small_demo, p)
    with Workspace.open(p, read_only=True) as ws:  # (read before the app holds the file)
        nba = ws.engine.to_pandas(ws.table(TABLE))
    return nba, {role: create_key(p, role, owner=AGENT if role == "service" else None)["key"]
                 for role in ROLES} | {"_path": p}


@pytest.fixture(scope="module")
def api(demo) -> Iterator[TestClient]:
    with TestClient(create_app(demo[1]["_path"])) as c:
        yield c


def test_one_customer_is_the_table_row(api, demo) -> None:
    nba, keys = demo
    want = nba[nba.action == "win_back"].iloc[0]
    r = api.get(f"/v1/customers/{want.customer_id}/next-best-action",
                headers=auth(keys["marketer"]))
    assert r.status_code == 200, r.text
    js = r.json()
    assert js["action"] == "win_back" and js["reason"] == want.reason
    assert js["expected_value"] == pytest.approx(want.expected_value)
    evs = [a["expected_value"] for a in js["alternatives"]]
    assert evs == sorted(evs, reverse=True) and js["uplift_source"] == want.uplift_source
    assert js["uplift_source"] in ("measured_model", "measured_average")  # the demo campaign
    # the customer 360 carries the same action
    p = api.get(f"/v1/customers/{want.customer_id}", headers=auth(keys["analyst"])).json()
    assert p["next_best_action"]["action"] == "win_back"
    assert api.get("/v1/customers/nobody/next-best-action",
                   headers=auth(keys["analyst"])).status_code == 404
    assert api.get(f"/v1/customers/{want.customer_id}/next-best-action",
                   headers=auth(keys["collector"])).status_code == 403
    assert api.get(f"/v1/customers/{want.customer_id}/next-best-action").status_code == 401


def test_list_is_paged_filtered_and_ordered(api, demo) -> None:
    nba, keys = demo
    h = auth(keys["marketer"])
    r = api.get("/v1/nba", params={"action": "cross_sell", "limit": 10}, headers=h)
    assert r.status_code == 200, r.text
    js = r.json()
    want = nba[nba.action == "cross_sell"].sort_values(["expected_value", "customer_id"],
                                                       ascending=[False, True])
    assert js["total"] == len(want) == 45
    assert [x["customer_id"] for x in js["rows"]] == want.customer_id.head(10).tolist()
    nxt = api.get("/v1/nba", params={"action": "cross_sell", "limit": 10, "offset": 40},
                  headers=h).json()
    assert [x["customer_id"] for x in nxt["rows"]] == want.customer_id.iloc[40:].tolist()
    every = api.get("/v1/nba", params={"limit": 10_000}, headers=h).json()
    assert every["total"] == len(nba) == 999
    rich = api.get("/v1/nba", params={"min_expected_value": 20}, headers=h).json()
    assert rich["total"] == int((nba.expected_value >= 20).sum())
    assert api.get("/v1/nba", params={"action": "spam"}, headers=h).status_code == 422
    assert api.get("/v1/nba", params={"limit": 0}, headers=h).status_code == 422
    assert api.get("/v1/nba", headers=auth(keys["privacy"])).status_code == 403


def test_before_the_stage_ran_is_404(tmp_path: Path) -> None:
    p = tmp_path / "ws"
    Workspace.init(p).close()
    key = create_key(p, "admin")["key"]
    with TestClient(create_app(p)) as c:
        r = c.get("/v1/nba", headers=auth(key))
        assert r.status_code == 404 and "idic nba run" in r.text
