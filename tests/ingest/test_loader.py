"""File ingest: validation, quarantine, reconciliation, idempotency, atomicity, mapping."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from idic.errors import InputError
from idic.workspace import Workspace

ORDERS_CSV = """order_id,source,source_customer_id,ordered_at,amount,currency,channel,margin
O1,web,W1,2024-01-02T10:00:00Z,10.50,eur,web,3
O2,web,W1,2024-02-02,20,EUR,Web,
O3,web,W2,not a date,5,EUR,web,1
O4,web,,2024-02-02,5,EUR,web,1
O5,web,W3,2024-02-02,abc,XXX,web,1
O1,web,W1,2024-01-02T10:00:00Z,10.50,eur,web,3
O6,web,W3,2024-03-02 12:00:00+02:00,7,GBP,moon,zz
O7,web,W3,2099-01-01,7,EUR,web,1
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_csv_reconciles_and_quarantines_with_reasons(workspace: Workspace, tmp_path: Path) -> None:
    r = workspace.ingest("orders", write(tmp_path, "orders.csv", ORDERS_CSV))
    assert (r.received, r.accepted, r.quarantined, r.duplicates) == (8, 3, 4, 1)
    assert r.received == r.accepted + r.quarantined + r.duplicates
    assert r.warnings == 2  # channel "moon" and margin "zz" of O6 nulled

    orders = workspace.table("orders").to_pandas().set_index("order_id")
    assert sorted(orders.index) == ["O1", "O2", "O6"]
    assert orders.loc["O1", "currency"] == "EUR"
    assert orders.loc["O1", "amount"] == Decimal("10.50")
    assert orders.loc["O2", "channel"] == "web"
    assert pd.isna(orders.loc["O6", "channel"]) and pd.isna(orders.loc["O6", "margin"])
    # offsets are converted to UTC
    assert orders.loc["O6", "ordered_at"] == pd.Timestamp("2024-03-02 10:00:00", tz="UTC")

    q = workspace.table("quarantine").to_pandas()
    got = {(int(row.line), row.column, row.reason.split(" (")[0]) for row in q.itertuples()}
    assert got == {
        (4, "ordered_at", "not a timestamp"),
        (5, "source_customer_id", "missing required value"),
        (6, "amount", "not a number"),
        (6, "currency", "not an ISO 4217 currency code"),
        (9, "ordered_at", "timestamp in the future"),
    }
    assert set(q.file) == {str(tmp_path / "orders.csv")}
    # the whole raw row is kept so it can be fixed and re-sent
    assert '"order_id":"O5"' in q[q.line == 6].record.iloc[0]

    w = workspace.table("ingest_warnings").to_pandas()
    assert set(zip(w.line, w.column, strict=True)) == {(8, "channel"), (8, "margin")}

    log = workspace.table("ingest_log").to_pandas()
    assert log[["received", "accepted", "quarantined", "duplicates"]].values.tolist() == [
        [8, 3, 4, 1]]


def test_reload_is_idempotent(workspace: Workspace, tmp_path: Path) -> None:
    f = write(tmp_path, "orders.csv", ORDERS_CSV)
    workspace.ingest("orders", f)
    again = workspace.ingest("orders", f)
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 4, 4)
    assert workspace.engine.count("orders") == 3
    assert workspace.engine.count("quarantine") == 5  # bad rows are not quarantined twice
    assert workspace.engine.count("ingest_log") == 2


def test_same_rows_from_parquet_and_jsonl_are_duplicates(workspace: Workspace,
                                                         tmp_path: Path) -> None:
    f = write(tmp_path, "orders.csv", ORDERS_CSV)
    workspace.ingest("orders", f)
    df = pd.read_csv(f, dtype=str)
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp_path / "o.parquet")
    df.to_json(tmp_path / "o.jsonl", orient="records", lines=True)
    for name in ("o.parquet", "o.jsonl"):
        r = workspace.ingest("orders", tmp_path / name)
        assert r.accepted == 0 and r.duplicates == 4 and r.quarantined == 4, name


def test_typed_parquet_columns_are_accepted(workspace: Workspace, tmp_path: Path) -> None:
    t = pa.table({
        "order_id": ["A", "B"], "source": ["store", "store"], "source_customer_id": ["L1", "L2"],
        "ordered_at": pa.array([pd.Timestamp("2024-05-01", tz="UTC")] * 2,
                               pa.timestamp("us", tz="UTC")),
        "amount": [12.345, 99.0], "currency": ["EUR", "EUR"],
    })
    pq.write_table(t, tmp_path / "typed.parquet")
    r = workspace.ingest("orders", tmp_path / "typed.parquet")
    assert r.accepted == 2
    amounts = sorted(workspace.table("orders").amount.to_pandas())
    assert amounts == [Decimal("12.35"), Decimal("99.00")]


