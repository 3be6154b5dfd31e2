"""Hostile input: task ids, owners, outcomes, values and notes (unicode, quotes, control
characters, huge strings) are accepted exactly or refused with an InputError / 4xx, never a
crash, and an accepted note reads back unchanged."""

from __future__ import annotations

import itertools
import re
import warnings
from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from idic.api import create_app
from idic.customize.tasks import store
from idic.customize.tasks import validate as V
from idic.errors import InputError, NotFoundError
from idic.privacy.keys import create_key

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
hostile = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from("'\";\\%_*\x00\n\r\t\u202e\u2028é✓𝔘 -"), max_size=50),
    st.sampled_from(["", " ", "tsk_", "tsk_0123456789ABCDEF", "tsk_0123456789abcdef\n",
                     "' OR 1=1 --", "queue:", "x" * 100_000, "Robert'); DROP TABLE tasks;--"]))


@given(hostile)
def test_task_id_check(s):
    if re.fullmatch(r"tsk_[0-9a-f]{16}", s):
        assert V.task_id(s) == s
    else:
        with pytest.raises(InputError, match="is not a task id"):
            V.task_id(s)


@given(hostile)
def test_owner_check(s):
    try:
        got = V.owner(s)
    except InputError as e:
        assert len(str(e)) < 300  # the bad value is shortened in the message
        return
    assert got == s.strip() and 0 < len(got) <= 100
    assert not re.search(r"[\x00-\x1f\x7f]", got)


@given(hostile)
def test_note_and_outcome_checks(s):
    try:
        got = V.note(s)
    except InputError:
        assert len(s) > V.MAX_NOTE or re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", s)
    else:
        assert got == (s.strip() or None)
    if s not in V.OUTCOMES:
        with pytest.raises(InputError, match="unknown outcome"):
            V.outcome(s)


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
                 st.integers(min_value=-10**12, max_value=10**12), st.booleans()))
def test_value_check(v):
    try:
        got = V.value(v)
    except InputError:
        return
    assert got is not None and abs(got) <= V.MAX_VALUE and not isinstance(v, bool)


_seq = itertools.count()


def _new_task(ws) -> str:
    i = next(_seq)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    row = {c: None for c in store.SCHEMA.names}
    row.update(task_id=store.make_id("c1", "retain", 100 + i), customer_id="c1",
               action="retain", reason="r", expected_value=1.0, priority="normal",
               team="retention", owner="queue:retention", status="open", created_at=now,
               updated_at=now, due_at=now, seq=100 + i)
    if not ws.engine.has_table(store.TABLE):
        store.write_all(ws, [])
    ws.engine.append(store.TABLE, pa.Table.from_pylist([row], schema=store.SCHEMA))
    return row["task_id"]


@FAST
@given(note=hostile, owner=hostile)
def test_store_round_trips_or_refuses(tws, note, owner):
    tid = _new_task(tws)
    try:
        store.assign(tws, tid, owner)
    except InputError as e:
        assert "owner" in str(e)
    try:
        row = store.close(tws, tid, "failure", note=note)
    except InputError:
        assert store.get(tws, tid)["status"] in store.ACTIVE  # nothing half-written
        return
    assert store.get(tws, tid)["note"] == row["note"] == (note.strip() or None)
    with pytest.raises(NotFoundError):
        store.get(tws, "tsk_" + "e" * 16)


@pytest.fixture
def client(tws_path):
    key = create_key(tws_path, "admin")["key"]
    with TestClient(create_app(tws_path)) as c:
        yield c, {"Authorization": f"Bearer {key}"}


@FAST
@given(tid=hostile, owner=hostile, note=hostile)
def test_api_never_fails_on_hostile_input(client, tid, owner, note):
    c, h = client
    from urllib.parse import quote

    path = quote(tid[:500], safe="")
    r = c.post(f"/v1/tasks/{path}/assign", json={"owner": owner}, headers=h)
    assert r.status_code in (400, 404, 405, 409, 422, 200), r.text
    r = c.post(f"/v1/tasks/{path}/close", json={"outcome": "failure", "note": note}, headers=h)
    assert r.status_code in (400, 404, 405, 409, 422, 200), r.text
    r = c.get("/v1/tasks", params={"owner": owner[:500]}, headers=h)
    assert r.status_code in (200, 400, 422), r.text
    if r.status_code == 200:
        assert all(t["owner"] == owner.strip() for t in r.json()["tasks"])
