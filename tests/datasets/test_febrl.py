"""FEBRL loaders: canonical identity columns plus the true entity id."""

from __future__ import annotations

import pytest

from idic.datasets.febrl import IDENTITY_COLUMNS, load_febrl, truth
from idic.errors import InputError


@pytest.mark.parametrize(("name", "rows", "entities"),
                         [("febrl1", 1000, 500), ("febrl3", 5000, 2000), ("febrl4", 10000, 5000)])
def test_febrl_sizes_and_columns(name: str, rows: int, entities: int) -> None:
    t = load_febrl(name)
    assert t.num_rows == rows
    assert t.column_names == [*IDENTITY_COLUMNS, "entity_id"]
    assert len(set(t.column("entity_id").to_pylist())) == entities
    assert t.column("entity_id").null_count == 0


def test_febrl_mapping_of_one_record() -> None:
    t = load_febrl("febrl3").to_pylist()
    r = next(x for x in t if x["source_record_id"] == "rec-1496-org")
    assert (r["source"], r["first_name"], r["last_name"]) == ("febrl3", "mitchell", "green")
    assert r["address"] == "7 wallaby place" and r["city"] == "cleveland"
    assert str(r["birth_date"]) == "1956-04-09" and r["entity_id"] == "1496"


def test_febrl4_has_two_sources_and_truth() -> None:
    t = load_febrl("febrl4")
    assert set(t.column("source").to_pylist()) == {"febrl4a", "febrl4b"}
    tr = truth(t)
    assert tr.column_names == ["source", "source_record_id", "person_id"]


def test_unknown_dataset_and_ssn_option() -> None:
    with pytest.raises(InputError):
        load_febrl("febrl9")
    assert load_febrl("febrl1", ssn_as="account_id").column("account_id").null_count < 1000
