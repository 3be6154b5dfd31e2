"""The customer 360's cards (issue 18 item 5): what the cards say equals what ``profile()``
returned for a demo customer; analysts see no raw e-mail or phone; older orders page."""

from __future__ import annotations

import html
import re
import shutil
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.conftest import login

from idic import format as F
from idic.web.cards import alive_word, category_line, customer_cards

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def top(small_demo: Path) -> dict[str, Any]:
    """The demo customer with the most orders: id, profile, workspace currency, timeline."""
    from idic.measure.sections import currency_of
    from idic.service.customers360 import orders_of, profile
    from idic.web.routes import timeline
    from idic.workspace import Workspace

    with Workspace.open(small_demo, read_only=True) as ws:
        o, m = ws.table("orders"), ws.table("identity_map")
        j = m.join(o, [m.source == o.source, m.source_record_id == o.source_customer_id])
        got = ws.engine.to_pandas(j.group_by("customer_id").agg(n=j.count())
                                  .order_by([ibis.desc("n"), "customer_id"]).limit(1))
        cid = str(got["customer_id"].iloc[0])
        return {"cid": cid, "n": int(got["n"].iloc[0]), "profile": profile(ws, cid),
                "currency": currency_of(ws), "events": timeline(ws, cid),
                "page2": [o["order_id"] for o in orders_of(ws, cid, limit=20, offset=20)],
                "page1": [o["order_id"] for o in orders_of(ws, cid, limit=20)]}


def _page(top: dict[str, Any], role: str) -> str:
    from idic.api.routes.customers import mask_profile
    from idic.web.routes import _render

    p = mask_profile(top["profile"], role, b"k" * 32)
    return _render("customer.html", title="c", active="customers", customer_id=top["cid"],
                   profile=p, timeline="", events=[], role=role).body.decode()


def _card(page: str, id_: str) -> str:
    """The text of the element ``id_`` (tags stripped, entities decoded, spaces squeezed)."""
    m = re.search(rf'id="{id_}"[^>]*>(.*?)</(?:div|dd|span)>', page, re.S)
    assert m, id_
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())


def test_cards_say_what_the_profile_holds(top: dict[str, Any]) -> None:
    p, cur = top["profile"], top["currency"]
    page = _page(top, "admin")
    v = p["value"]
    g = p["golden"]
    assert cur == "EUR"  # the demo's orders are in euros
    assert _card(page, "card-name") == f"{g['first_name']} {g['last_name']}"
    assert _card(page, "card-email") == g["email"]
    assert _card(page, "card-phone") == g["phone"]
    by_src = Counter(i["source"] for i in p["identities"])
    assert _card(page, "card-sources") == (f"{sum(by_src.values())} source records: " + " · ".join(
        f"{s} {n}" for s, n in sorted(by_src.items())))
    assert _card(page, "card-clv") == F.money(v["clv"]["clv"], cur)
    assert f"{round(v['clv']['p_alive'] * 100)}%" in _card(page, "card-alive")
    assert alive_word(v["clv"]["p_alive"]) in _card(page, "card-alive")
    assert _card(page, "card-rfm").startswith(v["rfm"]["segment"])
    assert _card(page, "card-abc") == v["abc"]["abc_class"]
    cat = v["value"]["value_category"]
    assert _card(page, "card-category") == category_line(cat)
    # every order counted, not the 20 shown: the demo generator's count for this person
    assert _card(page, "card-orders") == f"{top['n']:,}" == f"{p['orders_total']:,}"
    assert top["n"] > len(p["orders"]) == 20
    cv = p["segments"]["customer_voice"][0]
    assert _card(page, "card-cases") == f"{cv['n_cases']:,}"
    assert _card(page, "card-mentions") == f"{cv['negative_mentions']:,}"
    assert ('id="card-silent"' in page) == bool(cv["silent_dissatisfied"])
    chips = re.findall(r'class="chip (ok|no)" title="(\w+)">\S+ ([\w-]+)</span>', page)
    assert sorted((t, pur) for _, t, pur in chips) == sorted(
        (c["status"], c["purpose"]) for c in p["consents"]["current"])
    assert p["needs"]["segment_name"] in html.unescape(page)


def test_analysts_see_no_raw_contact_details(top: dict[str, Any]) -> None:
    g = top["profile"]["golden"]
    page = _page(top, "analyst")
    for raw in (g["email"], g["phone"], g["last_name"]):
        assert raw not in page
    assert "contact details hidden for the analyst role" in page
    admin = _page(top, "admin")
    for id_ in ("card-clv", "card-alive", "card-rfm", "card-abc", "card-orders"):
        assert _card(page, id_) == _card(admin, id_)  # value is not personal data


