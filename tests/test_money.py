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
        st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
        st.dictionaries(st.one_of(st.dates().map(str), st.text(max_size=11)),
                        st.one_of(st.floats(), st.integers(), st.none()), max_size=3)),
        max_size=4),
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
        assert len(k) == 3 and k.isupper() and k.isascii()
        for r in ([x for _, x in v] if isinstance(v, tuple) else [v]):
            assert 0 < r < float("inf")


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


def _orders_on(ws, days_amounts: list[tuple[datetime, str, str]]) -> None:
    ws.engine.create_table("orders", pa.table({
        "order_id": [f"o{i}" for i in range(len(days_amounts))],
        "source": ["shop"] * len(days_amounts),
        "source_customer_id": [f"c{i}" for i in range(len(days_amounts))],
        "ordered_at": pa.array([d for d, _, _ in days_amounts], pa.timestamp("us", tz="UTC")),
        "amount": pa.array([Decimal(a) for _, a, _ in days_amounts], pa.decimal128(18, 2)),
        "margin": pa.array([None] * len(days_amounts), pa.decimal128(18, 2)),
        "currency": [c for _, _, c in days_amounts],
        "channel": ["web"] * len(days_amounts), "items": [1] * len(days_amounts)}))


def _reference(rate: dict[str, float], day: datetime) -> float:
    """The rate in force on ``day``: of the latest date on or before it, else the first."""
    dates = sorted(rate)
    on = [d for d in dates if d <= day.date().isoformat()]
    return rate[on[-1] if on else dates[0]]


def test_dated_rates_convert_each_order_at_its_days_rate(ws) -> None:
    gbp = {"2025-06-01": 1.2, "2026-01-01": 1.1}
    cases = [(datetime(2025, 1, 1, tzinfo=UTC), "GBP", 1.2),  # before the first date
             (datetime(2025, 6, 1, tzinfo=UTC), "GBP", 1.2),
             (datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC), "GBP", 1.2),
             (datetime(2026, 1, 1, tzinfo=UTC), "GBP", 1.1),  # midnight UTC: the new rate
             (datetime(2027, 3, 4, 5, tzinfo=UTC), "GBP", 1.1),
             (datetime(2026, 1, 1, tzinfo=UTC), "EUR", 1.0), (datetime(2026, 1, 1, tzinfo=UTC), "EUR", 1.0)]
    _orders_on(ws, [(d, "100.00", c) for d, c, _ in cases])
    ws.settings.update({"currency": "EUR", "fx_rates": {"GBP": gbp}})
    got = ws.engine.to_arrow(ws.customer_orders().order_by("order_id")).to_pylist()
    assert [float(r["amount"]) for r in sorted(got, key=lambda r: int(r["order_id"][1:]))] == \
        pytest.approx([100 * f for _, _, f in cases])
    assert fx_rates(ws)["GBP"] == (("2025-06-01", 1.2), ("2026-01-01", 1.1))
    from idic.money import summary

    assert summary(ws)["rates_text"]["GBP"] == "1.2 from 2025-06-01, 1.1 from 2026-01-01"
    for bad in ({"GBP": {}}, {"GBP": {"2025-13-01": 1.2}}, {"GBP": {"2025-01-01": 0}},
                {"GBP": {"01/02/2025": 1.2}}, {"GBP": {"2025-02-30": 1.2}},
                {"GBP": {f"2025-01-{d:02d}": 1.0 for d in range(1, 29)} | {
                    f"{y}-01-01": 1.0 for y in range(1500, 2000)}}):
        ws.settings["fx_rates"] = bad
        with pytest.raises(InputError, match=r"fx_rates|dated rates"):
            ws.customer_orders()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=st.dictionaries(st.dates(min_value=datetime(2000, 1, 1).date(),
                                     max_value=datetime(2030, 1, 1).date()).map(str),
                            st.floats(min_value=0.01, max_value=100), min_size=1, max_size=8),
       days=st.lists(st.datetimes(min_value=datetime(1999, 1, 1),
                                  max_value=datetime(2031, 1, 1)).map(
                                      lambda d: d.replace(tzinfo=UTC)), min_size=1, max_size=12))
def test_dated_rates_match_a_reference_on_any_dates(ws, rate, days) -> None:
    _orders_on(ws, [(d, "10.00", "GBP") for d in days])
    ws.settings.update({"currency": "EUR", "fx_rates": {"GBP": rate}})
    got = {r["order_id"]: float(r["amount"]) for r in
           ws.engine.to_arrow(ws.customer_orders()).to_pylist()}
    for i, d in enumerate(days):
        # (amounts stay decimal(18, 2): converted to the cent)
        assert got[f"o{i}"] == pytest.approx(10 * _reference(rate, d), abs=0.0051), (d, rate)


def test_cli_dated_rates_keep_the_fixed_rate_before_them(ws) -> None:
    from typer.testing import CliRunner

    from idic.cli.main import app

    run = CliRunner().invoke
    args = ["--workspace", str(ws.path), "--json"]
    ws.close()
    assert run(app, ["currency", "set", "--rate", "GBP=1.2", *args]).exit_code == 0
    r = run(app, ["currency", "set", "--rate", "GBP=1.1", "--from", "2026-01-01", *args])
    assert r.exit_code == 0, r.output
    assert '"GBP": {"1970-01-01": 1.2, "2026-01-01": 1.1}' in r.output
    assert "1.2 before 2026-01-01, 1.1 from 2026-01-01" in r.output
    for bad in ("2026-1-1", "yesterday", "2026-02-30", "", "2026-01-01T00:00"):
        r = run(app, ["currency", "set", "--rate", "GBP=1.0", "--from", bad, *args])
        assert r.exit_code == 2 and "--from" in r.output, bad
    r = run(app, ["currency", "set", "--from", "2026-01-01", *args])
    assert r.exit_code == 2 and "--from needs --rate" in r.output
    w = Workspace.open(ws.path)
    try:  # the fixture's orders are all on 2026-01-01: the new rate
        assert _sums(w)["shop:a"] == pytest.approx(100 + 85 * 1.1)
    finally:
        w.close()


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.text(max_size=14), st.dates().map(str)))
def test_parse_day_fuzz(text) -> None:
    from datetime import date

    from idic.money import parse_day

    try:
        day = parse_day(text)
    except InputError as e:
        assert "--from" in str(e)
        return
    assert date.fromisoformat(day).isoformat() == day == text.strip()


def test_report_names_dated_rates(small_demo) -> None:
    from idic.measure.sections import value

    with Workspace.open(small_demo, read_only=True) as w:  # settings changed in memory only
        w.settings["fx_rates"] = {"GBP": {"1970-01-01": 1.17647, "2026-01-01": 1.15}}
        bullet = next(b for b in value(w).bullets if "orders in GBP" in b)
    assert ("converted at the rate of each order's day, EUR per GBP: 1.17647 before "
            "2026-01-01, 1.15 from 2026-01-01") in bullet
