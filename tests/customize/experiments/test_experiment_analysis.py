"""Experiment analysis through the engine: files, CUPED against an independent
computation, participation, guardrails, and a fuzz test of the results-file loader."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from idic.customize.experiments.analysis import analyze_arrays, analyze_file
from idic.errors import InputError


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def cuped_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(17)
    n = 3000
    v = np.where(rng.random(n) < 0.5, "control", "new")
    x = rng.gamma(2.0, 20.0, n)  # last quarter's revenue per customer
    y = 0.7 * x + rng.normal(0, 12, n) + (v == "new") * 2.0
    return {"variant": v, "pre": x, "y": y}


def test_cuped_matches_independent_computation(cuped_data: dict[str, np.ndarray]) -> None:
    v, x, y = cuped_data["variant"], cuped_data["pre"], cuped_data["y"]
    res = analyze_arrays(v, y, control="control", pre=x)
    new = res["variants"]["new"]
    # θ pooled over both arms = the OLS slope of Y on X over all units (numpy lstsq)
    slope = np.linalg.lstsq(np.c_[np.ones_like(x), x], y, rcond=None)[0][1]
    assert new["cuped"]["theta"] == pytest.approx(slope, rel=1e-9)
    # the CUPED effect is Welch's t test on Y − θX (scipy on the unit rows)
    adj = y - slope * x
    ref = sps.ttest_ind(adj[v == "new"], adj[v == "control"], equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert new["absolute"]["effect"] == pytest.approx(
        adj[v == "new"].mean() - adj[v == "control"].mean(), rel=1e-9)
    assert new["absolute"]["p_value"] == pytest.approx(ref.pvalue, rel=1e-6)
    assert new["absolute"]["ci"] == pytest.approx([ci.low, ci.high], rel=1e-9)
    # the variance falls by about ρ² (Deng et al. 2013, eq. 4)
    rho2 = np.corrcoef(x, y)[0, 1] ** 2
    assert new["cuped"]["variance_reduction"] == pytest.approx(rho2, abs=0.03)
    plain = analyze_arrays(v, y, control="control")["variants"]["new"]
    assert new["absolute"]["se"] < 0.6 * plain["absolute"]["se"]
    assert plain["absolute"]["effect"] == pytest.approx(new["cuped"]["unadjusted_effect"])


def test_binary_file_bayesian_matches_gbstats(tmp_path: Path) -> None:
    rows = ([["a", 1]] * 49 + [["a", 0]] * 51 + [["b", 1]] * 51 + [["b", 0]] * 49)
    f = _write_csv(tmp_path / "conv.csv", ["arm", "converted"], rows)
    res = analyze_file(f, variant="arm", value="converted", control="a", method="bayesian")
    b = res["variants"]["b"]
    assert res["metric_type"] == "proportion"
    assert b["relative"]["effect"] == pytest.approx(0.04082, abs=5e-6)
    assert b["chance_to_win"] == pytest.approx(0.60918, abs=5e-6)
    assert res["prior"]["kind"] == "flat (improper)"
    assert res["srm"]["p_value"] == pytest.approx(1.0)


def test_parquet_with_participation_guardrail_and_weights(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 4000
    arm = np.where(rng.random(n) < 0.25, "B", "A")  # planned 75/25
    took = (rng.random(n) < np.where(arm == "B", 0.6, 0.7)).astype(int)
    complaints = rng.poisson(np.where(arm == "B", 0.30, 0.10))
    y = rng.normal(50, 10, n)
    f = tmp_path / "r.parquet"
    pq.write_table(pa.table({"arm": arm, "y": y, "took": took, "complaints": complaints}), f)
    res = analyze_file(f, variant="arm", value="y", control="A", weights="A=0.75,B=0.25",
                       participation="took", guardrails=["complaints:lower"])
    assert res["srm"]["p_value"] > 0.001 and not res["srm"]["mismatch"]
    skewed = analyze_file(f, variant="arm", value="y", control="A", weights="0.5,0.5")
    assert skewed["srm"]["mismatch"]
    part = res["participation"]
    assert part["rate"]["A"] == pytest.approx(took[arm == "A"].mean())
    assert part["p_value"] < 1e-6  # 60% vs 70%: a participation difference worth a warning
    g = res["guardrails"]["complaints"]["variants"]["B"]
    assert g["status"] == "harm" and g["absolute"]["effect"] > 0.1


@pytest.mark.parametrize(("rows", "message"), [
    ([["a", "1"], ["b", "x1"]], r"row 2, column 'y': 'x1' is not a number"),
    ([["a", "1"], ["b", ""], ["b", ""]], r"row 2, column 'y': empty is not a number \(2 bad"),
    ([["a", "1"], ["", "2"]], r"row 2, column 'arm': empty has no variant"),
    ([["a", "1"], ["b", "inf"]], r"row 2, column 'y': 'inf' is not a number"),
])
def test_bad_cells_name_file_row_and_column(tmp_path: Path, rows: list, message: str) -> None:
    f = _write_csv(tmp_path / "bad.csv", ["arm", "y"], rows)
    with pytest.raises(InputError, match=message) as err:
        analyze_file(f, variant="arm", value="y", control="a")
    assert str(f) in str(err.value)


def test_unknown_column_and_control_are_named(tmp_path: Path) -> None:
    f = _write_csv(tmp_path / "r.csv", ["arm", "y"], [["a", 1], ["a", 2], ["b", 3], ["b", 1]])
    with pytest.raises(InputError, match="unknown column 'value'"):
        analyze_file(f, variant="arm", value="value", control="a")
    with pytest.raises(InputError, match=r"unknown control variant 'A'.*closest: 'a'"):
        analyze_file(f, variant="arm", value="y", control="A")
    with pytest.raises(InputError, match="no such file"):
        analyze_file(tmp_path / "nope.csv", variant="arm", value="y", control="a")


_cell = st.one_of(st.integers(-5, 5).map(str), st.floats(-1e6, 1e6).map(repr),
                  st.sampled_from(["", " ", "nan", "1e400", "x", "1,5", '"', "0x10", "  2 "]),
                  st.text(max_size=4))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "b", "", "ä b"]), _cell, _cell),
                     min_size=0, max_size=12))
def test_loader_fuzz_gives_a_result_or_an_input_error(tmp_path_factory: pytest.TempPathFactory,
                                                      rows: list[tuple[str, str, str]]) -> None:
    f = _write_csv(tmp_path_factory.mktemp("fz") / "r.csv", ["arm", "y", "pre"],
                   [list(r) for r in rows])
    try:
        res = analyze_file(f, variant="arm", value="y", control="a", pre="pre")
    except InputError as err:
        assert str(err)
        return
    assert sum(v["n"] for v in res["variants"].values()) == len(rows)
    assert all(float(r[1]) == float(r[1]) for r in rows)  # only clean numbers got through


def test_control_mean_zero_has_no_relative_effect_but_a_chance_to_win() -> None:
    res = analyze_arrays(["a"] * 50 + ["b"] * 50, [0] * 95 + [1] * 5, control="a",
                         method="bayesian", prior_sd=0.3)
    b = res["variants"]["b"]
    assert b["relative"]["effect"] is None and b["absolute"]["effect"] == pytest.approx(0.1)
    # flat prior on the absolute effect: P(N(0.1, se²) > 0), se = √(0.1·0.9/50)
    se = (0.1 * 0.9 / 50) ** 0.5
    assert b["chance_on"] == "absolute effect"
    assert b["chance_to_win"] == pytest.approx(sps.norm.sf(0, 0.1, se))