def test_mapping_and_source_flag(workspace: Workspace, tmp_path: Path) -> None:
    f = write(tmp_path, "till.csv", "Receipt,Card,Date,Total,Cur\nR1,L9,2024-01-05,9.99,EUR\n")
    r = workspace.ingest("orders", f, source="store", mapping={
        "order_id": "Receipt", "source_customer_id": "Card", "ordered_at": "Date",
        "amount": "Total", "currency": "Cur"})
    assert r.accepted == 1
    row = workspace.table("orders").to_pandas().iloc[0]
    assert (row.order_id, row.source, row.source_customer_id) == ("R1", "store", "L9")


def test_missing_required_column_fails_naming_file_and_column(workspace: Workspace,
                                                              tmp_path: Path) -> None:
    f = write(tmp_path, "o.csv", "order_id,source,ordered_at,amount,currency\n1,web,2024-01-01,1,EUR\n")
    with pytest.raises(InputError, match=r"o\.csv: missing required column 'source_customer_id'"):
        workspace.ingest("orders", f)
    assert workspace.engine.count("orders") == 0
    assert workspace.engine.count("ingest_log") == 0


def test_missing_required_columns_are_all_named_with_the_file_columns(
        workspace: Workspace, tmp_path: Path) -> None:
    # an over-long row makes DuckDB add columns (column3, ...): they are not the file's
    f = write(tmp_path, "o.csv", "order_id,amount,note\n1,2,x\n2,3,y,extra,more\n")
    with pytest.raises(InputError) as err:
        workspace.ingest("orders", f)
    msg = str(err.value)
    assert msg.startswith(f"{f}: missing required columns 'source', 'source_customer_id', "
                          "'ordered_at', 'currency' for table orders (expected source: ")
    assert msg.endswith("; file columns: ['order_id', 'amount', 'note']")
    assert err.value.hint == ("map your columns with --map source=YOUR_COLUMN --map "
                              "source_customer_id=YOUR_COLUMN --map ordered_at=YOUR_COLUMN "
                              "--map currency=YOUR_COLUMN or give --source NAME for source")


def test_segment_of_a_csv_is_a_clear_input_error(workspace: Workspace, tmp_path: Path) -> None:
    f = write(tmp_path, "events.csv", "message_id,type\nm1,track\n")
    with pytest.raises(InputError, match=r"events\.csv: segment expects Segment-spec JSON .* "
                                         r"not a CSV file"):
        workspace.ingest("segment", f)
    assert workspace.engine.count("events") == 0


