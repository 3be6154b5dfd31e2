"""Touchpoint taxonomy: rules from an editable file, given values win."""

from __future__ import annotations

import json

import pytest

from idic.errors import InputError
from idic.interact.journeys.persons import person_events
from idic.interact.journeys.taxonomy import classify, load_rules

from .helpers import ev, load


def _classified(ws, rows, rules=None):
    load(ws, rows)
    t = classify(person_events(ws.engine), load_rules(rules))
    return t.execute().set_index("event")


def test_default_rules_classify_common_events(workspace) -> None:
    rows = [
        ev("u1", "Ad Clicked", 0), ev("u1", "Product Viewed", 1),
        ev("u1", "Checkout Error", 2), ev("u1", "Order Completed", 3),
        ev("u1", "Delivery Delayed", 40), ev("u1", "Live Chat Resolved", 41),
        ev("u1", "Review Written", 50), ev("u1", "Store Visit", 60, source="pos"),
        ev("u1", "Email Opened", 70, source="esp"),
    ]
    df = _classified(workspace, rows)
    assert df.loc["Ad Clicked", ["stage", "creator"]].tolist() == ["awareness", "paid"]
    assert df.loc["Product Viewed", "stage"] == "consideration"
    assert df.loc["Checkout Error", ["stage", "sentiment"]].tolist() == ["purchase", "negative"]
    assert df.loc["Order Completed", "is_conversion"]
    assert df.loc["Order Completed", "phase"] == "purchase"
    assert df.loc["Delivery Delayed", ["stage", "sentiment"]].tolist() == ["use", "negative"]
    assert df.loc["Live Chat Resolved", ["stage", "sentiment"]].tolist() == ["support", "positive"]
    assert df.loc["Live Chat Resolved", "phase"] == "post-purchase"
    assert df.loc["Review Written", ["stage", "creator"]].tolist() == ["loyalty", "earned"]
    assert df.loc["Store Visit", ["channel", "channel_kind"]].tolist() == ["store", "offline"]
    assert df.loc["Email Opened", ["channel", "channel_kind"]].tolist() == ["email", "online"]
    assert df.loc["Delivery Delayed", "sentiment_score"] == -1


def test_owner_of_each_demo_touchpoint(workspace) -> None:
    """Lemon & Verhoef (2016): brand-, partner-, customer-owned and social/external
    touchpoints, for every event name the demo generates (issue 15 item 6)."""
    want = {
        "brand-owned": ["Ad Clicked", "Added To Cart", "Checkout Error", "Checkout Started",
                        "Complaint Submitted", "Email Clicked", "Email Opened",
                        "Live Chat Resolved", "Order Completed", "Page Viewed",
                        "Product Viewed", "Screen Viewed", "Social Ad Clicked", "Store Visit",
                        "Support Call"],
        "partner-owned": ["Delivery Delayed", "Order Delivered"],
        "customer-owned": ["Email Unsubscribed", "Review Posted", "Social Post Liked"],
        "social/external": ["Friend Referral Clicked", "Search Result Clicked"],
    }
    rows = [ev("u1", name, i) for i, name in enumerate(n for v in want.values() for n in v)]
    rows.append(ev("u2", "Catalogue Browsed", 0, channel="partner"))  # a marketplace's page
    df = _classified(workspace, rows)
    for owner, names in want.items():
        assert df.loc[names, "owner"].tolist() == [owner] * len(names), owner
    assert df.loc["Catalogue Browsed", "owner"] == "partner-owned"


def test_owner_rules_are_checked(tmp_path) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"rules": [{"event": "x", "set": {"owner": "firm"}}]}))
    with pytest.raises(InputError, match="rule 1: owner 'firm' is not one of brand-owned"):
        load_rules(p)


def test_values_carried_by_the_event_win(workspace) -> None:
    rows = [ev("u1", "Checkout Error", 0, stage="support", channel="app", sentiment="neutral")]
    df = _classified(workspace, rows)
    assert df.loc["Checkout Error", ["stage", "channel", "sentiment"]].tolist() == [
        "support", "app", "neutral"]


def test_rules_file_is_editable(workspace, tmp_path) -> None:
    d = load_rules().to_dict()
    d["rules"].insert(0, {"event": "^gift wrap", "set": {"sentiment": "positive",
                                                          "stage": "loyalty"}})
    d["rules"].insert(0, {"properties": '"tier"\\s*:\\s*"gold"', "set": {"creator": "earned"}})
    p = tmp_path / "rules.json"
    p.write_text(json.dumps(d))
    rows = [ev("u1", "Gift Wrap Chosen", 0), ev("u1", "Product Viewed", 1,
                                                properties={"tier": "gold"})]
    df = _classified(workspace, rows, p)
    assert df.loc["Gift Wrap Chosen", ["sentiment", "stage"]].tolist() == ["positive", "loyalty"]
    assert df.loc["Product Viewed", "creator"] == "earned"


@pytest.mark.parametrize("rule", [
    {"event": "x", "set": {"stage": "nowhere"}},
    {"event": "x", "set": {"colour": "red"}},
    {"set": {"stage": "use"}},
    {"event": "x", "flavour": "y", "set": {"stage": "use"}},
])
def test_bad_rules_are_refused_with_the_rule_number(tmp_path, rule) -> None:
    p = tmp_path / "r.json"
    p.write_text(json.dumps({"rules": [rule]}))
    with pytest.raises(InputError, match="rule 1"):
        load_rules(p)


def test_rules_round_trip_to_json() -> None:
    tax = load_rules()
    from idic.interact.journeys.taxonomy import Taxonomy

    assert Taxonomy.from_dict(json.loads(json.dumps(tax.to_dict()))) == tax
