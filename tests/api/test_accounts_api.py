"""``GET /v1/accounts`` and ``/v1/accounts/{id}`` on the demo's B2B slice: ranked by value,
the account 360's sums equal its contacts' rows, contacts masked by role (issue 12 item 6)."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tests.api.conftest import auth

from idic.api import create_app
from idic.privacy.keys import create_key
from idic.privacy.roles import ROLES

AGENT = "Chen Wei"  # the person of the service key


@pytest.fixture(scope="module")
def demo(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    path = Path(shutil.copytree(small_demo, tmp_path_factory.mktemp("acc") / "ws"))
    keys = {role: create_key(path, role, owner=AGENT if role == "service" else None)["key"]
            for role in ROLES}
    with TestClient(create_app(path)) as c:
        yield {"client": c, "keys": keys, "path": path}


def test_accounts_ranked_by_revenue_with_total(demo) -> None:
    c, keys = demo["client"], demo["keys"]
    r = c.get("/v1/accounts?limit=2", headers=auth(keys["analyst"]))
    assert r.status_code == 200, r.text
    body = r.json()
    with c.app.state.idic.gate.use() as ws:
        v = ws.engine.to_pandas(ws.table("account_value"))
    assert body["total"] == len(v) >= 3
    want = v.sort_values(["revenue", "account_id"], ascending=[False, True],
                         na_position="last").account_id.tolist()[:2]
    assert [a["account_id"] for a in body["accounts"]] == want
    page2 = c.get("/v1/accounts?limit=2&offset=2", headers=auth(keys["analyst"])).json()
    assert [a["account_id"] for a in page2["accounts"]] == v.sort_values(
        ["revenue", "account_id"], ascending=[False, True],
        na_position="last").account_id.tolist()[2:4]
    assert c.get("/v1/accounts?sort=drop table", headers=auth(keys["analyst"])
                 ).status_code == 422
    assert c.get("/v1/accounts", headers=auth(keys["collector"])).status_code == 403


def test_account_360_sums_and_masking(demo) -> None:
    c, keys = demo["client"], demo["keys"]
    top = c.get("/v1/accounts?limit=1", headers=auth(keys["admin"])).json()["accounts"][0]
    aid = top["account_id"]
    admin = c.get(f"/v1/accounts/{aid}", headers=auth(keys["admin"])).json()
    with c.app.state.idic.gate.use() as ws:
        links = ws.engine.to_pandas(ws.table("account_contacts"))
        rfm = ws.engine.to_pandas(ws.table("rfm"))
    mine = set(links.loc[links.account_id == aid, "customer_id"])
    assert {x["customer_id"] for x in admin["contacts"]} == mine
    assert admin["value"]["revenue"] == pytest.approx(  # the contacts' revenue, summed
        float(rfm.loc[rfm.customer_id.isin(mine), "monetary"].sum()))
    assert all("evidence" in x for x in admin["contacts"])
    analyst = c.get(f"/v1/accounts/{aid}", headers=auth(keys["analyst"])).json()
    assert analyst["value"] == admin["value"]  # company figures are not personal
    for x in analyst["contacts"]:
        assert "evidence" not in x and "email" not in x and "first_name" not in x
    r = c.get(f"/v1/accounts/{aid}x", headers=auth(keys["analyst"]))
    assert r.status_code == 404 and "closest" in r.json()["detail"]
    assert c.get("/v1/accounts/a%00b", headers=auth(keys["analyst"])).status_code == 422
