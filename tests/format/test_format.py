"""Numbers for people (idic.format): the defects of issue 18 as tests."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from idic import format as F


def test_numbers_have_separators_and_no_scientific_notation() -> None:
    assert F.number(14351) == "14,351"
    assert F.number(11642.25) == "11,642"
    assert F.number(7.535e5) == "753,500"
    assert F.number(3.766e4) == "37,660"
    assert F.number(0.000123) == "0.000123"
    assert F.number(3.7712) == "3.77"
    assert F.number(float("nan")) == ""


def test_money_percent_duration() -> None:
    assert F.money(11642.25, "EUR") == "11,642 EUR"
    assert F.money(9.5, "EUR") == "9.50 EUR"
    assert F.percent(0.4362) == "43.6%"
    assert F.percent(2.38) == "238.0%"
    assert F.duration(1.98e6) == "23 days"
    assert F.duration(5.5 * 3600) == "5.5 hours"
    assert F.duration(20 * 3600) == "20 hours"
    assert F.duration(3 * 86400 + 4 * 3600) == "3.2 days"
    assert F.duration(720) == "12 min"
    assert F.days(30.0) == "30 days"
    assert F.ratio(0.198) == "0.20"
    assert F.ratio(1920.6) == "1,921"
    assert F.pvalue(1e-9) == "< 0.001"


def test_labels_from_the_glossary_and_words_otherwise() -> None:
    assert F.label("share_before") == "Share of value before this customer"
    assert F.label("expected_ipt_days") == "Expected days between purchases"
    assert F.label("T") == "Customer age (periods)"
    assert F.label("median_seconds_to_next") == "Median time to next stage"
    assert F.label("some_new_column") == "Some new column"
    for name in F.GLOSSARY:
        assert F.is_human_label(F.label(name)), name


def test_frame_formats_every_column_for_people() -> None:
    df = pd.DataFrame({"stage": ["awareness", "purchase"], "reach": [19662, 14351],
                       "conversion_to_next": [0.5537, None],
                       "median_seconds_to_next": [1.98e6, float("nan")],
                       "dormant": [True, False], "actual_value": [11642.25, 7.535e5]})
    out = F.frame(df, currency="EUR")
    assert list(out.columns) == ["Stage", "Persons reached", "Conversion to next stage",
                                 "Median time to next stage", "Dormant", "Actual value"]
    assert out.iloc[0].tolist() == ["awareness", "19,662", "55.4%", "23 days", "yes",
                                    "11,642 EUR"]
    assert out.iloc[1].tolist() == ["purchase", "14,351", "", "", "no", "753,500 EUR"]
    assert all(F.is_human_label(c) for c in out.columns)


def test_pre_formatted_text_passes_through() -> None:
    df = pd.DataFrame({"KPI": ["Revenue"], "this period": ["81,213 EUR"]})
    assert F.frame(df).iloc[0].tolist() == ["Revenue", "81,213 EUR"]


@given(st.one_of(st.integers(-10**15, 10**15), st.floats(min_value=-1e15, max_value=1e15),
                 st.just(float("nan"))),
       st.sampled_from(F.UNITS))
def test_no_scientific_notation_for_any_value(v: float, unit: str) -> None:
    text = F.cell(v, unit, "EUR")
    assert "e+" not in text and "e-" not in text
    if isinstance(v, float) and math.isnan(v):
        assert text == ""
