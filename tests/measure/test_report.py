"""The report contract: one self-contained HTML file with Plotly figures and every section."""

import re

import typer
from typer.testing import CliRunner

from idic.cli.report import report_cmd
from idic.measure.report import build_report
from idic.workspace import Workspace

SECTIONS = ("summary", "actions", "value", "cohorts", "journeys")


def check_html(html: str) -> None:
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html, re.I), "no network scripts"
    assert "<script" in html and "Plotly.newPlot" in html
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs()[-400:] in html, "plotly.js embedded from the installed package"
    for key in SECTIONS:
        assert f'id="{key}"' in html, key


def test_build_report_writes_one_offline_html_file(small_ws_path, tmp_path):
    out = tmp_path / "sub" / "report.html"
    with Workspace.open(small_ws_path) as ws:
        path = build_report(ws, out)
    assert path == out and list(out.parent.iterdir()) == [out]
    html = out.read_text()
    check_html(html)
    # real numbers, not placeholders, in the headline and the actions
    assert "Active customers" in html and "Retention rate" in html
    assert "What to do next" in html and "value at stake" in html.lower()
    assert "Checkout Error" in html  # the planted pain point is found and recommended
    assert html.count("Plotly.newPlot") >= 8
    assert "could not be built" not in html


def test_report_says_stage_not_run_instead_of_crashing(workspace, tmp_path):
    path = build_report(workspace, tmp_path / "empty.html")
    html = path.read_text()
    assert all(f'id="{k}"' in html for k in SECTIONS)
    assert "ingest orders first" in html or "stage not run" in html
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html, re.I)


def test_cli_report_command(small_ws_path, tmp_path):
    app = typer.Typer()
    app.command("report")(report_cmd)
    app.command("other")(lambda: None)
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["report", "--workspace", str(small_ws_path), "-o", str(out),
                                   "--json"])
    assert res.exit_code == 0, res.output
    assert '"report"' in res.output and out.exists()
    check_html(out.read_text())
    res = CliRunner().invoke(app, ["report", "--workspace", str(tmp_path / "nope"),
                                   "-o", str(out)])
    assert res.exit_code == 4 and "not an idic workspace" in res.output
