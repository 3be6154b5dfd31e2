"""Golden record survivorship: most recent / most frequent / most trusted, with provenance."""

from __future__ import annotations

import datetime as dt

from idic.identify.stage import run

ROWS = [
    {"source": "web", "source_record_id": "W1", "email": "ann@old.com", "loyalty_id": "L1",
     "first_name": "Ann", "last_name": "Lee", "birth_date": "1985-04-12",
     "address": "1 Old Road", "postcode": "AB1 2CD", "city": "Oldtown",
     "last_seen": "2023-01-01T00:00:00"},
    {"source": "store", "source_record_id": "S1", "email": "ann@new.com", "loyalty_id": "L1",
     "first_name": "Anne", "last_name": "Lee", "birth_date": "1985-04-12",
     "address": "9 New Street", "postcode": "ZZ9 9ZZ", "city": "Newtown",
     "last_seen": "2024-06-01T00:00:00"},
    {"source": "call_centre", "source_record_id": "C1", "loyalty_id": "L1", "first_name": "Ann",
     "phone": "+447700900123", "postcode": "QQ1 1QQ", "last_seen": "2024-09-01T00:00:00"},
]


def test_default_survivorship_with_source_and_time(workspace, add_identities) -> None:
    add_identities(workspace, ROWS)
    run(workspace)
    c = workspace.table("customers").execute().iloc[0]
    assert c.n_records == 3 and c.n_sources == 3
    assert c.first_name == "Ann"  # most frequent (2 of 3)
    assert c.email == "ann@new.com" and c.email_source == "store"  # most recent
    assert c.email_at.to_pydatetime() == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    # the address block comes from one record: no mixing of street and postcode
    assert (c.address, c.postcode, c.city) == ("9 New Street", "ZZ9 9ZZ", "Newtown")
    assert c.phone == "+447700900123" and c.phone_source == "call_centre"


def test_source_priority_is_configurable(workspace, add_identities) -> None:
    add_identities(workspace, ROWS)
    workspace.settings["identify"] = {"survivorship": {
        "rules": {"email": "most_trusted", "address": "most_trusted"},
        "source_priority": ["web", "store", "call_centre"]}}
    run(workspace)
    c = workspace.table("customers").execute().iloc[0]
    assert c.email == "ann@old.com" and c.email_source == "web"
    assert (c.address, c.postcode) == ("1 Old Road", "AB1 2CD")
