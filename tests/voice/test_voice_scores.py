"""NPS / CSAT / CES with uncertainty: published fixture and independently computed numbers."""

from __future__ import annotations

import json
import math
import re
import statistics
from pathlib import Path

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from idic.cli.voice import app
from idic.interact.voice import scores

runner = CliRunner()
FIXTURE = [10, 9, 9, 8, 7, 6, 5, 0, 10, 3, 9, 8]


def _csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_nps_fixture_library() -> None:
    r = scores.nps(ibis.memtable({"score": FIXTURE}))
    assert r["nps"] == pytest.approx(8.3333, abs=1e-4)
    assert r["se"] == pytest.approx(24.884, abs=1e-3)
    assert (r["n"], r["promoters"], r["passives"], r["detractors"]) == (12, 5, 3, 4)
    assert r["ci"] == pytest.approx([8.3333 - 1.96 * 24.884, 8.3333 + 1.96 * 24.884], abs=0.01)


def test_nps_cli_json_and_groups(tmp_path: Path) -> None:
    tps = ["web", "store"] * 6
    f = _csv(tmp_path / "s.csv", "id,score,tp",
             [f"{i},{s},{tp}" for i, (s, tp) in enumerate(zip(FIXTURE, tps, strict=True))]
             + ["99,,web"])  # blank = unanswered
    res = runner.invoke(app, ["nps", str(f), "--score-col", "score", "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert set(r) == {"nps", "se", "ci", "n", "promoters", "passives", "detractors"}
    assert r["nps"] == pytest.approx(8.3333, abs=1e-4) and r["n"] == 12
    res = runner.invoke(app, ["nps", str(f), "--score-col", "score", "--by", "tp", "--json"])
    g = json.loads(res.stdout)["groups"]
    for tp in ("web", "store"):
        mine = [s for s, t in zip(FIXTURE, tps, strict=True) if t == tp]
        p = sum(s >= 9 for s in mine) / len(mine)
        d = sum(s <= 6 for s in mine) / len(mine)
        assert g[tp]["nps"] == pytest.approx(100 * (p - d))
        assert g[tp]["se"] == pytest.approx(100 * math.sqrt((p + d - (p - d) ** 2) / len(mine)))
    # the overall NPS is the pooled one, not the average of the groups
    pooled = scores.nps_from_counts(*(sum(g[t][k] for t in g)
                                      for k in ("promoters", "passives", "detractors")))
    assert pooled["nps"] == pytest.approx(r["nps"])


def test_nps_by_period(tmp_path: Path) -> None:
    f = _csv(tmp_path / "s.csv", "score,at",
             ["10,2024-01-05", "0,2024-01-20", "9,2024-02-01T10:00:00Z"])
    res = runner.invoke(app, ["nps", str(f), "--score-col", "score", "--period", "month",
                              "--date-col", "at", "--json"])
    assert res.exit_code == 0, res.output
    g = json.loads(res.stdout)["groups"]
    assert g["2024-01"]["nps"] == 0 and g["2024-02"]["nps"] == 100 and g["2024-02"]["se"] == 0


def test_csat_and_ces_match_independent_computation() -> None:
    vals = [5, 4, 4, 3, 1, 5, 2, 4]
    r = scores.csat(ibis.memtable({"score": vals}))
    p = sum(v >= 4 for v in vals) / len(vals)
    assert r["csat"] == pytest.approx(p)
    assert r["se"] == pytest.approx(math.sqrt(p * (1 - p) / len(vals)))
    assert r["mean"] == pytest.approx(statistics.mean(vals))
    assert r["mean_se"] == pytest.approx(statistics.stdev(vals) / math.sqrt(len(vals)))
    c = scores.ces(ibis.memtable({"score": vals}))
    assert c["ces"] == pytest.approx(statistics.mean(vals))
    assert c["se"] == pytest.approx(statistics.stdev(vals) / math.sqrt(len(vals)))


@pytest.mark.parametrize(("cell", "why"), [("abc", "'abc'"), ("11", "'11'"), ("7.5", "'7.5'"),
                                           ("-1", "'-1'")])
def test_bad_score_names_file_row_column(tmp_path: Path, cell: str, why: str) -> None:
    f = _csv(tmp_path / "bad.csv", "id,score", ["1,9", f'2,"{cell}"'])
    res = runner.invoke(app, ["nps", str(f), "--score-col", "score"])
    assert res.exit_code == 2
    assert "bad.csv" in res.output and "row 2" in res.output and "'score'" in res.output
    assert why in res.output


def test_empty_and_missing_column(tmp_path: Path) -> None:
    f = _csv(tmp_path / "e.csv", "id,score", [])
    res = runner.invoke(app, ["nps", str(f), "--score-col", "score"])
    assert res.exit_code == 2 and "e.csv" in res.output
    res = runner.invoke(app, ["nps", str(f), "--score-col", "nope"])
    assert res.exit_code == 2 and "'nope'" in res.output


_cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"),
                 max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_cells, min_size=1, max_size=6))
def test_hostile_scores_clear_error_or_right_answer(tmp_path: Path, cells: list[str]) -> None:
    f = tmp_path / "h.csv"
    f.write_text("score\n" + "".join('"' + c.replace('"', '""') + '"\n' for c in cells),
                 encoding="utf-8")
    res = runner.invoke(app, ["nps", str(f), "--score-col", "score", "--json"])
    assert res.exit_code in (0, 2), res.output
    if res.exit_code == 2:
        assert "h.csv" in res.output
    answered = [c for c in cells if c.strip(" ")]
    if answered and all(re.fullmatch(r" *([0-9]|10) *", c) for c in answered):
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["n"] == len(answered)
    elif not answered or any(not re.search("[0-9]", c) for c in answered):
        assert res.exit_code == 2, res.output
