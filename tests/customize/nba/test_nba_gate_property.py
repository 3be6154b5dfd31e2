"""Property: over random consent ledgers and restriction/objection records, the nba stage
never picks a contact action for a customer who may not be contacted for it (oracle: the
ledger read by hand: the latest grant strictly after the latest withdrawal)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.customize.conftest import IDS, fill

from idic.customize.nba import stage
from idic.customize.nba.priors import CONTACT_ACTIONS, DEFAULT_PRIORS
from idic.workspace import Workspace

PURPOSES = ("email_marketing", "personalisation", "profiling")


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    w = Workspace.init(tmp_path_factory.mktemp("nba-prop") / "ws")
    fill(w)
    v = w.engine.to_arrow(w.table("value"))
    extra = {"orders": [20, 10, 5, 1, 1, 1], "revenue": [900.0, 500.0, 80.0, 50.0, 10.0, 3.0],
             "recent_complaints": [0, 2, 1, 0, 0, 0],
             "unrealised_potential": [500.0, 300.0, 0.0, 0.0, 0.0, 0.0],
             "cost_to_serve": [5.0, 5.0, 5.0, 30.0, 5.0, 40.0],
             "falling_frequency": [False, True, False, False, False, False]}
    for k, col in extra.items():
        v = v.append_column(k, pa.array(col))
    w.engine.create_table("value", v)
    yield w
    w.close()


CONSENTS = pa.schema([("source", pa.string()), ("source_customer_id", pa.string()),
                      ("purpose", pa.string()), ("status", pa.string()),
                      ("recorded_at", pa.timestamp("us", tz="UTC")), ("proof", pa.string()),
                      ("channel", pa.string())])


def _ts(day: int) -> datetime:
    return datetime(2026, 2, 1 + day, tzinfo=UTC)


events = st.lists(st.tuples(st.sampled_from(["granted", "withdrawn"]),
                            st.integers(0, 3)), max_size=2)
ledgers = st.fixed_dictionaries({(c, p): events for c in IDS for p in PURPOSES})
blocks = st.dictionaries(st.sampled_from(IDS), st.tuples(
    st.sampled_from(["restriction", "objection"]), st.sampled_from(["active", "lifted"])))


def _granted(evs: list[tuple[str, int]]) -> bool:
    g = [d for s, d in evs if s == "granted"]
    w = [d for s, d in evs if s == "withdrawn"]
    return bool(g) and (not w or max(g) > max(w))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledgers, blocks)
def test_no_contact_without_consent_or_under_a_block(ws, ledger, blocked) -> None:
    from idic.customize.profile import write_profile
    from idic.customize.rights import RESTRICTIONS, SCHEMA

    rows = [(c, p, s, d) for (c, p), evs in ledger.items() for s, d in evs]
    ws.engine.create_table("consents", pa.Table.from_pylist([
        {"source": "idic", "source_customer_id": c, "purpose": p, "status": s,
         "recorded_at": _ts(d), "proof": None, "channel": "web"} for c, p, s, d in rows],
        schema=CONSENTS))
    ws.engine.create_table(RESTRICTIONS, pa.Table.from_pylist([
        {"customer_id": c, "right": r, "status": s, "recorded_at": _ts(0), "reason": None}
        for c, (r, s) in blocked.items()], schema=SCHEMA))
    write_profile(ws)
    stage.run(ws)
    got = ws.engine.to_pandas(ws.table(stage.TABLE)).set_index("customer_id")
    assert set(got.index) == set(IDS)
    for c in IDS:
        action = got.loc[c, "action"]
        ok = {p: _granted(ledger[(c, p)]) for p in PURPOSES}
        active = c in blocked and blocked[c][1] == "active"
        if active or not ok["profiling"]:
            assert action == "dont_contact", (c, action)
        if action in CONTACT_ACTIONS:
            p = DEFAULT_PRIORS[action]
            if p.purpose:
                assert ok[p.purpose], (c, action)
            if p.channel == "email":
                assert ok["email_marketing"], (c, action)


def test_with_every_consent_the_tiny_world_gets_contacts(ws) -> None:
    """The property above is not vacuous: granted everything, customers do get contacted."""
    every = {(c, p): [("granted", 0)] for c in IDS for p in PURPOSES}
    test_no_contact_without_consent_or_under_a_block.hypothesis.inner_test(ws, every, {})
    got = ws.engine.to_pandas(ws.table(stage.TABLE)).set_index("customer_id").action
    assert got["c2"] == "service_recovery"  # 0.10 x 800 - 10 = 70 beats retain (38)
    assert got["c1"] == "up_sell" and got["c6"] == "reduce_cost_to_serve"
    assert got.isin(CONTACT_ACTIONS).sum() >= 2


def test_contact_caps_turn_contacts_off(ws) -> None:
    from idic.customize import pressure

    every = {(c, p): [("granted", 0)] for c in IDS for p in PURPOSES}
    test_no_contact_without_consent_or_under_a_block.hypothesis.inner_test(ws, every, {})
    at = datetime(2026, 3, 1, tzinfo=UTC)
    old = ws.settings.get("customize")
    ws.settings["customize"] = {"caps": {"email": "1/30d", "call_centre": "1/30d"}}
    try:
        pressure.record_contacts(ws, ["c1"], "email", "spring", at)
        pressure.record_contacts(ws, ["c2"], "call_centre", "care", at)
        stage.run(ws, at=at)
    finally:
        ws.settings.pop("customize")
        if old is not None:
            ws.settings["customize"] = old
        ws.engine.drop_table(pressure.CONTACTS)
    got = ws.engine.to_pandas(ws.table(stage.TABLE)).set_index("customer_id")
    assert got.loc["c1", "action"] == "dont_contact"  # up_sell by e-mail: cap reached
    assert "not allowed" in got.loc["c1", "reason"]
    assert got.loc["c2", "action"] == "retain"  # the call is capped, e-mail is not
    assert got.loc["c6", "action"] == "reduce_cost_to_serve"
