"""The needs section of the report, the dashboard's segments page and the customer 360."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from idic.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def ws_path(small_demo: Path, tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("needs-views") / "ws"
    shutil.copytree(small_demo, p)
    return p


def test_section_lists_every_segment(ws_path: Path) -> None:
    from idic.measure.sections import all_sections

    with Workspace.open(ws_path, read_only=True) as ws:
        secs = {s.key: s for s in all_sections(ws)}
        prof = ws.to_pandas("segments_profile")
    s = secs["needs"]
    assert s.available and s.title == "Needs and personas"
    assert len(s.bullets) == len(prof) == 5
    assert all(name in " ".join(s.bullets) for name in prof["segment_name"])
    assert s.figures and s.tables


def test_customer_360_shows_segment_and_recommendations(ws_path: Path) -> None:
    from idic.service.customers360 import profile

    with Workspace.open(ws_path, read_only=True) as ws:
        seg = ws.to_pandas("segments")
        row = seg[seg["segment"] != "undetermined"].iloc[0]
        p = profile(ws, row["customer_id"])
    assert p is not None
    assert p["needs"]["segment"] == row["segment"]
    assert abs(p["needs"]["probability"] - row["probability"]) < 1e-9
    assert p["needs"]["recommendations"]


def test_dashboard_segments_page(ws_path: Path) -> None:
    from idic.api import create_app
    from idic.privacy.keys import create_key

    key = create_key(ws_path, "analyst")["key"]
    with Workspace.open(ws_path, read_only=True) as ws:
        seg = ws.to_pandas("segments")
        name = ws.to_pandas("segments_profile")["segment_name"].iloc[0]
    cid = seg[seg["segment"] != "undetermined"]["customer_id"].iloc[0]
    with TestClient(create_app(ws_path)) as c:
        r = c.post("/login", data={"key": key}, follow_redirects=False)
        assert r.status_code == 303
        r = c.get("/dashboard/segments")
        assert r.status_code == 200 and "Needs and personas" in r.text and name in r.text
        r = c.get(f"/dashboard/customers/{cid}")
        assert r.status_code == 200 and "Needs segment" in r.text
