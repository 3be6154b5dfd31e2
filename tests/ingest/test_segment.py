"""Segment-spec messages: batch, single message, array, JSON lines; events + identities."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic.errors import InputError
from idic.ingest.segment import accounts_of
from idic.workspace import Workspace

BATCH = {"batch": [
    {"type": "identify", "messageId": "m1", "userId": "W1", "anonymousId": "ck1",
     "timestamp": "2024-05-01T10:00:00Z",
     "traits": {"email": " Ann.Lee@Example.com ", "firstName": "Ann", "lastName": "Lee",
                "phone": "07700 900123",
                "address": {"street": "1 High St", "city": "London", "postalCode": "SW1A 1AA",
                            "country": "GB"}}},
    {"type": "track", "messageId": "m2", "anonymousId": "ck1", "event": "Product Viewed",
     "timestamp": "2024-05-01T09:59:00Z", "properties": {"sku": "B1", "stage": "consideration"}},
    {"type": "page", "messageId": "m3", "userId": "W1", "name": "Home",
     "originalTimestamp": "2024-05-01T10:01:00Z"},
    {"type": "screen", "messageId": "m4", "userId": "W1", "name": "Cart",
     "timestamp": "2024-05-01T10:01:30Z"},
    {"type": "group", "messageId": "m5", "userId": "W1", "groupId": "acme",
     "traits": {"name": "Acme"}, "timestamp": "2024-05-01T10:01:40Z"},
    {"type": "alias", "messageId": "m6", "userId": "W1", "previousId": "ck2",
     "timestamp": "2024-05-01T10:02:00Z"},
    {"type": "bogus", "messageId": "m7", "userId": "W1", "timestamp": "2024-05-01T10:02:00Z"},
    {"type": "track", "userId": "W1", "event": "No message id",
     "timestamp": "2024-05-01T10:03:00Z"},
]}


def test_batch_maps_every_call_type(workspace: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "batch.json"
    f.write_text(json.dumps(BATCH))
    r = workspace.ingest("segment", f, source="web")
    assert (r.received, r.accepted, r.quarantined, r.duplicates) == (8, 7, 1, 0)
    assert r.related["identities"].accepted == 1

    ev = workspace.table("events").to_pandas().set_index("message_id")
    assert ev.loc["m2", "anonymous_id"] == "ck1" and ev.loc["m2", "stage"] == "consideration"
    assert ev.loc["m3", "event"] == "Home" and ev.loc["m3", "channel"] == "web"
    assert ev.loc["m4", "channel"] == "app"
    assert json.loads(ev.loc["m5", "properties"]) == {"name": "Acme", "groupId": "acme"}
    assert ev.loc["m6", "anonymous_id"] == "ck2"  # alias: previousId
    assert (ev.source == "web").all()

    ident = workspace.table("identities").to_pandas().iloc[0]
    assert (ident.source, ident.source_record_id, ident.cookie_id) == ("web", "W1", "ck1")
    assert (ident.email, ident.phone) == ("ann.lee@example.com", "+447700900123")
    assert (ident.address, ident.postcode, ident.city) == ("1 High St", "SW1A 1AA", "London")

    q = workspace.table("quarantine").to_pandas()
    assert q[["line", "column", "value"]].values.tolist() == [[7, "type", "bogus"]]

    again = workspace.ingest("segment", f, source="web")  # message ids make it idempotent,
    assert (again.accepted, again.duplicates) == (0, 7)  # even the one without messageId


@pytest.mark.parametrize("layout", ["single", "array", "lines"])
def test_other_layouts(workspace: Workspace, tmp_path: Path, layout: str) -> None:
    msgs = BATCH["batch"][:3]
    f = tmp_path / "m.json"
    if layout == "single":
        f.write_text(json.dumps(msgs[1]))
    elif layout == "array":
        f.write_text(json.dumps(msgs))
    else:
        f.write_text("\n".join(json.dumps(m) for m in msgs))
    r = workspace.ingest("segment", f)
    assert r.accepted == (1 if layout == "single" else 3)


def test_not_segment_json(workspace: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text("{not json")
    with pytest.raises(InputError, match=r"x\.json: not Segment JSON"):
        workspace.ingest("segment", f)


_json_text = st.one_of(
    st.text(max_size=40),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                 lambda k: st.lists(k, max_size=3) | st.dictionaries(st.text(max_size=6), k,
                                                                     max_size=3),
                 max_leaves=8).map(json.dumps),
    st.sampled_from(['{"groupId": "\\ud800"}', '{"groupId": "\\ud83d\\ude00"}',
                     '{"groupId": "A", "name": "\\udfff"}', '{"groupId": NaN}', "nope", '{"groupId": "A"', "[1]", '"x"']),
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.tuples(st.sampled_from(["group", "track", " Group ", "identify", None]),
                               st.none() | _json_text), max_size=8))
def test_accounts_of_never_fails_on_what_a_tracker_sends(rows) -> None:
    """Group calls whose traits are not valid JSON (a lone surrogate escape, a truncated body)
    name no account; the events are kept. Found by the collection fuzz: one bad group call
    made the whole batch fail to ingest."""
    ev = pa.table({"type": [r[0] for r in rows], "properties": [r[1] for r in rows],
                   "source": ["s"] * len(rows), "_line": list(range(len(rows)))},
                  schema=pa.schema([("type", pa.string()), ("properties", pa.string()),
                                    ("source", pa.string()), ("_line", pa.int64())]))
    got = accounts_of(ev).column("account_id").to_pylist()
    want = []
    for typ, props in rows:
        if typ is None or typ.strip().lower() != "group" or props is None:
            continue
        try:
            obj = json.loads(props)
        except ValueError:
            continue
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            continue  # a lone surrogate is not valid JSON for DuckDB: no account
        if isinstance(obj, dict) and obj.get("groupId") is not None:
            want.append(obj["groupId"])
    assert len(got) == len(want)
