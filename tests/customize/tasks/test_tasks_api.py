"""/v1/tasks: roles (analyst reads masked, marketer and admin work tasks), contact details
masked by role, 404/409/422, every change in the audit log; the dashboard page and the 360."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import pyarrow as pa
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from idic.api import create_app
from idic.customize.tasks.store import make_id
from idic.privacy.keys import create_key
from idic.privacy.roles import ROLES
from idic.workspace import Workspace

AGENT = "Chen Wei"  # the person of the service key

C1, C2 = make_id("c1", "retain", 0), make_id("c2", "service_recovery", 0)


@pytest.fixture
def api(tws_path):
    with Workspace.open(tws_path) as ws:  # c2 withdraws e-mail marketing after the stage ran
        ws.engine.append("consents", pa.table({
            "source": ["idic"], "source_customer_id": ["c2"], "purpose": ["email_marketing"],
            "status": ["withdrawn"], "recorded_at": [datetime(2026, 2, 15, tzinfo=UTC)],
            "proof": pa.array([None], pa.string()), "channel": ["web"]}))
    keys = {r: create_key(tws_path, r, owner=AGENT if r == "service" else None)["key"]
            for r in ROLES}
    with TestClient(create_app(tws_path)) as c:
        yield c, {r: {"Authorization": f"Bearer {k}"} for r, k in keys.items()}


def test_roles_on_every_route(api):
    c, h = api
    body = {"outcome": "success"}
    assert c.get("/v1/tasks").status_code == 401
    for role in ("privacy", "collector"):
        assert c.get("/v1/tasks", headers=h[role]).status_code == 403
    for role in ("analyst", "privacy", "collector"):
        assert c.post(f"/v1/tasks/{C2}/close", json=body, headers=h[role]).status_code == 403
        assert c.post(f"/v1/tasks/{C2}/assign", json={"owner": "Chen Wei"},
                      headers=h[role]).status_code == 403


def test_contact_details_are_masked_by_role(api):
    c, h = api
    rows = {r: {t["customer_id"]: t for t in c.get("/v1/tasks", headers=h[r]).json()["tasks"]}
            for r in ("admin", "marketer", "analyst")}
    assert rows["admin"]["c2"]["contact"]["email"] == "c2@example.org"
    assert rows["admin"]["c2"]["contact"]["last_name"] == "Lastc2"
    m = rows["marketer"]
    assert m["c1"]["contact"]["email"] == "c1@example.org"  # consent to e-mail marketing
    assert m["c2"]["contact"]["email"] is None and m["c2"]["contact"]["phone"] is None
    assert m["c2"]["contact"]["first_name"] == "Firstc2"
    assert "last_name" not in m["c2"]["contact"]
    a = rows["analyst"]["c2"]
    assert a["contact"] == {} and a["note"] is None
    assert a["action"] == "service_recovery" and a["owner"] == "queue:service"


def test_filters_and_paging(api):
    c, h = api
    r = c.get("/v1/tasks", params={"limit": 1, "offset": 1}, headers=h["analyst"]).json()
    assert r["total"] == 3 and len(r["tasks"]) == 1 and r["offset"] == 1
    r = c.get("/v1/tasks", params={"owner": "Priya Shah"}, headers=h["analyst"]).json()
    assert [t["customer_id"] for t in r["tasks"]] == ["c5"]
    r = c.get("/v1/tasks", params={"status": "open"}, headers=h["analyst"]).json()
    assert [t["task_id"] for t in r["tasks"]] == [C2]
    for bad in ({"status": "closed"}, {"limit": 0}, {"limit": 1001}, {"owner": "a\x00b"},
                {"action": "x;drop"}):
        assert c.get("/v1/tasks", params=bad, headers=h["analyst"]).status_code == 422, bad


def test_assign_close_conflicts_and_audit(api):
    c, h = api
    r = c.post(f"/v1/tasks/{C2}/assign", json={"owner": "Chen Wei"}, headers=h["marketer"])
    assert r.status_code == 200 and (r.json()["owner"], r.json()["status"]) == (
        "Chen Wei", "assigned")
    r = c.post(f"/v1/tasks/{C2}/assign", json={"owner": "Eve"}, headers=h["marketer"])
    assert r.status_code == 400 and "unknown owner 'Eve'" in r.json()["detail"]
    r = c.post(f"/v1/tasks/{C2}/close", json={"outcome": "no_answer", "note": "voicemail"},
               headers=h["marketer"])
    assert r.status_code == 200 and r.json()["outcome"] == "no_answer"
    r = c.post(f"/v1/tasks/{C2}/close", json={"outcome": "success"}, headers=h["admin"])
    assert r.status_code == 409 and "already done" in r.json()["detail"]
    r = c.post(f"/v1/tasks/{C2}/assign", json={"owner": "Chen Wei"}, headers=h["admin"])
    assert r.status_code == 409
    r = c.post("/v1/tasks/tsk_aaaaaaaaaaaaaaaa/close", json={"outcome": "success"},
               headers=h["admin"])
    assert r.status_code == 404 and "unknown task 'tsk_aaaaaaaaaaaaaaaa'" in r.json()["detail"]
    for tid, body in (("TSK_1", {"outcome": "success"}), (C1, {"outcome": "won"}),
                      (C1, {"outcome": "success", "value": "NaN"}),
                      (C1, {"outcome": "success", "note": "x" * 2001}),
                      (C1, {"outcome": "success", "note": "bell\x07"})):
        r = c.post(f"/v1/tasks/{tid}/close", json=body, headers=h["admin"])
        assert r.status_code == 422, (tid, body, r.text)
    got = c.get("/v1/tasks", params={"customer_id": "c2"}, headers=h["marketer"]).json()
    assert got["tasks"][0]["status"] == "done" and got["tasks"][0]["note"] == "voicemail"
    log = c.get("/v1/audit", params={"limit": 100}, headers=h["admin"]).json()["entries"]
    mine = [(e["action"], e["target"], e["status"]) for e in log
            if e["action"] in ("task_assign", "task_close")]
    assert ("task_assign", C2, 200) in mine and ("task_close", C2, 200) in mine
    assert ("task_close", C2, 409) in mine


def test_dashboard_page_and_customer_360(api):
    c, h = api
    c.post(f"/v1/tasks/{C1}/close", json={"outcome": "success", "value": 80},
           headers=h["marketer"])
    page = c.get("/dashboard/tasks", headers=h["analyst"])
    assert page.status_code == 200
    html = page.text
    assert "Follow-up tasks" in html and "Active tasks per owner" in html
    assert "Outcomes per action" in html and "Wilson" in html
    assert html.count("plotly-graph-div") >= 2  # owners and response-rate charts
    p = c.get("/dashboard/customers/c1", headers=h["marketer"]).text
    assert 'id="tasks"' in p and C1 in p
    prof = c.get("/v1/customers/c2", headers=h["analyst"]).json()
    assert prof["tasks"][0]["task_id"] == C2 and "note" not in prof["tasks"][0]


def test_service_key_works_its_own_tasks_with_the_contact_details(api):
    """A service agent's key (owner Chen Wei) lists only Chen Wei's tasks and sees the
    customer's name, e-mail and phone while a task is open, even without e-mail-marketing
    consent (c2 withdrew it); closes only their own; everything else is refused, audited."""
    c, h = api
    svc = h["service"]
    me = c.get("/v1/whoami", headers=svc).json()
    assert (me["role"], me["owner"]) == ("service", AGENT) and set(me) == {
        "key_id", "role", "owner"}
    everyone = c.get("/v1/tasks", headers=h["admin"]).json()["tasks"]
    theirs = {t["task_id"] for t in everyone if t["owner"] == AGENT}
    mine = c.get("/v1/tasks", headers=svc).json()
    assert {t["task_id"] for t in mine["tasks"]} == theirs and mine["total"] == len(theirs)
    assert C2 not in theirs  # the complaint waits in queue:service
    r = c.post(f"/v1/tasks/{C2}/close", json={"outcome": "success"}, headers=svc)
    assert r.status_code == 403  # not theirs (yet)
    assert c.post(f"/v1/tasks/{C2}/assign", json={"owner": AGENT},
                  headers=svc).status_code == 403  # team leads assign
    assert c.post(f"/v1/tasks/{C2}/assign", json={"owner": AGENT},
                  headers=h["marketer"]).status_code == 200
    got = {t["task_id"]: t for t in c.get("/v1/tasks", headers=svc).json()["tasks"]}
    assert got[C2]["contact"] == {"first_name": "Firstc2", "last_name": "Lastc2",
                                  "email": "c2@example.org", "phone": "+44700000001"}
    # the marketer, for the same customer, sees no e-mail or phone (consent withdrawn)
    m = c.get("/v1/tasks", params={"customer_id": "c2"},
              headers=h["marketer"]).json()["tasks"][0]
    assert m["contact"]["email"] is None and m["contact"]["phone"] is None
    assert c.get("/v1/tasks", params={"owner": "Priya Shah"}, headers=svc).status_code == 403
    assert c.get("/v1/tasks", params={"owner": AGENT}, headers=svc).status_code == 200
    r = c.post(f"/v1/tasks/{C2}/close", json={"outcome": "success", "note": "refunded"},
               headers=svc)
    assert r.status_code == 200 and r.json()["outcome"] == "success"
    done = {t["task_id"]: t for t in c.get("/v1/tasks", headers=svc).json()["tasks"]}[C2]
    assert done["contact"] == {"first_name": "Firstc2"} and done["note"] == "refunded"
    others = [t["task_id"] for t in everyone if t["owner"] not in (AGENT, "queue:service")
              and t["status"] in ("open", "assigned")]
    assert others
    assert c.post(f"/v1/tasks/{others[0]}/close", json={"outcome": "success"},
                  headers=svc).status_code == 403
    for path in ("/v1/customers", "/v1/customers/c2", "/v1/audit", "/v1/nba",
                 "/v1/customers/c2/consents"):
        assert c.get(path, headers=svc).status_code == 403, path
    assert c.get("/dashboard/tasks", headers=svc).status_code == 403
    log = c.get("/v1/audit", params={"limit": 200}, headers=h["admin"]).json()["entries"]
    svc_log = [(e["action"], e["target"], e["status"]) for e in log if e["role"] == "service"]
    assert ("task_close", C2, 403) in svc_log and ("task_close", C2, 200) in svc_log
    assert ("task_close", others[0], 403) in svc_log
    assert ("list_tasks", None, 403) in svc_log and ("denied", None, 403) in svc_log
