"""The journey map: the table behind the picture, and the picture."""

from __future__ import annotations

import pyarrow as pa
import pytest

from idic.charts.journeys import (
    attribution_figure,
    funnel_figure,
    moments_figure,
    sankey_figure,
)
from idic.interact.journeys import journey_map, render_html, workspace_paths
from idic.interact.journeys.attribution import compare
from idic.interact.journeys.funnels import funnel
from idic.interact.journeys.paths import sankey
from idic.interact.journeys.service import segment_persons, workspace_moments

from . import synth
from .helpers import load


@pytest.fixture
def shop(workspace):
    load(workspace, synth.shop(800))
    return workspace


def test_map_measures_stages(shop, tmp_path) -> None:
    jm = journey_map(shop)
    st = jm.stages.set_index("stage")
    assert jm.persons == 800
    assert st.loc["consideration", "reach"] == 800
    assert 0 < st.loc["consideration", "conversion_to_next"] < 1
    assert st.loc["purchase", "emotion"] < 0 < st.loc["support", "emotion"]
    assert "Checkout Error" in st.loc["purchase", "pain_points"]
    assert "Delivery Delayed" in st.loc["use", "pain_points"]
    assert "Live Chat Resolved" in st.loc["support", "love_points"]
    assert jm.opportunities and jm.opportunities[0]["lost_persons"] > 0
    html = render_html(jm, tmp_path / "m.html")
    assert html.count("<div") > 2 and (tmp_path / "m.html").exists()
    assert jm.to_dict()["stages"][0]["stage"] == "awareness"


def test_map_of_a_segment(shop) -> None:
    ids = [f"web:u{i:05d}" for i in range(0, 800, 2)]
    shop.engine.create_table("segments", pa.table({
        "customer_id": ids, "segment": ["half"] * len(ids)}))
    persons = segment_persons(shop, "half")
    jm = journey_map(shop, persons=persons, title="half", min_exposed=10)
    assert jm.persons == 400 and jm.title == "half"


def test_charts_build(shop) -> None:
    paths = workspace_paths(shop)
    figs = [
        funnel_figure(funnel(shop.engine, "Product Viewed,Checkout Started,Order Completed",
                             "7d")),
        sankey_figure(sankey(paths)),
        attribution_figure(compare(paths)),
        moments_figure(workspace_moments(shop)),
    ]
    for f in figs:
        assert f.to_dict()["data"]
