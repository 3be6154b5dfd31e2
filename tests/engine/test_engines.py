"""The engine door: same tables and the same ingest on DuckDB and on Spark (local mode)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from idic.errors import NotFoundError, WorkspaceError
from idic.workspace import Workspace

CSV = ("order_id,source,source_customer_id,ordered_at,amount,currency,channel\n"
       "O1,web,W1,2024-01-02T10:00:00Z,10.50,EUR,web\n"
       "O2,web,W1,2024-02-02,20,EUR,store\n"
       "O3,web,W2,yesterday,5,EUR,web\n"
       "O1,web,W1,2024-01-02T10:00:00Z,10.50,EUR,web\n"
       "O4,web,W2,2024-03-01,7.25,usd,moon\n")


def _load(ws: Workspace, tmp_path: Path) -> tuple:
    f = tmp_path / "orders.csv"
    f.write_text(CSV)
    r = ws.ingest("orders", f)
    rows = ws.table("orders").select("order_id", "ordered_at", "amount", "currency", "channel") \
        .order_by("order_id").to_pandas()
    q = ws.table("quarantine").select("line", "column").to_pandas()
    return (r.received, r.accepted, r.quarantined, r.duplicates, r.warnings), rows, q


def test_duckdb_basics(workspace: Workspace) -> None:
    eng = workspace.engine
    eng.create_table("t", pa.table({"a": [1, 2, 3]}))
    eng.append("t", pa.table({"a": [4]}))
    assert eng.count("t") == 4
    assert eng.delete_where("t", lambda t: t.a > 2) == 2
    assert sorted(eng.table("t").a.to_pandas()) == [1, 2]
    with pytest.raises(NotFoundError):
        eng.table("nope")


def test_workspace_open_errors(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not an idic workspace"):
        Workspace.open(tmp_path / "none")


def test_second_writer_gets_a_clear_error(workspace: Workspace) -> None:
    import subprocess
    import sys

    code = ("from idic.workspace import Workspace\n"
            f"Workspace.open({str(workspace.path)!r})\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    # same process may hold it twice; another process must get a WorkspaceError, not a crash
    assert proc.returncode != 0
    assert "WorkspaceError" in proc.stderr


@pytest.mark.spark
def test_spark_engine_gives_the_same_ingest(tmp_path: Path, workspace: Workspace,
                                            spark_workspace: Workspace) -> None:
    duck = _load(workspace, tmp_path)
    spark = _load(spark_workspace, tmp_path)
    assert duck[0] == spark[0] == (5, 3, 1, 1, 1)
    pd.testing.assert_frame_equal(duck[1], spark[1], check_dtype=False)
    assert sorted(map(tuple, duck[2].values.tolist())) == sorted(map(tuple, spark[2].values.tolist()))
    # delete_where works on Spark too
    assert spark_workspace.engine.delete_where("orders", lambda t: t.order_id == "O1") == 1
    assert spark_workspace.engine.count("orders") == 2


def test_a_failed_nested_step_reports_its_own_error_not_the_cleanup(tmp_path) -> None:
    """A statement failing inside a transaction leaves it aborted; clean-up in a ``finally``
    (unstage) must not replace the real error by 'transaction is aborted'."""
    import duckdb
    import pyarrow as pa
    import pytest

    from idic.engine.duck import DuckDBEngine

    eng = DuckDBEngine(tmp_path / "x.duckdb")
    eng.create_table("t", pa.table({"a": [1]}))
    staged = eng.from_arrow(pa.table({"a": [2]}), "_staged")
    assert staged.count().execute() == 1
    with pytest.raises(duckdb.Error) as err, eng.transaction():
        try:
            eng.raw.execute("INSERT INTO t SELECT 'not a number'")
        finally:
            eng.unstage("_staged")
    assert "not a number" in str(err.value) or "Conversion" in str(err.value)
    assert eng.count("t") == 1  # rolled back
    eng.close()
