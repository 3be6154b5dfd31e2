"""The voice section in the report, the /dashboard/voice page and the voice part of the 360."""

from __future__ import annotations

import warnings
from pathlib import Path

from idic.measure.sections import all_sections
from idic.privacy.keys import create_key
from idic.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from idic.api import create_app


def test_voice_section_in_the_report(voice_demo: Path) -> None:
    ws = Workspace.open(voice_demo)
    try:
        secs = {s.key: s for s in all_sections(ws)}
    finally:
        ws.close()
    s = secs["voice"]
    assert s.available and not s.errors
    labels = {n.label for n in s.numbers}
    assert {"NPS", "Complaint cases", "Silent dissatisfied customers",
            "Love becomes hate"} <= labels
    assert any("covers zero" in b for b in s.bullets)
    assert any(t.startswith("Topics found") for t, _ in s.tables)


def test_dashboard_voice_and_360(voice_demo: Path) -> None:
    key = create_key(voice_demo, "admin")["key"]
    ws = Workspace.open(voice_demo)
    try:
        cv = ws.table("customer_voice").to_pandas()
    finally:
        ws.close()
    cid = cv[(cv["n_cases"] > 0) & (cv["negative_mentions"] > 0)]["customer_id"].iloc[0]
    with TestClient(create_app(voice_demo)) as c:
        r = c.post("/login", data={"key": key}, follow_redirects=False)
        assert r.status_code == 303
        r = c.get("/dashboard/voice")
        assert r.status_code == 200 and "Voice of the customer" in r.text
        assert "could not be built" not in r.text and "Recovery effect" in r.text
        r = c.get(f"/dashboard/customers/{cid}")
        assert r.status_code == 200
        for part in ('id="voice"', "Public mentions", "Complaints and cases", "negative",
                     "NPS group"):
            assert part in r.text, part
