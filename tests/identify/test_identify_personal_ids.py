"""Strong personal identifiers (a national id carried as ``account_id``, a loyalty card) link
records unless the value is a super-node or the records conflict on name, birth date and
address together; the household traps still hold. Explanations say why a value was refused."""

from __future__ import annotations

from idic.identify.explain import explain
from idic.identify.stage import run


def _map(ws) -> dict[str, str]:
    m = ws.table("identity_map").execute()
    return {f"{s}:{r}": c for s, r, c in zip(m.source, m.source_record_id, m.customer_id,
                                              strict=True)}


NAMES = ["Ava", "Ben", "Chloe", "Dylan", "Emma", "Felix", "Grace", "Henry", "Isla", "Jack",
         "Kate", "Liam", "Maya", "Noah", "Olive", "Peter", "Quinn", "Ruby", "Sam", "Tara",
         "Umar", "Vera", "Will", "Xena", "Yusuf", "Zoe", "Adam", "Bella", "Carl", "Daisy",
         "Eli", "Freya", "George", "Hugo", "Ivy", "Jude", "Kai", "Lola", "Max", "Nina"]


def _person(i: int, **kw) -> dict:
    return {"first_name": NAMES[i], "last_name": "Reid",
            "birth_date": f"{1940 + i}-{1 + i % 12:02d}-{1 + (7 * i) % 28:02d}",
            "address": "256 coghill close", "postcode": "5253", "city": "blacktown", **kw}


def test_replaced_first_name_keeps_a_national_id_link_and_family_email_merges_nobody(
        workspace, add_identities) -> None:
    rows = [
        # one person, her first name replaced on the second record (FEBRL's rec-3 kind)
        {"source": "gov", "source_record_id": "A1", "account_id": "4041 8893", "first_name": "Rosie",
         "last_name": "Reid", "birth_date": "1977-07-14", "address": "256 coghill close",
         "postcode": "5253"},
        {"source": "crm", "source_record_id": "B1", "account_id": "4041 8893", "first_name": "Kyle",
         "last_name": "Reid", "birth_date": "1977-07-14", "address": "256 coghill close",
         "postcode": "5253"},
        # one person, a typo in the first name and in the birth date, moved house
        {"source": "gov", "source_record_id": "A2", "loyalty_id": "L-77", "first_name": "Jonathan",
         "last_name": "Price", "birth_date": "1961-02-03", "address": "4 elm road",
         "postcode": "2000"},
        {"source": "crm", "source_record_id": "B2", "loyalty_id": "L-77", "first_name": "Jnoathan",
         "last_name": "Price", "birth_date": "1961-02-08", "address": "19 bay street",
         "postcode": "3000"},
        # an account number typed into two strangers' records: name, birth date and address
        # all differ -> refused
        {"source": "gov", "source_record_id": "A3", "account_id": "999", "first_name": "Alice",
         "last_name": "Morton", "birth_date": "1940-01-01", "address": "1 high street",
         "postcode": "7000"},
        {"source": "crm", "source_record_id": "B3", "account_id": "999", "first_name": "Bruno",
         "last_name": "Silva", "birth_date": "1990-12-12", "address": "88 river road",
         "postcode": "8000"},
    ]
    # 40 people of one household / street sharing one e-mail and the same surname
    rows += [_person(i, source="web", source_record_id=f"F{i}", email="reids@x.com")
             for i in range(40)]
    add_identities(workspace, rows)
    s = run(workspace)
    m = _map(workspace)
    assert m["gov:A1"] == m["crm:B1"]
    assert m["gov:A2"] == m["crm:B2"]
    assert m["gov:A3"] != m["crm:B3"]
    assert len({m[f"web:F{i}"] for i in range(40)}) == 40  # 40 people stay 40 customers
    assert s["customers"] == 2 + 2 + 40
    sn = workspace.table("identity_supernodes").execute()
    reasons = dict(zip(sn.id_value, sn.reason, strict=True))
    assert set(reasons) == {"999", "reids@x.com"}
    assert reasons["999"] == "records sharing it disagree on name, birth date and address"
    assert reasons["reids@x.com"] == "shared by more than 25 records"

    r = explain(workspace, "gov:A3", "crm:B3")
    assert not r["same_customer"]
    why = "super-node: records sharing it disagree on name, birth date and address (2 records)"
    assert r["shared_identifiers"] == [{"type": "account_id", "value": "999", "linked": False,
                                        "why_not": why, "guard": why}]
    r = explain(workspace, "gov:A1", "crm:B1")
    assert r["same_customer"] and r["reason"] == "they share account_id 4041 8893"


def test_personal_id_on_many_records_is_a_super_node(workspace, add_identities) -> None:
    """A loyalty card on 30 records (a shop's own card swiped for walk-ins) links nobody,
    however alike the records are."""
    add_identities(workspace, [
        {"source": "store", "source_record_id": f"S{i}", "loyalty_id": "SHOPCARD",
         "first_name": f"Walkin{i}", "last_name": "Guest"} for i in range(30)])
    s = run(workspace)
    assert len(set(_map(workspace).values())) == 30 and s["supernodes"] == 1
