"""Deterministic identity graph: shared identifiers, cookies via events, super-node guard."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from idic.identify.stage import run


def _map(ws) -> dict[str, str]:
    m = ws.table("identity_map").execute()
    return {f"{s}:{r}": c for s, r, c in zip(m.source, m.source_record_id, m.customer_id, strict=False)}


def test_shared_identifiers_chain_records_into_one_customer(workspace, add_identities) -> None:
    add_identities(workspace, [
        {"source": "web", "source_record_id": "W1", "email": "ann@x.com", "first_name": "Ann"},
        {"source": "store", "source_record_id": "S1", "email": "ann@x.com", "loyalty_id": "L1"},
        {"source": "call_centre", "source_record_id": "C1", "loyalty_id": "L1",
         "phone": "+447700900001"},
        {"source": "social", "source_record_id": "SO1", "social_handle": "@bob"},
    ])
    s = run(workspace)
    assert s["records"] == 4 and s["customers"] == 2
    m = _map(workspace)
    assert m["web:W1"] == m["store:S1"] == m["call_centre:C1"] != m["social:SO1"]
    links = workspace.table("identity_links").execute()
    assert set(links.kind) == {"identifier"} and set(links.id_type) == {"email", "loyalty_id"}


def test_identify_event_links_cookie_to_known_record(workspace, add_identities) -> None:
    add_identities(workspace, [
        {"source": "web", "source_record_id": "W1", "first_name": "Ann"},
        {"source": "web", "source_record_id": "anon-1", "cookie_id": "ck-9"},
    ])
    ev = pa.table({"message_id": ["m1"], "source": ["web"], "type": ["identify"],
                   "timestamp": pa.array([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)],
                                         pa.timestamp("us", tz="UTC")),
                   "user_id": ["W1"], "anonymous_id": ["CK-9 "]})
    workspace.engine.append("events", ev)
    run(workspace)
    m = _map(workspace)
    assert m["web:W1"] == m["web:anon-1"]


def test_supernode_guard_keeps_family_and_shop_phone_apart(workspace, add_identities) -> None:
    family = [
        {"source": "web", "source_record_id": "W1", "email": "smiths@x.com", "first_name": "John",
         "last_name": "Smith", "birth_date": "1970-01-01"},
        {"source": "web", "source_record_id": "W2", "email": "smiths@x.com", "first_name": "Mary",
         "last_name": "Smith", "birth_date": "1972-05-05"},
        # the same John with a typo in his name still links through his own e-mail
        {"source": "store", "source_record_id": "S1", "email": "john@x.com", "first_name": "Jon",
         "last_name": "Smith", "birth_date": "1970-01-01"},
        {"source": "web", "source_record_id": "W3", "email": "john@x.com", "first_name": "John",
         "last_name": "Smith", "birth_date": "1970-01-01"},
    ]
    shop = [{"source": "store", "source_record_id": f"G{i}", "phone": "+442079460000",
             "first_name": f"Person{i}", "last_name": f"Family{i}"} for i in range(30)]
    add_identities(workspace, family + shop)
    s = run(workspace, max_records=25)
    m = _map(workspace)
    assert m["web:W1"] != m["web:W2"]
    assert m["store:S1"] == m["web:W3"]
    assert len({m[f"store:G{i}"] for i in range(30)}) == 30
    sn = workspace.table("identity_supernodes").execute()
    assert set(sn.id_value) == {"smiths@x.com", "+442079460000"}
    assert s["supernodes"] == 2
    reasons = dict(zip(sn.id_value, sn.reason, strict=False))
    assert "disagree" in reasons["smiths@x.com"] and "more than 25" in reasons["+442079460000"]


def test_connected_components_on_long_chain(workspace) -> None:
    from idic.identify.graph import connected_components

    n = 300
    eng = workspace.engine
    eng.create_table("n", pa.table({"node": [f"r{i:04d}" for i in range(n)]}))
    eng.create_table("e", pa.table({"a": [f"r{i:04d}" for i in range(n - 1) if i != 150],
                                    "b": [f"r{i + 1:04d}" for i in range(n - 1) if i != 150]}))
    out = connected_components(eng, eng.table("n"), eng.table("e")).execute()
    labels = dict(zip(out.node, out.label, strict=False))
    assert set(labels.values()) == {"r0000", "r0151"}
    assert labels["r0150"] == "r0000" and labels["r0299"] == "r0151"


def test_native_connected_components_equal_the_portable_algorithm(workspace) -> None:
    """The engine's native components (DuckDB: in process) give the labels of the Ibis
    label propagation, including nodes only met as edge ends."""
    import random

    from idic.identify.graph import connected_components

    rng = random.Random(7)
    eng = workspace.engine
    names = [f"{rng.choice('abcXY')}:{rng.randrange(10**6)}" for _ in range(2000)]
    eng.create_table("n", pa.table({"node": names[:1800]}))
    pairs = [(rng.choice(names), rng.choice(names)) for _ in range(1500)]
    eng.create_table("e", pa.table({"a": [x for x, _ in pairs], "b": [y for _, y in pairs]}))
    native = connected_components(eng, eng.table("n"), eng.table("e"), prefix="_t1").execute()
    native_rows = sorted(zip(native.node, native.label, strict=True))
    eng.connected_components = lambda *a, **k: None  # force the portable algorithm
    portable = connected_components(eng, eng.table("n"), eng.table("e"), prefix="_t2").execute()
    assert native_rows == sorted(zip(portable.node, portable.label, strict=True))


def test_guarded_family_email_still_links_the_same_person(workspace, add_identities) -> None:
    """Through a family e-mail only records naming the same person are linked: a nickname,
    swapped names, a missing last name or two letters swapped in a short name (Mrak) are
    still that person; Mark and Matt (two edits apart, not a swap) are two people."""
    fam = "thejones@x.com"
    add_identities(workspace, [
        {"source": "web", "source_record_id": "W1", "email": fam, "first_name": "Thomas",
         "last_name": "Jones"},
        {"source": "email_list", "source_record_id": "E1", "email": fam, "first_name": "Tommy"},
        {"source": "social", "source_record_id": "SO1", "email": fam, "first_name": "Jones",
         "last_name": "Thomas"},
        {"source": "web", "source_record_id": "W2", "email": fam, "first_name": "Mark",
         "last_name": "Jones"},
        {"source": "email_list", "source_record_id": "E2", "email": fam, "first_name": "Mrak",
         "last_name": "Jones"},
        {"source": "store", "source_record_id": "S3", "email": fam, "first_name": "Matt",
         "last_name": "Jones"},
        # a personal e-mail with a typo in the name is no super-node
        {"source": "web", "source_record_id": "W4", "email": "ruth@x.com", "first_name": "Ruth",
         "last_name": "Kowalski"},
        {"source": "store", "source_record_id": "S4", "email": "ruth@x.com", "first_name": "Ruht",
         "last_name": "Kowalski"},
    ])
    run(workspace)
    m = _map(workspace)
    assert m["web:W1"] == m["email_list:E1"] == m["social:SO1"]
    assert m["web:W2"] == m["email_list:E2"]
    assert len({m["web:W1"], m["web:W2"], m["store:S3"]}) == 3
    assert m["web:W4"] == m["store:S4"]
    sn = workspace.table("identity_supernodes").execute()
    assert set(sn.id_value) == {fam}