def test_plain_language_labels() -> None:
    assert category_line("MVC") == "MVC — most valuable customer: protect"
    assert category_line("BZ") == "BZ — below-zero customer: serve at lower cost"
    assert category_line("other") == "other" and category_line(None) == ""
    assert [alive_word(x) for x in (0.95, 0.7, 0.69, 0.5, 0.49, 0.0, None, float("nan"))] == [
        "likely active", "likely active", "at risk", "at risk", "probably lapsed",
        "probably lapsed", "", ""]
    bare = customer_cards({"customer_id": "web:1", "golden": {"customer_id": "web:1"}})
    assert set(bare) == {"identity"} and bare["identity"]["sources"] == ""


@pytest.fixture(scope="module")
def served(small_demo: Path, tmp_path_factory: pytest.TempPathFactory):
    """The small demo copied (keys are written into the workspace) behind the API app."""
    from idic.api import create_app
    from idic.privacy.keys import create_key

    ws = tmp_path_factory.mktemp("cards") / "ws"
    shutil.copytree(small_demo, ws)
    key = create_key(ws, "admin")["key"]
    with TestClient(create_app(ws)) as c:
        login(c, key)
        yield c, ws


def test_older_orders_page(served, top: dict[str, Any]) -> None:
    client, _ = served
    n, url = top["n"], f"/dashboard/customers/{top['cid']}"
    r = client.get(url)
    assert f"(20 most recent of {n:,})" in r.text and 'id="orders-older"' in r.text
    r = client.get(url, params={"orders_page": 2})
    assert r.status_code == 200
    assert f"(21–40 of {n:,}, newest first)" in r.text
    assert 'id="orders-newer"' in r.text and ("orders-older" in r.text) == (n > 40)
    want, first = top["page2"], top["page1"]
    section = r.text[r.text.index('id="orders"'):r.text.index('id="identities"')]
    assert re.findall(r"<td>(WO-\d+|[A-Z]+O-\d+)</td>", section) == want
    assert not set(want) & set(first)
    last = (n - 1) // 20 + 1
    r = client.get(url, params={"orders_page": last})
    assert f"of {n:,}, newest first" in r.text and "orders-older" not in r.text


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.one_of(st.integers(-10**12, 10**12), st.text(alphabet="abxyz.,_ ", min_size=1, max_size=8)))
def test_orders_page_parameter_is_safe(served, top: dict[str, Any], page: Any) -> None:
    client, _ = served
    r = client.get(f"/dashboard/customers/{top['cid']}", params={"orders_page": page})
    assert r.status_code == (200 if isinstance(page, int) else 422), (page, r.status_code)
    if isinstance(page, int):
        assert "of " in r.text[r.text.index('id="orders"'):r.text.index('id="identities"')]


@pytest.fixture(scope="module")
def busiest(small_demo: Path) -> dict[str, Any]:
    """The demo customer with the most touchpoints, their count and the second page."""
    from idic.web.routes import timeline
    from idic.workspace import Workspace

    with Workspace.open(small_demo, read_only=True) as ws:
        t = ws.table("touchpoints")
        got = ws.engine.to_pandas(t.group_by("person_id").agg(n=t.count())
                                  .order_by([ibis.desc("n"), "person_id"]).limit(1))
        cid = str(got["person_id"].iloc[0])
        return {"cid": cid, "n": int(got["n"].iloc[0]),
                "page2": timeline(ws, cid, 50, 50), "all": timeline(ws, cid, 10**6)}


def test_touchpoints_page(served, busiest: dict[str, Any]) -> None:
    client, _ = served
    n, url = busiest["n"], f"/dashboard/customers/{busiest['cid']}"
    assert n > 50 and len(busiest["all"]) == n  # the table under the timeline had 50 rows only
    r = client.get(url)
    sec = r.text[r.text.index('id="journey"'):]
    assert f"touchpoints 1&ndash;50 of {n:,}" in sec and 'id="events-older"' in sec
    r = client.get(url, params={"events_page": 2})
    sec = r.text[r.text.index('id="journey"'):]
    shown = min(100, n)
    assert f"touchpoints 51&ndash;{shown} of {n:,}" in sec and 'id="events-newer"' in sec
    want = [str(e) for e in busiest["page2"]["event"]]
    body = sec[:sec.index("events-paging")]
    got = re.findall(r"<td>([^<]*)</td>", body)
    # every event of page 2, in order, appears in the table rows (each row: time, event, ...)
    assert [g for g in got if g in set(want)][: len(want)] == want
    assert ("events-older" in sec) == (n > 100)
    # the pages together are every touchpoint once, newest first
    assert list(busiest["all"]["event"].iloc[50:shown]) == want


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.one_of(st.integers(-10**12, 10**12), st.text(alphabet="abxyz.,_ ", min_size=1, max_size=8)))
def test_events_page_parameter_is_safe(served, busiest: dict[str, Any], page: Any) -> None:
    client, _ = served
    r = client.get(f"/dashboard/customers/{busiest['cid']}", params={"events_page": page})
    assert r.status_code == (200 if isinstance(page, int) else 422), (page, r.status_code)
