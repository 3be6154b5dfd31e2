"""Fuzz tests of the user-supplied inputs other than the results file (tested in
test_experiment_analysis.py): weights, SRM counts, design numbers, uplift files."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from idic.cli.main import app
from idic.customize.experiments.analysis import parse_weights
from idic.customize.experiments.design import design
from idic.errors import InputError

runner = CliRunner()
_num = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10_000),
                 st.floats(0, 1), st.floats(-1e-3, 1e-3), st.sampled_from([0.05, 0.8, 0.5, 1.0]))


@settings(deadline=None)
@given(text=st.text(alphabet="0123456789.,=-eabAB x", max_size=20))
def test_weights_text_parses_or_is_an_input_error(text: str) -> None:
    try:
        w = parse_weights(text, ["A", "B"])
    except InputError:
        return
    assert set(w) == {"A", "B"} and all(math.isfinite(v) and v >= 0 for v in w.values())
    assert sum(w.values()) > 0


@settings(deadline=None)
@given(counts=st.text(alphabet="0123456789.,- e", max_size=16),
       weights=st.one_of(st.none(), st.text(alphabet="0123456789.,- ", max_size=12)))
def test_srm_inputs_give_a_p_value_or_an_input_error(counts: str, weights: str | None) -> None:
    from idic.cli.experiment import _counts
    from idic.customize.experiments.stats import srm_p_value

    try:
        p = srm_p_value(_counts(counts, "counts"),
                        None if weights is None else _counts(weights, "weights"))
    except InputError:
        return
    assert 0 <= p <= 1


@settings(max_examples=10, deadline=None)
@given(counts=st.text(alphabet="0123456789.,- e", max_size=16),
       weights=st.one_of(st.none(), st.text(alphabet="0123456789.,- ", max_size=12)))
def test_srm_cli_never_crashes(counts: str, weights: str | None) -> None:
    args = ["experiment", "srm", "--counts", counts, "--json"]
    if weights is not None:
        args += ["--weights", weights]
    res = runner.invoke(app, args)
    assert res.exit_code in (0, 2), res.output
    if res.exit_code == 2:
        assert "error:" in res.stderr


@settings(max_examples=300, deadline=None)
@given(baseline=_num, mde=_num, power=_num, alpha=_num, sd=st.one_of(st.none(), _num))
def test_design_gives_a_finite_size_or_an_input_error(baseline, mde, power, alpha, sd) -> None:
    try:
        d = design(baseline, mde, power=power, alpha=alpha, sd=sd)
    except InputError:
        return
    assert math.isfinite(d.per_arm) and d.per_arm > 0 and d.per_arm_whole >= d.per_arm - 1e-6


_cell = st.one_of(st.sampled_from(["0", "1", "", "2", "x", "nan", " 1 ", "0.5", "-0"]),
                  st.text(max_size=3))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(_cell, _cell, _cell), max_size=10))
def test_uplift_file_evaluates_or_is_an_input_error(tmp_path_factory: pytest.TempPathFactory,
                                                    rows: list[tuple[str, str, str]]) -> None:
    import csv

    f: Path = tmp_path_factory.mktemp("up") / "scored.csv"
    with f.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["y", "t", "s"])
        w.writerows(rows)
    res = runner.invoke(app, ["uplift", "evaluate", str(f), "--outcome-col", "y",
                              "--treatment-col", "t", "--score-col", "s", "--json"])
    assert res.exit_code in (0, 2), res.output


@settings(max_examples=300, deadline=None)
@given(baseline=_num, n=_num, power=_num, alpha=_num, sd=st.one_of(st.none(), _num))
def test_mde_is_finite_or_an_input_error(baseline, n, power, alpha, sd) -> None:
    from idic.customize.experiments.design import mde_mean, mde_proportion

    try:
        m = (mde_proportion(baseline, n, power=power, alpha=alpha) if sd is None
             else mde_mean(n, sd, power=power, alpha=alpha))
    except InputError:
        return
    assert math.isfinite(m) and m > 0
