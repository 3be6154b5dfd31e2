"""The one backend-specific escape hatch of ``identify``: hand records to Splink.

Splink has database APIs of its own (DuckDB, Spark). This module builds the one matching
the workspace engine and registers an Ibis expression as a Splink input table. On DuckDB,
Splink works in a private in-memory database (records are handed over as Arrow), so its
many ``__splink__`` tables never land in the workspace file. On Spark, it shares the
engine's SparkSession. (Candidate for an ``Engine.splink_api()`` method in ``engine/``.)
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from idic.engine import Engine


def splink_db_api(engine: Engine) -> Any:
    """A fresh Splink ``DatabaseAPI`` for ``engine``."""
    if engine.name == "spark":
        from splink import SparkAPI

        # Comparisons use only functions native to Spark SQL (levenshtein), so the
        # Scala similarity UDF jar is not needed.
        return SparkAPI(spark_session=engine.spark, break_lineage_method="persist",  # type: ignore[attr-defined]
                        register_udfs_automatically=False)
    from splink import DuckDBAPI

    return DuckDBAPI(":memory:")


def local_db_api() -> Any:
    """An in-process DuckDB Splink API, whatever the engine: the model is trained there.

    Splink's samplers (u by random sampling, EM's ``max_pairs``) pick records by hashing
    their ids with the backend's own ``hash()`` (DuckDB's differs from Spark's murmur3), so
    the same records gave different u estimates on the two engines, hence different scores
    and customers. Training on one backend makes the model a function of the records only.
    """
    from splink import DuckDBAPI

    return DuckDBAPI(":memory:")


def register_local(db_api: Any, engine: Engine, data: ir.Table | pa.Table, name: str) -> Any:
    """Register ``data`` (Ibis expression of any engine, or Arrow) with a
    :func:`local_db_api`."""
    if isinstance(data, ir.Table):
        data = engine.to_arrow(data)
    return db_api.register(data, table_name=name)


def register(db_api: Any, engine: Engine, data: ir.Table | pa.Table, name: str) -> Any:
    """Register ``data`` (Ibis expression or Arrow table) with Splink as ``name``."""
    if engine.name == "spark":
        if isinstance(data, ir.Table):
            df = engine.con._session.sql(str(engine.con.compile(data)))
        else:
            df = engine.spark.createDataFrame(data.to_pandas())  # type: ignore[attr-defined]
        return db_api.register(df, table_name=name)
    if isinstance(data, ir.Table):
        data = engine.to_arrow(data)
    return db_api.register(data, table_name=name)


def to_arrow(splink_df: Any) -> pa.Table:
    """A Splink result table as Arrow, whatever the backend."""
    if type(splink_df).__module__.startswith("splink.internals.spark"):
        return pa.Table.from_pandas(splink_df.as_spark_dataframe().toPandas(),
                                    preserve_index=False)
    return splink_df.as_pyarrow_table()


def drop_table(engine: Engine, name: str) -> None:
    """Drop a work table. (``Engine.drop_table`` goes through the Ibis catalogue, which the
    Spark engine's Parquet-folder tables are not in; proposed fix: override it there.)"""
    if engine.name == "spark":
        import shutil

        path = engine._path(name)  # type: ignore[attr-defined]
        if path.exists():
            shutil.rmtree(path)
        return
    engine.drop_table(name)
