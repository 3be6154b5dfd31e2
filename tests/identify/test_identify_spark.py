"""The identify stage on Spark local mode gives the same customers as on DuckDB."""

from __future__ import annotations

import shutil

import pytest

from idic.datasets.febrl import load_febrl
from idic.identify.probabilistic import model_path
from idic.identify.stage import run

EXTRA = [
    {"source": "web", "source_record_id": "W1", "email": "fam@x.com", "loyalty_id": "L1",
     "first_name": "John", "last_name": "Smith", "birth_date": "1970-01-01"},
    {"source": "web", "source_record_id": "W2", "email": "fam@x.com",
     "first_name": "Mary", "last_name": "Smith", "birth_date": "1972-05-05"},
    {"source": "store", "source_record_id": "S1", "loyalty_id": "L1", "first_name": "Jon"},
]


def _partition(ws) -> set[frozenset[str]]:
    m = ws.table("identity_map").execute()
    groups: dict[str, set[str]] = {}
    for s, r, c in zip(m.source, m.source_record_id, m.customer_id, strict=True):
        groups.setdefault(c, set()).add(f"{s}:{r}")
    return {frozenset(g) for g in groups.values()}


@pytest.mark.spark
def test_spark_gives_the_same_customers_as_duckdb(workspace, spark_workspace, add_identities,
                                                  febrl3_ws) -> None:
    t = load_febrl("febrl3")
    t = t.filter([int(e) < 100 for e in t.column("entity_id").to_pylist()]).drop(["entity_id"])
    late = [i % 7 == 0 for i in range(t.num_rows)]
    first, second = t.filter([not x for x in late]), t.filter(late)
    for ws in (workspace, spark_workspace):
        add_identities(ws, first)
        add_identities(ws, EXTRA)
        model_path(ws.path).parent.mkdir(parents=True)
        shutil.copy(model_path(febrl3_ws[0].path), model_path(ws.path))
        run(ws)
        add_identities(ws, second)  # the second run scores only these (incremental)
    s_duck, s_spark = run(workspace), run(spark_workspace)
    assert s_duck["incremental"] and s_spark["incremental"]
    assert s_spark["scored_records"] == s_duck["scored_records"] == second.num_rows
    assert s_spark["records"] == s_duck["records"] == t.num_rows + 3
    assert s_spark["customers"] == s_duck["customers"]
    assert s_spark["probabilistic_links"] == s_duck["probabilistic_links"] > 0
    assert s_spark["supernodes"] == s_duck["supernodes"] == 1
    assert _partition(spark_workspace) == _partition(workspace)
    c_duck = workspace.table("customers").execute().sort_values("customer_id")
    c_spark = spark_workspace.table("customers").execute().sort_values("customer_id")
    assert list(c_duck.customer_id) == list(c_spark.customer_id)
    assert list(c_duck.first_name) == list(c_spark.first_name)
