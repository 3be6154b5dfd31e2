"""Validators, property-based: normalisation is stable and never crashes the query."""

from __future__ import annotations

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.ingest.validate import normalise, reason, text
from idic.schema import TABLES

con = ibis.duckdb.connect()
con.raw_sql("SET TimeZone='UTC'")
PHONE = TABLES["identities"].column("phone")
EMAIL = TABLES["identities"].column("email")
AMOUNT = TABLES["orders"].column("amount")
CURRENCY = TABLES["orders"].column("currency")


def run(col, values: list[str | None], country: str | None = None) -> list:
    t = ibis.memtable({"v": values, "c": [country] * len(values)},
                      schema={"v": "string", "c": "string"})
    v = text(t.v)
    expr = t.select(value=normalise(col, v, country=t.c), why=reason(col, v, country=t.c))
    return con.execute(expr).to_dict("records")


@pytest.mark.parametrize(("raw", "country", "e164"), [
    ("07700 900123", "GB", "+447700900123"),
    ("+44 (0)7700-900123", "GB", "+447700900123"),
    ("0044 7700 900123", None, "+447700900123"),
    ("(555) 010-0199", "US", "+15550100199"),
    ("01 23 45 67 89", "FR", "+33123456789"),
])
def test_phone_e164(raw: str, country: str | None, e164: str) -> None:
    assert run(PHONE, [raw], country)[0]["value"] == e164


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=24) | st.none(), min_size=1, max_size=20))
def test_phone_values_are_e164_or_null_with_reason(values: list[str | None]) -> None:
    for row in run(PHONE, values, "GB"):
        if row["value"] is not None:
            assert row["value"].startswith("+") and row["value"][1:].isdigit()
            assert 8 <= len(row["value"]) - 1 <= 15
            assert row["why"] is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.emails() | st.text(max_size=20), min_size=1, max_size=20))
def test_email_lower_and_idempotent(values: list[str]) -> None:
    rows = run(EMAIL, values)
    clean = [r["value"] for r in rows if r["value"] is not None]
    assert all(v == v.lower() and "@" in v for v in clean)
    assert [r["value"] for r in run(EMAIL, clean)] == clean  # normalising twice changes nothing


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=-10**9, max_value=10**9, places=2,
                            allow_nan=False), min_size=1, max_size=20))
def test_amounts_round_trip(values: list) -> None:
    rows = run(AMOUNT, [str(v) for v in values])
    assert [r["value"] for r in rows] == values


def test_currency_codes() -> None:
    rows = run(CURRENCY, ["eur", " GBP ", "XXX", "EURO", None])
    assert [r["value"] for r in rows] == ["EUR", "GBP", None, None, None]
    assert rows[2]["why"].startswith("not an ISO 4217")
    assert rows[4]["why"] == "missing required value"
