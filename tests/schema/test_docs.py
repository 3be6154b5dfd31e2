from pathlib import Path

from idic.schema import TABLES
from idic.schema.docs import render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def test_schema_docs_are_in_sync() -> None:
    assert DOCS.read_text() == render(), "run: python -m idic.schema.docs > docs/schema.md"


def test_contract_column_names() -> None:
    orders = TABLES["orders"]
    assert orders.required == ["order_id", "source", "source_customer_id", "ordered_at",
                               "amount", "currency"]
    assert {"channel", "margin", "items"} <= set(orders.names)
    assert TABLES["identities"].required == ["source", "source_record_id"]
    assert TABLES["events"].required == ["message_id", "source", "type", "timestamp"]
    assert TABLES["consents"].required == ["source", "source_customer_id", "purpose", "status",
                                           "recorded_at"]