def test_unknown_kind_and_unreadable_file(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown table kind 'ordres'"):
        workspace.ingest("ordres", write(tmp_path, "x.csv", "a\n1\n"))
    with pytest.raises(InputError, match="no such file"):
        workspace.ingest("orders", tmp_path / "missing.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match=r"bad\.parquet: cannot read as parquet"):
        workspace.ingest("orders", bad)


def test_failed_load_leaves_tables_as_they_were(workspace: Workspace, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path, "orders.csv", ORDERS_CSV)
    workspace.ingest("orders", write(tmp_path, "first.csv",
                                     "order_id,source,source_customer_id,ordered_at,amount,currency\n"
                                     "Z1,web,W9,2024-01-01,1,EUR\n"))
    before = workspace.counts()
    real_append = workspace.engine.append

    def crash_on_log(name: str, obj: object) -> None:
        if name == "ingest_log":
            raise KeyboardInterrupt  # Ctrl-C half-way: after orders and quarantine were written
        real_append(name, obj)

    monkeypatch.setattr(workspace.engine, "append", crash_on_log)
    with pytest.raises(KeyboardInterrupt):
        workspace.ingest("orders", f)
    monkeypatch.undo()
    assert workspace.counts() == before
    # and the workspace is still usable
    assert workspace.ingest("orders", f).accepted == 3


def test_identities_normalise_email_and_phone(workspace: Workspace, tmp_path: Path) -> None:
    f = write(tmp_path, "ids.csv",
              "source,source_record_id,email,phone,country,birth_date\n"
              "store,L1, Ann.Lee@Example.COM ,07700 900123,GB,1985-04-12\n"
              "store,L2,not-an-email,+33 1 23 45 67 89,FR,1990-13-45\n"
              "store,L3,,0049 30 1234567,DE,\n"
              "store,L4,x@y.org,12,US,\n")
    r = workspace.ingest("identities", f)
    assert (r.accepted, r.quarantined, r.warnings) == (4, 0, 3)
    ids = workspace.table("identities").to_pandas().set_index("source_record_id")
    assert ids.loc["L1", "email"] == "ann.lee@example.com"
    assert ids.loc["L1", "phone"] == "+447700900123"
    assert ids.loc["L2", "phone"] == "+33123456789"
    assert ids.loc["L3", "phone"] == "+49301234567"
    assert pd.isna(ids.loc["L2", "email"]) and pd.isna(ids.loc["L2", "birth_date"])
    assert pd.isna(ids.loc["L4", "phone"])


@pytest.mark.parametrize("kind", ["events", "survey_responses", "cases", "consents",
                                  "referrals", "social"])
def test_every_kind_loads_its_example_row(workspace: Workspace, tmp_path: Path,
                                          kind: str) -> None:
    from idic.schema import TABLES

    spec = TABLES[kind]
    df = pd.DataFrame([{c.name: c.example for c in spec.columns}])
    f = tmp_path / f"{kind}.csv"
    df.to_csv(f, index=False)
    r = workspace.ingest(kind, f)
    assert (r.accepted, r.quarantined, r.warnings) == (1, 0, 0), kind


def test_to_pandas_gives_float_money(workspace: Workspace, tmp_path: Path) -> None:
    workspace.ingest("orders", write(tmp_path, "orders.csv", ORDERS_CSV))
    df = workspace.to_pandas("orders").set_index("order_id")
    assert df.amount.dtype == "float64" and df.margin.dtype == "float64"
    assert df.loc["O1", "amount"] == 10.5 and df.amount.sum() == pytest.approx(37.5)
    assert df.describe().loc["mean", "amount"] == pytest.approx(12.5)
    assert str(df.ordered_at.dtype) == "datetime64[us, UTC]"
    # an expression works too; the stored values stay exact
    t = workspace.table("orders")
    assert workspace.to_pandas(t.filter(t.order_id == "O2")).amount.tolist() == [20.0]
    assert t.to_pandas().amount.map(type).eq(Decimal).all()


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_a_cut_or_broken_json_field_is_a_warning_not_stored(engine, request, tmp_path) -> None:
    """``items`` that is not JSON (a field cut short, as the old CSV reader did to every demo
    order) is not stored as text nobody can parse: like any bad optional value it becomes
    null, and the raw value goes to ``ingest_warnings`` with its reason."""
    f = tmp_path / "orders.csv"
    f.write_text(
        "order_id,source,source_customer_id,ordered_at,amount,currency,items\n"
        'O1,web,W1,2024-03-01T12:00:00Z,5.00,EUR,"[{""sku"":""B1"",""qty"":1}]"\n'
        'O2,web,W1,2024-03-01T12:00:00Z,5.00,EUR,"[{""sku"":""B1"""\n'
        'O3,web,W1,2024-03-01T12:00:00Z,5.00,EUR,"{not json}"\n'
        "O4,web,W1,2024-03-01T12:00:00Z,5.00,EUR,\n")
    workspace = request.getfixturevalue("workspace" if engine == "duckdb"
                                        else "spark_workspace")
    r = workspace.ingest("orders", f)
    assert (r.received, r.accepted, r.quarantined, r.warnings) == (4, 4, 0, 2)
    items = workspace.table("orders").to_pandas().set_index("order_id")["items"]
    assert items["O1"] == '[{"sku":"B1","qty":1}]' and items[["O2", "O3", "O4"]].isna().all()
    w = workspace.table("ingest_warnings").to_pandas()
    assert set(w.reason) == {"not valid JSON (expected an object or array)"}
    assert set(w.value) == {'[{"sku":"B1"', "{not json}"}


IDENTITIES_OVERLONG = (
    "source,source_record_id,first_name,last_name,email\n"
    "crm,C1,Ann,Lee,ann@example.com\n"
    "crm,C2,John,Smith, Jr,john@example.com\n"      # unquoted comma: 6 fields, 5 columns
    "crm,C3,Bo,Ek,bo@example.com,\n"                # a trailing delimiter: harmless
    "\n"                                            # a blank line: no row
    'crm,C4,"Smith, John",Doe,"multi\nline@example.com"\n'
    "crm,C5,Eve,Ng,eve@example.com,,x\n"            # a value beyond the header
)


def test_rows_with_more_fields_than_the_header_are_quarantined(workspace: Workspace,
                                                               tmp_path: Path) -> None:
    """Both engines would keep the first fields of an over-long row: John Smith's e-mail
    column would hold " Jr". The row is quarantined whole, with its line and the reason."""
    f = write(tmp_path, "ids.csv", IDENTITIES_OVERLONG)
    r = workspace.ingest("identities", f)
    assert (r.received, r.accepted, r.quarantined) == (5, 3, 2)
    ids = workspace.table("identities").to_pandas().set_index("source_record_id")
    assert sorted(ids.index) == ["C1", "C3", "C4"]
    assert ids.loc["C4", "first_name"] == "Smith, John"
    assert " Jr" not in set(ids.email.dropna())
    q = workspace.table("quarantine").to_pandas()
    got = {(int(x.line), x.column, x.value) for x in q.itertuples()}
    assert got == {(3, "(row)", "6 fields"), (6, "(row)", "7 fields")}
    assert all("more fields than the header's 5" in x and "quoted" in x for x in q.reason)
    assert '"source_record_id":"C2"' in q[q.line == 3].record.iloc[0]
    again = workspace.ingest("identities", f)  # re-sent: nothing counted or held twice
    assert again.accepted == 0 and workspace.engine.count("quarantine") == 2
