"""The complaint side of the voice stage on the 1,000-customer demo, against ground truth:
topics from text vs the case topic field, silent dissatisfaction vs the generator's delayed
orders, the (null) recovery effect, customer_voice, and the generator's survey fixes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from idic.interact.voice import service
from idic.workspace import Workspace


def _summary(path: Path) -> dict:
    return json.loads((path / "voice.json").read_text())


def _table(path: Path, name: str):
    ws = Workspace.open(path)
    try:
        return ws.table(name).to_pandas()
    finally:
        ws.close()


def test_topics_from_text_agree_with_case_topic(voice_demo: Path) -> None:
    s = _summary(voice_demo)
    assert s["case_topic_agreement"] >= 0.95
    topics = _table(voice_demo, "voice_topics")
    cases = topics[topics["corpus"] == "cases"]
    assert len(cases) == 8
    assert cases["size"].sum() == s["cases_enriched"]
    assert cases["label"].iloc[0].startswith("delivery")  # the largest topic: late delivery


def test_silent_dissatisfied_equals_truth(voice_demo: Path) -> None:
    data = voice_demo / "demo-data"
    truth = pq.read_table(data / "truth" / "delayed_orders.parquet").to_pandas()
    # orders whose delay is already in the data (the event can fall after the as-of date)
    ev = pq.read_table(data / "events.parquet", columns=["event", "properties"]).to_pandas()
    seen = {json.loads(p)["order_id"] for e, p in zip(ev["event"], ev["properties"],
                                                       strict=True)
            if e == "Delivery Delayed"}
    expected = set(truth.loc[truth["silent"] & truth["order_id"].isin(seen), "order_id"])
    got = _table(voice_demo, "silent_dissatisfied")
    assert len(expected) > 50
    assert set(got["order_id"]) == expected
    assert got["customer_id"].notna().all()


def test_recovery_effect_on_retention_is_null(voice_demo: Path) -> None:
    params = json.loads((voice_demo / "demo-data" / "truth" / "params.json").read_text())
    assert params["voice"]["recovery_effect_on_retention"] == 0.0
    rec = _summary(voice_demo)["recovery_effect"]
    d = rec["retention_difference"]
    assert d["covers_zero"] and d["ci"][0] < 0 < d["ci"][1]
    assert rec["groups"]["well"]["customers"] > 50 and rec["groups"]["badly"]["customers"] > 10
    rows = _table(voice_demo, "recovery_effect")
    assert list(rows["row"]) == ["well", "badly", "never", "well - badly"]


def test_cases_enriched_and_service_times(voice_demo: Path) -> None:
    ce = _table(voice_demo, "cases_enriched")
    raw = list(csv.DictReader((voice_demo / "demo-data" / "cases.csv").open(encoding="utf-8")))
    assert len(ce) == len(raw)
    bad = {r["case_id"] for r in raw if r["outcome"] in ("rejected", "unresolved")}
    assert set(ce.loc[ce["handled"] == "badly", "case_id"]) >= bad
    assert (ce["first_response_hours"].dropna() >= 0).all()
    assert set(ce["sentiment"]) <= {"negative", "neutral", "positive"}
    assert (ce["sentiment"] == "negative").mean() > 0.8  # complaints read negative
    st = _table(voice_demo, "service_times")
    assert {"all", "channel", "topic"} == set(st["dimension"])
    by = _summary(voice_demo)["scores_by_outcome"]
    csat = {r["outcome"]: r["csat_mean"] for r in by if r["csat_mean"] is not None}
    assert csat["resolved"] > csat["rejected"]  # planted: 4.2 vs 1.8


def test_customer_voice_columns(voice_demo: Path) -> None:
    cv = _table(voice_demo, "customer_voice")
    assert list(cv.columns) == ["customer_id", "last_nps", "nps_group", "n_cases",
                                "n_complaints", "last_case_at", "negative_mentions",
                                "mean_sentiment", "silent_dissatisfied"]
    assert cv["customer_id"].is_unique
    g = cv.dropna(subset=["last_nps"])
    assert ((g["last_nps"] >= 9) == (g["nps_group"] == "promoter")).all()
    sd = _table(voice_demo, "silent_dissatisfied")
    assert set(cv.loc[cv["silent_dissatisfied"], "customer_id"]) == set(sd["customer_id"])


def test_demo_surveys_link_and_vary(voice_demo: Path) -> None:
    rows = list(csv.DictReader((voice_demo / "demo-data" / "surveys.csv").open(encoding="utf-8")))
    nps = [r for r in rows if r["survey"] == "nps"]
    assert all(r["order_id"] for r in nps)
    assert all(r["case_id"] for r in rows if r["survey"] in ("csat", "ces"))
    comments = [r["comment"] for r in nps if r["comment"]]
    assert len(set(comments)) > 40  # was 6 (one draw for "has a comment" and "which")
    assert 0.3 < len(comments) / len(nps) < 0.5


def test_newcombe_reference_values() -> None:
    # Newcombe (1998), Table II example (a): 56/70 vs 48/80 -> 0.2000, 95% 0.0524 to 0.3339
    d, lo, hi = service.newcombe(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert lo == pytest.approx(0.0524, abs=5e-4) and hi == pytest.approx(0.3339, abs=5e-4)


def test_suspicious_reviews_table(voice_demo: Path) -> None:
    sr = _table(voice_demo, "suspicious_reviews")
    assert len(sr) == _summary(voice_demo)["suspicious_reviews"]
    assert sr["reasons"].notna().all()


def test_love_becomes_hate_alerts(voice_demo: Path) -> None:
    al = _table(voice_demo, "voice_alerts")
    clv = _table(voice_demo, "clv").set_index("customer_id")["clv"]
    cv = _table(voice_demo, "customer_voice").set_index("customer_id")
    assert len(al) > 0
    cut = clv.quantile(0.8)
    for r in al.itertuples(index=False):
        assert r.value_at_stake == pytest.approx(clv[r.customer_id])
        assert r.value_at_stake >= cut  # among the most valuable fifth
        if "turned detractor" in r.trigger:
            assert r.last_nps < 7 <= r.previous_best_nps
            assert cv.loc[r.customer_id, "nps_group"] == "detractor"
        if "negative mentions" in r.trigger:
            assert cv.loc[r.customer_id, "negative_mentions"] == r.negative_mentions > 0
    assert list(al["value_at_stake"]) == sorted(al["value_at_stake"], reverse=True)
