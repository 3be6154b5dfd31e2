"""The report section "Experiments" and the charts, on saved experiment results."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from idic.charts.experiments import effects_figure, qini_figure
from idic.customize.experiments.analysis import analyze_arrays
from idic.customize.experiments.section import experiments
from idic.customize.experiments.store import load_results, save_result
from idic.customize.experiments.uplift import evaluate
from idic.measure.report import build_report
from idic.workspace import Workspace


def _result(lift: float, seed: int, n: int = 4000, weights: str | None = None) -> dict:
    rng = np.random.default_rng(seed)
    arm = np.where(rng.random(n) < 0.5, "control", "new")
    y = rng.normal(100, 20, n) + (arm == "new") * lift
    return analyze_arrays(arm, y, control="control", weights=weights)


def test_section_lists_saved_experiments_with_verdicts(workspace: Workspace,
                                                      tmp_path: Path) -> None:
    empty = experiments(workspace)
    assert not empty.available and "idic experiment analyze" in (empty.reason or "")
    save_result(workspace, "checkout", _result(5.0, 1))
    save_result(workspace, "banner", _result(0.0, 2, weights="0.3,0.7"))
    save_result(workspace, "checkout", _result(5.0, 1))  # saved again: replaced, not doubled
    assert sorted(e["name"] for e in load_results(workspace)) == ["banner", "checkout"]
    s = experiments(workspace)
    assert s.available
    table = s.tables[0][1].set_index("Experiment")
    assert table.loc["checkout", "Verdict"] == "better than control"
    assert table.loc["banner", "Verdict"].startswith("split broken")  # planned 30/70, got 50/50
    assert any("sample-ratio mismatch" in b for b in s.bullets)
    out = build_report(workspace, tmp_path / "report.html", compute=False)
    html = out.read_text()
    assert "Experiments" in html and "better than control" in html


def test_charts_are_labelled() -> None:
    fig = effects_figure({"checkout": _result(5.0, 1)})
    assert fig.layout.xaxis.title.text == "change against control (%)"
    assert len(fig.data[0].x) == 1 and 0.02 < fig.data[0].x[0] < 0.08
    y = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    t = [1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0]
    s = [.9, .8, .7, .65, .6, .5, .45, .4, .3, .2, .1, .05]
    q = qini_figure(evaluate(y, s, t))
    assert "0.313" in q.layout.title.text and q.layout.xaxis.title.text.startswith("units")


def test_dashboard_page_shows_saved_experiments(tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():  # starlette's TestClient warns about httpx (as voice's test)
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from idic.api import create_app
    from idic.privacy.keys import create_key

    path = tmp_path / "ws"
    with Workspace.init(path) as ws:
        save_result(ws, "checkout", _result(5.0, 1))
    key = create_key(path, "analyst")["key"]
    with TestClient(create_app(path)) as c:
        assert c.post("/login", data={"key": key}, follow_redirects=False).status_code == 303
        r = c.get("/dashboard/experiments")
        assert r.status_code == 200 and "could not be built" not in r.text
        assert "better than control" in r.text and 'href="/dashboard/experiments"' in r.text
