"""Hostile inputs to `idic pilot plan` / `evaluate`: names, stratify columns, shares, seeds,
waves. Each either plans (and the plan holds) or is a clear input error (exit 2 / 3), never
a crash."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from idic.cli.main import app

runner = CliRunner()
FUZZ = settings(max_examples=8, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _plan(ws: Path, *extra: str) -> tuple[int, dict | None, str]:
    r = runner.invoke(app, ["pilot", "plan", "--workspace", str(ws), "--start", "2026-01-01",
                            *extra, "--json"])
    if r.exit_code == 0:
        return 0, json.loads(r.stdout), ""
    assert r.exit_code == 2, (extra, r.output, r.exception)
    assert r.stderr.startswith("error:"), r.stderr
    return r.exit_code, None, r.stderr


@FUZZ
@given(name=st.text(max_size=30))
def test_names(pilot_ws: Path, name: str) -> None:
    code, got, _ = _plan(pilot_ws, "--name", name)
    if code == 0:
        assert got is not None and got["name"] == name.strip()
        r = runner.invoke(app, ["pilot", "list", "--workspace", str(pilot_ws), "--json"])
        assert name.strip() in {p["name"] for p in json.loads(r.stdout)["pilots"]}


@FUZZ
@given(cols=st.text(alphabet="value_tiercountyorders,_ pq\x00é", max_size=30))
def test_stratify_columns(pilot_ws: Path, cols: str) -> None:
    code, got, err = _plan(pilot_ws, "--name", "fz", "--stratify", cols)
    if code == 0:
        assert got is not None
        assert got["stratify"] == list(dict.fromkeys(c.strip() for c in cols.split(",")
                                                     if c.strip()))
    elif cols.strip(", "):
        assert "stratify column" in err or "at most 4" in err


@FUZZ
@given(share=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1)),
       seed=st.one_of(st.integers(-5, 10), st.integers(2**62, 2**64)),
       waves=st.integers(-2, 25))
def test_shares_seeds_waves(pilot_ws: Path, share: float, seed: int, waves: int) -> None:
    code, got, err = _plan(pilot_ws, "--name", "fz2", "--share", repr(share), "--seed",
                           str(seed), "--waves", str(waves))
    ok = 0 < share < 1 and 0 <= seed < 2**63 and 2 <= waves <= 20
    if code == 0:
        assert ok and got is not None
        assert got["test_units"] == round(share * got["units"])
        assert sorted(int(k) for k in got["wave_sizes"]) == list(range(1, waves + 1)) or \
            got["control_units"] < waves - 1
    else:
        assert not ok or "no test or no control" in err


@FUZZ
@given(name=st.text(max_size=20))
def test_evaluate_unknown_or_bad_names(pilot_ws: Path, name: str) -> None:
    r = runner.invoke(app, ["pilot", "evaluate", "--workspace", str(pilot_ws), "--name",
                            name + "\x01", "--json"])
    assert r.exit_code in (2, 3), (r.output, r.exception)
    assert "error:" in r.stderr
