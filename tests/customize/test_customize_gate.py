"""The consent gate as a property: over random ledgers nobody without a current grant passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic.customize import rights
from idic.customize.gate import gate, may_profile, required_purposes
from idic.errors import InputError
from idic.privacy import tombstones

PEOPLE = [f"p{i}" for i in range(6)]
PURPOSES = ["email_marketing", "profiling", "sms_marketing"]
T0 = datetime(2026, 1, 1, tzinfo=UTC)

record = st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PURPOSES),
                   st.sampled_from(["granted", "withdrawn"]),
                   st.sampled_from(["web", "email", "store", None]),
                   st.integers(0, 4))  # few distinct days: many ties


def _oracle(ledger, person, purpose) -> bool:
    mine = [(day, status == "withdrawn", status) for p, pu, status, _ch, day in ledger
            if p == person and pu == purpose]
    if not mine:
        return False
    return sorted(mine)[-1][2] == "granted"  # latest; on a tie the withdrawal sorts last


def _write_ledger(ws, ledger) -> None:
    n = len(ledger)
    ws.engine.create_table("consents", pa.table({
        "source": pa.array(["idic"] * n, pa.string()),
        "source_customer_id": pa.array([r[0] for r in ledger], pa.string()),
        "purpose": pa.array([r[1] for r in ledger], pa.string()),
        "status": pa.array([r[2] for r in ledger], pa.string()),
        "recorded_at": pa.array([T0 + timedelta(days=r[4]) for r in ledger],
                                pa.timestamp("us", tz="UTC")),
        "proof": pa.array([None] * n, pa.string()),
        "channel": pa.array([r[3] for r in ledger], pa.string())}))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=st.lists(record, max_size=30), purpose=st.sampled_from(PURPOSES[:2]),
       channel=st.sampled_from([None, "email", "web", "sms"]),
       restricted=st.sets(st.sampled_from(PEOPLE), max_size=2),
       objected=st.sets(st.sampled_from(PEOPLE), max_size=2),
       erased=st.sets(st.sampled_from(PEOPLE), max_size=2))
def test_gate_matches_the_latest_record_rule(workspace, ledger, purpose, channel, restricted,
                                             objected, erased):
    ws = workspace
    _write_ledger(ws, ledger)
    for t in (rights.RESTRICTIONS, tombstones.TOMBSTONES):
        ws.engine.drop_table(t)
    for p in restricted:
        rights.record(ws, p, "restriction", at=T0)
    for p in objected:  # objected, lifted, objected again: still objected
        rights.record(ws, p, "objection", at=T0)
        rights.record(ws, p, "objection", status="lifted", at=T0 + timedelta(days=1))
        rights.record(ws, p, "objection", at=T0 + timedelta(days=1))
    if erased:
        tombstones.add(ws, [("customer", p) for p in erased], "er_test")
    base = ibis.memtable({"customer_id": PEOPLE})
    got = set(ws.engine.to_arrow(gate(ws, base, purpose, channel)).column(0).to_pylist())
    need = required_purposes(purpose, channel)
    want = {p for p in PEOPLE if all(_oracle(ledger, p, q) for q in need)
            and p not in restricted | objected | erased}
    assert got == want


def test_no_ledger_means_nobody(tiny):
    tiny.engine.drop_table("consents")
    base = ibis.memtable({"customer_id": ["c1"]})
    assert tiny.engine.to_arrow(gate(tiny, base, "email_marketing")).num_rows == 0


def test_lifted_restriction_lets_the_customer_back(tiny):
    base = ibis.memtable({"customer_id": ["c1", "c3"]})
    rights.record(tiny, "c1", "restriction", at=T0)
    assert tiny.engine.to_arrow(gate(tiny, base, "email_marketing")).column(0).to_pylist() == ["c3"]
    rights.record(tiny, "c1", "restriction", status="lifted", at=T0 + timedelta(days=1))
    got = sorted(tiny.engine.to_arrow(gate(tiny, base, "email_marketing")).column(0).to_pylist())
    assert got == ["c1", "c3"]


def test_profiling_gate_for_other_stages(tiny):
    base = ibis.memtable({"customer_id": ["c1", "c2"]})
    assert tiny.engine.to_arrow(may_profile(tiny, base)).num_rows == 0  # nobody granted it
    with pytest.raises(InputError):
        may_profile(tiny, base, "email_marketing")
