"""Persons: resolved customers when identify ran, else (source, user_id)."""

from __future__ import annotations

import pyarrow as pa

from idic.interact.journeys.persons import person_events

from .helpers import ev, load


def _persons(ws, **kw):
    df = person_events(ws.engine, **kw).execute()
    return dict(zip(df["message_id"], df["person_id"], strict=True))


def test_source_and_user_id_without_identify(workspace) -> None:
    load(workspace, [
        ev("u1", "Product Viewed", 0, message_id="a"),
        ev("u1", "Product Viewed", 0, source="app", message_id="b"),
        ev(None, "Product Viewed", 0, anonymous_id="ck1", message_id="c"),
        ev("u2", "Signed In", 1, type="identify", anonymous_id="ck1", message_id="d"),
        ev(None, "Product Viewed", 2, anonymous_id="ck9", message_id="e"),
    ])
    p = _persons(workspace)
    assert p == {"a": "web:u1", "b": "app:u1", "c": "web:u2", "e": "web:~ck9"}
    assert "e" not in _persons(workspace, include_anonymous=False)


def test_resolved_customers_after_identify(workspace) -> None:
    load(workspace, [
        ev("u1", "Product Viewed", 0, message_id="a"),
        ev("L7", "Store Visit", 1, source="pos", message_id="b"),
        ev(None, "Product Viewed", 2, anonymous_id="ck1", message_id="c"),
        ev("u1", None, 3, type="alias", anonymous_id="ck1", message_id="d"),
        ev("u3", "Product Viewed", 4, message_id="e"),
    ])
    workspace.engine.create_table("identity_map", pa.table({
        "source": ["web", "pos"], "source_record_id": ["u1", "L7"],
        "customer_id": ["C-1", "C-1"]}))
    p = _persons(workspace)
    assert p == {"a": "C-1", "b": "C-1", "c": "C-1", "e": "web:u3"}


def test_user_id_of_another_source_resolves_when_unambiguous(workspace) -> None:
    load(workspace, [
        ev("W1", "Screen Viewed", 0, source="app", message_id="a"),   # app logs in with web id
        ev("X9", "Screen Viewed", 0, source="app", message_id="b"),   # ambiguous across sources
    ])
    workspace.engine.create_table("identity_map", pa.table({
        "source": ["web", "web", "pos"], "source_record_id": ["W1", "X9", "X9"],
        "customer_id": ["C-1", "C-2", "C-3"]}))
    assert _persons(workspace) == {"a": "C-1", "b": "app:X9"}
