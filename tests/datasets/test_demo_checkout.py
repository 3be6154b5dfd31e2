"""The demo's checkout A/B test: hash-assigned 50/50 without sample-ratio mismatch, and the
analysis recovers the planted 4-point conversion lift within its 95% interval, narrower with
CUPED on the pre-period revenue."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from idic.cli.core import _truth_item
from idic.customize.assign import arm_py
from idic.customize.experiments.analysis import analyze_file
from idic.datasets import demo_checkout as dc
from idic.workspace import Workspace


@pytest.fixture(scope="module")
def checkout(small_demo: Path) -> tuple[Path, pd.DataFrame, dict]:
    root = small_demo / "demo-data"
    truth = json.loads((root / "truth" / "params.json").read_text())["checkout_test"]
    return root / dc.FILE, pd.read_csv(root / dc.FILE), truth


def test_file_and_truth_agree(checkout) -> None:
    _, df, truth = checkout
    assert list(df.columns) == ["unit_id", "customer", "variant", "converted", "revenue",
                                "pre_revenue"]
    assert len(df) == truth["units"] > 150 and df.unit_id.is_unique and df.customer.is_unique
    assert truth["stream"] == 15 and truth["conversion_lift_absolute"] == 0.04
    assert truth["order_value_effect"] == 0.0
    assert set(df.variant) == {"control", "new_checkout"} and set(df.converted) <= {0, 1}
    # the arm is the campaigns' deterministic hash of the customer, nothing else
    assert (df.variant == [arm_py(c, dc.SALT, dc.ARMS, dc.WEIGHTS) for c in df.customer]).all()
    assert (df.revenue[df.converted == 0] == 0).all() and (df.revenue[df.converted == 1] > 0).all()
    assert (df.pre_revenue >= 0).all() and (df.pre_revenue > 0).mean() > 0.5


def test_analysis_recovers_the_planted_lift_and_cuped_narrows(checkout) -> None:
    path, _, truth = checkout
    opts = {"variant": "variant", "value": "converted", "control": "control"}
    plain = analyze_file(path, **opts)
    cuped = analyze_file(path, pre="pre_revenue", **opts)
    planted = truth["conversion_lift_absolute"]
    widths = {}
    for name, res in (("plain", plain), ("cuped", cuped)):
        a = res["variants"]["new_checkout"]["absolute"]
        assert a["ci"][0] <= planted <= a["ci"][1], (name, a)
        widths[name] = a["ci"][1] - a["ci"][0]
        assert res["srm"]["p_value"] > 0.01
    assert widths["cuped"] < widths["plain"]
    assert cuped["variants"]["new_checkout"]["cuped"]["variance_reduction"] > 0.02
    # order value: no planted effect, so revenue per converting unit is alike in both arms
    rev = analyze_file(path, variant="variant", value="revenue", control="control",
                       pre="pre_revenue")["variants"]["new_checkout"]["absolute"]
    assert rev["ci"][0] <= truth["revenue_lift_absolute_expected"] <= rev["ci"][1]


def test_demo_prints_and_saves_the_comparison(small_demo: Path) -> None:
    with Workspace.open(small_demo, read_only=True) as ws:
        from idic.customize.experiments.store import load_results

        saved = {e["name"]: e["result"] for e in load_results(ws)}
    assert saved["checkout-test"]["cuped"] is True
    from idic.customize.experiments.demo_check import checkout_vs_truth

    got = checkout_vs_truth(small_demo / "demo-data")
    assert got is not None and got["found"] and got["planted"] == 0.04
    line = _truth_item("checkout lift", got)
    assert line.startswith("checkout lift ") and "planted 0.04" in line and "found" in line
