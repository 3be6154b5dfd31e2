"""Campaigns: caps never exceeded (property), deterministic arms, consent before the split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic.customize import audiences, campaigns, pressure
from idic.customize.assign import arm_py
from idic.errors import InputError

T = datetime(2026, 3, 1, 12, tzinfo=UTC)
H = timedelta(hours=1)
ELIGIBLE = ["c1", "c3", "c4"]  # the tiny workspace's current e-mail consents


def _setup(ws) -> None:
    if not audiences.all_audiences(ws):
        audiences.create(ws, "everyone", where="clv is null or clv > -1000",
                         purpose="email_marketing", channel="email")
    for t in (pressure.CONTACTS, campaigns.CAMPAIGNS, campaigns.MEMBERS):
        ws.engine.drop_table(t)


def _contacts(ws, hist) -> None:
    ws.engine.create_table(pressure.CONTACTS, pa.table({
        "customer_id": pa.array([h[0] for h in hist], pa.string()),
        "channel": pa.array([h[1] for h in hist], pa.string()),
        "campaign": pa.array(["old"] * len(hist), pa.string()),
        "sent_at": pa.array([T + h[2] * H for h in hist], pa.timestamp("us", tz="UTC"))},
        schema=pressure.CONTACT_SCHEMA))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hist=st.lists(st.tuples(st.sampled_from(ELIGIBLE), st.sampled_from(["email", "sms"]),
                               st.integers(-24 * 12, 24 * 12)), max_size=25),
       limit=st.integers(1, 3), days=st.sampled_from([1, 3, 7]),
       global_limit=st.none() | st.integers(1, 4))
def test_caps_are_never_exceeded(workspace, hist, limit, days, global_limit):
    ws = workspace
    _contacts(ws, hist)
    caps = [pressure.Cap(limit, days, "email")] + (
        [pressure.Cap(global_limit, days, None)] if global_limit else [])
    base = ibis.memtable({"customer_id": ELIGIBLE})
    sent = ws.engine.to_arrow(pressure.under_caps(ws, base, "email", T, caps)).column(
        "customer_id").to_pylist()
    allc = [(h[0], h[1], h[2]) for h in hist] + [(cid, "email", 0) for cid in sent]
    period = days * 24
    for cid in sent:  # every window [s, s + P) holding the new send, on the hour grid
        for s in range(-period + 1, 1):
            inside = [x for x in allc if x[0] == cid and s <= x[2] < s + period]
            assert sum(1 for x in inside if x[1] == "email") <= limit
            if global_limit:
                assert len(inside) <= global_limit
    # and nobody was left out who had room: the cap only excludes the full
    for cid in set(ELIGIBLE) - set(sent):
        near = [x for x in hist if x[0] == cid and -period < x[2] < period]
        full = sum(1 for x in near if x[1] == "email") >= limit or (
            global_limit is not None and len(near) >= global_limit)
        assert full


def test_campaign_obeys_workspace_and_campaign_caps(tiny):
    _setup(tiny)
    _contacts(tiny, [("c1", "email", -5), ("c1", "email", -30), ("c3", "sms", -2)])
    tiny.settings["customize"] = {"caps": {"all": "3/7d"}}
    c = campaigns.create(tiny, "capped", audience="everyone", holdout=0.0, cap="2/7d", at=T)
    got = sorted(tiny.engine.to_arrow(campaigns.members(tiny, "capped")).column(
        "customer_id").to_pylist())
    assert got == ["c3", "c4"] and c.excluded_by_cap == 1 and c.cap == "2/7d"
    c2 = campaigns.create(tiny, "again", audience="everyone", holdout=0.0, cap="2/7d", at=T)
    # c3 now has sms + email within 7 days, c4 one email: both still under 2 e-mails, 3 all
    assert c2.treatment == 2
    c3 = campaigns.create(tiny, "third", audience="everyone", holdout=0.0, cap="2/7d", at=T)
    assert c3.treatment == 0 and c3.excluded_by_cap == 3
    tiny.settings.pop("customize")


def test_arms_are_deterministic_and_gate_comes_first(tiny):
    _setup(tiny)
    c = campaigns.create(tiny, "spring", audience="everyone", holdout=0.5, at=T)
    rows = tiny.engine.to_arrow(campaigns.members(tiny, "spring")).to_pylist()
    got = {r["customer_id"]: r["arm"] for r in rows}
    assert set(got) == set(ELIGIBLE)  # c2 and c5 withdrew, c6 never consented
    assert got == {i: arm_py(i, "campaign:spring", ["treatment", "holdout"], [0.5, 0.5])
                   for i in ELIGIBLE}
    assert (c.excluded_by_gate, c.treatment + c.holdout_size) == (3, 3)
    # the treatment arm is recorded as contacted, the holdout is not
    sent = tiny.engine.to_arrow(tiny.table(pressure.CONTACTS)).column("customer_id").to_pylist()
    assert sorted(sent) == sorted(i for i, a in got.items() if a == "treatment")
    with pytest.raises(InputError, match="exists"):
        campaigns.create(tiny, "spring", audience="everyone", at=T)


def test_max_sends_keeps_the_most_valuable(tiny):
    _setup(tiny)
    c = campaigns.create(tiny, "top", audience="everyone", holdout=0.0, max_sends=2, at=T)
    got = sorted(tiny.engine.to_arrow(campaigns.members(tiny, "top")).column(
        "customer_id").to_pylist())
    assert got == ["c1", "c3"] and c.treatment == 2  # CLV 1200.5 and 150 beat -3


def test_results_count_orders_after_the_send(tiny):
    _setup(tiny)
    campaigns.create(tiny, "r", audience="everyone", holdout=0.5, at=T)
    arms = {r["customer_id"]: r["arm"] for r in tiny.engine.to_arrow(
        campaigns.members(tiny, "r")).to_pylist()}
    tiny.engine.create_table("identity_map", pa.table({
        "source": ["shop"] * 2, "source_record_id": ["c1", "c4"], "customer_id": ["c1", "c4"]}))
    tiny.engine.create_table("orders", pa.table({
        "order_id": ["o1", "o2", "o3"], "source": ["shop"] * 3,
        "source_customer_id": ["c1", "c1", "c4"],
        "ordered_at": pa.array([T + timedelta(days=2), T - timedelta(days=2),
                                T + timedelta(days=40)], pa.timestamp("us", tz="UTC")),
        "amount": [10.0, 99.0, 5.0], "currency": ["GBP"] * 3, "channel": ["web"] * 3,
        "margin": [None, None, None], "items": [1, 1, 1]}))
    res = campaigns.results(tiny, "r", days=30)
    arm = arms["c1"]
    assert res["arms"][arm]["converters"] == 1 and res["arms"][arm]["revenue"] == 10.0
    other = "holdout" if arm == "treatment" else "treatment"
    assert res["arms"][other]["revenue"] == 0.0
    assert res["arms"][arm]["clv_change_per_customer"] == 0.0  # CLV unchanged since the send


@pytest.mark.parametrize("bad", ["3", "3/30", "0/30d", "3/0d", "x/30d", "3/30w", "", "-1/3d"])
def test_bad_caps_are_refused(bad):
    with pytest.raises(InputError, match="cap"):
        pressure.parse_cap(bad)


@pytest.mark.parametrize("bad", ["", "a b", "x;y", "../x", "é", "a" * 65, "-lead"])
def test_bad_campaign_names_are_refused(tiny, bad):
    with pytest.raises(InputError):
        campaigns.create(tiny, bad, audience="everyone")
