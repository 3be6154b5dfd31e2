"""Customer search says how many there are and pages through them (issue 18)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.web.conftest import login

from idic.api import create_app
from idic.measure.sections import currency_of
from idic.web.routes import PAGE_SIZE, search_customers, search_total
from idic.workspace import Workspace


def test_search_total_and_pages(web_ws, keys) -> None:
    with Workspace.open(web_ws, read_only=True) as ws:
        total = search_total(ws, "")
        everyone = search_customers(ws, "", limit=10_000)
        n = len(search_customers(ws, "e", limit=10_000))
        assert search_total(ws, "e") == n > 0
        second = search_customers(ws, "", limit=3, offset=3)
        cur = currency_of(ws)
    assert total == len(everyone) > 0
    assert [r["customer_id"] for r in second] == [r["customer_id"] for r in everyone[3:6]]
    with TestClient(create_app(web_ws)) as client:
        login(client, keys["admin"])
        r = client.get("/dashboard/customers")
        shown = min(PAGE_SIZE, total)
        assert f"1–{shown:,} of {total:,} customers" in r.text
        assert ("next-page" in r.text) == (total > PAGE_SIZE)
        r = client.get("/dashboard/customers", params={"page": 10_000})
        assert 'id="no-results"' in r.text
        r = client.get("/dashboard/customers", params={"page": -3})
        assert r.status_code == 200 and f"of {total:,} customers" in r.text
        assert client.get("/dashboard/customers", params={"page": "x"}).status_code == 422
        assert not re.search(r"\d\.\d+e[+-]\d", r.text)  # no scientific notation
        # money columns carry the workspace's currency (they were bare numbers)
        assert everyone[0].get("revenue") is not None  # the value stage ran
        r = client.get("/dashboard/customers")
        assert cur and re.search(rf"<td>[\d,.]+ {cur}</td>", r.text)
