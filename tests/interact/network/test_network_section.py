"""The "Roles and networks" report section, the /dashboard/network page and the 360's roles
and referral tree, on the 1,000-customer demo."""

from __future__ import annotations

import warnings
from pathlib import Path

from idic.interact.network.section import network
from idic.measure.sections import all_sections
from idic.privacy.keys import create_key
from idic.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_section_numbers_and_figures(small_demo: Path) -> None:
    ws = Workspace.open(small_demo)
    try:
        s = network(ws, "EUR")
        assert any(x.key == "network" and x.available for x in all_sections(ws))
        m = ws.to_pandas("network_metrics")
    finally:
        ws.close()
    assert s.available
    nums = {n.label: n.value for n in s.numbers}
    assert nums["Referrals"] == f"{int(m['referrals'].sum()):,}" == "74"
    assert "rank by value, not by volume" in s.bullets[0]
    grid = s.figures[0]
    names = {t.name.split(" (")[0] for t in grid.data}
    assert names == {"Champions", "Affluents", "Advocates", "Misers"}
    assert sum(len(t.x) for t in grid.data) == int((m["referrals"] > 0).sum())
    assert "CLV" in grid.layout.xaxis.title.text and "CRV" in grid.layout.yaxis.title.text
    titles = [t for t, _ in s.tables]
    assert titles[:3] == ["Roles and their indicators", "Top referrers by count",
                          "Top referrers by referral value"]


def test_dashboard_page_and_360(small_demo: Path, tmp_path: Path) -> None:
    import shutil

    ws_dir = Path(shutil.copytree(small_demo, tmp_path / "ws"))
    from idic.api import create_app

    key = create_key(ws_dir, "analyst")["key"]
    with Workspace.open(ws_dir) as ws:
        m = ws.table("network_metrics")
        cid = m.filter(m.referrals > 0).order_by(m.referrals.desc()).limit(1).to_pyarrow()[
            "customer_id"][0].as_py()
    with TestClient(create_app(ws_dir)) as c:
        r = c.post("/login", data={"key": key}, follow_redirects=False)
        assert r.status_code == 303
        r = c.get("/dashboard/network")
        assert r.status_code == 200 and "Roles and networks" in r.text
        assert "Plotly.newPlot" in r.text and "could not be built" not in r.text
        r = c.get(f"/dashboard/customers/{cid}")
        assert r.status_code == 200
        assert "Referral tree" in r.text and "ambassador" in r.text
