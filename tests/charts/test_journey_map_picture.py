"""The journey map as a picture (issue 18): `idic journeys map` writes a self-contained HTML
page, a PNG and Mermaid `journey` text, drawn from the demo's data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from idic.charts.journey_map import map_mermaid
from idic.cli.main import app
from idic.interact.journeys.service import journey_map
from idic.workspace import Workspace

runner = CliRunner()
TASK = re.compile(r"^ {6}[^:#;\n]+: [1-5](: [^:#;\n]+)?$")


def _map(small_demo: Path, *args: str):
    return runner.invoke(app, ["journeys", "map", "--workspace", str(small_demo), *args])


def test_html_map_is_self_contained_and_labels_the_planted_effects(small_demo, tmp_path) -> None:
    out = tmp_path / "MAP.html"
    r = _map(small_demo, "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for element in ("Persona / segment", "Scenario", "Actions &amp; touchpoints", "Channels",
                    "Emotion", "Pain points", "Love points", "Moments of truth",
                    "Opportunities"):
        assert element in html, element
    lanes = {name: html.index(f">{name}<small>") for name in
             ("Pain points", "Love points", "Moments of truth")}
    pain_lane = html[lanes["Pain points"]:lanes["Love points"]]
    mot_lane = html[lanes["Moments of truth"]:html.index('class="note"')]
    assert "Checkout Error" in pain_lane and "Delivery Delayed" in pain_lane
    assert "★ Live Chat Resolved" in mot_lane
    for nav in ("Page Viewed", "Product Viewed", "Email Opened"):
        assert nav not in pain_lane
    # numbers for people: no raw seconds, no scientific notation
    assert not re.search(r"\d\.\d+e[+-]\d", html)
    assert "days later" in html or "hours later" in html


def test_png_map(small_demo, tmp_path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium")
    out = tmp_path / "MAP.png"
    r = _map(small_demo, "--format", "png", "-o", str(out))
    assert r.exit_code == 0, r.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width == 1400 and height > 1000


def test_mermaid_journey_is_structurally_valid(small_demo) -> None:
    r = _map(small_demo, "--format", "mermaid")
    assert r.exit_code == 0, r.output
    lines = r.output.rstrip("\n").split("\n")
    assert lines[0] == "journey"
    assert re.fullmatch(r" {4}title [^:#;]+", lines[1])
    sections = [ln for ln in lines if ln.startswith("    section ")]
    assert len(sections) >= 4
    in_section = False
    tasks = {}
    for ln in lines[2:]:
        if ln.startswith("    section "):
            in_section = True
            continue
        assert in_section and TASK.match(ln), ln
        name, score = ln.strip().split(": ")[:2]
        tasks[name] = int(score)
    assert tasks["Checkout Error"] == 1 and tasks["Delivery Delayed"] == 1
    assert tasks["Live Chat Resolved"] == 5


def test_mermaid_escapes_names_that_would_break_it(small_demo) -> None:
    with Workspace.open(small_demo, read_only=True) as ws:
        jm = journey_map(ws, title="Map: #1; for\nwiki")
    jm.touchpoints.loc[jm.touchpoints.index[0], "touchpoint"] = "Step: one #2"
    text = map_mermaid(jm)
    assert text.split("\n")[1] == "    title Map 1 for wiki"
    for ln in text.split("\n")[2:]:
        if ln and not ln.startswith("    section "):
            assert TASK.match(ln), ln


def test_unknown_format_is_a_clear_error(small_demo) -> None:
    r = _map(small_demo, "--format", "pdf")
    assert r.exit_code != 0 and "format" in r.output.lower()
