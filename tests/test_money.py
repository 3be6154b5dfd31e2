"""One reporting currency (idic.money): conversion, the missing-rate error, hostile settings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic.errors import InputError
from idic.money import convert, fx_rates, rates, reporting_currency
from idic.workspace import Workspace

T = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path):
    w = Workspace.init(tmp_path / "ws")
    w.engine.create_table("orders", pa.table({
        "order_id": ["o1", "o2", "o3", "o4"],
        "source": ["shop"] * 4,
        "source_customer_id": ["a", "a", "b", "c"],
        "ordered_at": [T] * 4,
        "amount": pa.array([Decimal("100.00"), Decimal("85.00"), Decimal("10.00"),
                            Decimal("20.00")], pa.decimal128(18, 2)),
        "margin": pa.array([Decimal("30.00"), Decimal("17.00"), None, Decimal("5.00")],
                           pa.decimal128(18, 2)),
        "currency": ["EUR", "GBP", "EUR", "EUR"],
        "channel": ["web"] * 4, "items": [1, 1, 1, 1]}))
    yield w
    w.close()


def _sums(ws) -> dict[str, float]:
    o = ws.customer_orders()
    g = o.group_by("customer_id").aggregate(a=o.amount.sum())
    return {r["customer_id"]: float(r["a"]) for r in ws.engine.to_arrow(g).to_pylist()}


def test_missing_rate_is_an_error_naming_the_currency_and_the_setting(ws) -> None:
    assert reporting_currency(ws) == "EUR"  # the most common
    with pytest.raises(InputError, match=r"no exchange rate for GBP \(1 orders\).*--rate GBP="):
        ws.customer_orders()


def test_orders_are_converted_to_the_reporting_currency(ws) -> None:
    ws.settings["fx_rates"] = {"GBP": 1.2}
    assert _sums(ws) == {"shop:a": pytest.approx(100 + 85 * 1.2), "shop:b": 10.0,
                         "shop:c": 20.0}
    o = ws.engine.to_arrow(ws.customer_orders().order_by("order_id")).to_pylist()
    assert {r["currency"] for r in o} == {"EUR"}
    assert float(o[1]["margin"]) == pytest.approx(17 * 1.2) and o[2]["margin"] is None
    # reporting in GBP instead: the EUR orders need a rate, the GBP one stays as it is
    ws.settings.update({"currency": "GBP", "fx_rates": {"EUR": 0.85}})
    assert _sums(ws) == {"shop:a": pytest.approx(85 + 100 * 0.85), "shop:b": 8.5,
                         "shop:c": 17.0}
    assert rates(ws) == ("GBP", {"GBP": 1.0, "EUR": 0.85})


def test_one_currency_needs_no_rate(ws) -> None:
    import ibis

    o = ws.table("orders")
    ws.engine.create_table("orders", o.mutate(currency=ibis.literal("USD")).to_pyarrow())
    assert convert(ws, ws.table("orders")).equals(ws.table("orders"))  # untouched
    assert _sums(ws)["shop:a"] == 185.0 and reporting_currency(ws) == "USD"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.dictionaries(st.text(max_size=6), st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=5),
        st.booleans(), st.none(), st.lists(st.integers(), max_size=2)), max_size=4),
    st.text(max_size=10), st.integers(), st.lists(st.text(max_size=3), max_size=3)))
def test_hostile_fx_settings_are_rejected_or_valid(ws, raw) -> None:
    ws.settings["fx_rates"] = raw
    try:
        got = fx_rates(ws)
    except InputError as e:
        assert "fx_rates" in str(e)
        return
    assert isinstance(raw, dict) or not raw
    for k, v in got.items():
        assert len(k) == 3 and k.isupper() and k.isascii() and v > 0 and v < float("inf")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=8), st.integers(), st.none()))
def test_hostile_reporting_currency(ws, cur) -> None:
    ws.settings["currency"] = cur
    try:
        got = reporting_currency(ws)
    except InputError as e:
        assert '"currency"' in str(e)
        return
    assert got == ("EUR" if cur is None else cur)


def test_cli_sets_rates_and_rejects_bad_ones(ws) -> None:
    from typer.testing import CliRunner

    from idic.cli.main import app

    run = CliRunner().invoke
    args = ["--workspace", str(ws.path), "--json"]
    ws.close()
    r = run(app, ["currency", "show", *args])
    assert r.exit_code == 0 and '"missing": ["GBP"]' in r.output
    for bad in ("GBP", "GBP=", "GBP=-1", "GBP=nan", "GB=1.2", "GBP=inf", "=1", "GBP=1,2"):
        r = run(app, ["currency", "set", "--rate", bad, *args])
        assert r.exit_code != 0 and "--rate" in r.output, bad
    r = run(app, ["currency", "set", "--rate", "gbp=1.2", "--currency", "eur", *args])
    assert r.exit_code == 0 and '"fx_rates": {"GBP": 1.2}' in r.output
    w = Workspace.open(ws.path)
    try:
        assert w.settings["fx_rates"] == {"GBP": 1.2} and w.settings["currency"] == "EUR"
        assert _sums(w)["shop:a"] == pytest.approx(100 + 85 * 1.2)
    finally:
        w.close()


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=30))
def test_parse_rate_fuzz(text) -> None:
    from idic.money import parse_rate

    try:
        code, v = parse_rate(text)
    except InputError as e:
        assert "--rate" in str(e)
        return
    assert len(code) == 3 and code.isupper() and 0 < v < float("inf")


def test_demo_report_says_what_was_converted(small_demo) -> None:
    from idic.measure.sections import value

    with Workspace.open(small_demo, read_only=True) as w:
        o = w.table("orders")
        n = int(o.filter(o.currency == "GBP").count().execute())
        bullets = value(w).bullets
    assert n > 0
    assert f"Amounts in EUR: {n:,} orders in GBP converted at 1.17647 EUR per GBP" in bullets[0]
