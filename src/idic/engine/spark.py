"""PySpark engine: tables are Parquet folders under ``<workspace>/spark/<table>``.

Writes go to a fresh folder and are swapped in by rename, so a failed write leaves the
previous version intact (Spark has no transactions across tables).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from idic.config import get_settings
from idic.engine.base import Engine, TableLike
from idic.engine.csv_dialect import QUOTE, sniff_delimiter, sniff_newline

_SESSION = None


def spark_session():
    """One local SparkSession per process (Spark allows one active context)."""
    global _SESSION
    if _SESSION is None:
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
        settings = get_settings()
        _SESSION = (
            SparkSession.builder.master(settings.spark_master)
            .appName("idic")
            .config("spark.driver.memory", settings.spark_memory)
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="idic-spark-wh-"))
            .getOrCreate()
        )
        _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, workspace_dir: Path | None) -> None:
        self.spark = spark_session()
        self.con = ibis.pyspark.connect(self.spark)
        # DuckDB's json_valid, which the loader's JSON check calls (a SQL function, no UDF jar)
        self.spark.sql("CREATE OR REPLACE TEMPORARY FUNCTION json_valid(x STRING) "
                       "RETURNS BOOLEAN RETURN get_json_object(x, '$') IS NOT NULL")
        self.root = (Path(workspace_dir) if workspace_dir else
                     Path(tempfile.mkdtemp(prefix="idic-spark-"))) / "spark"
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        return self.root / name

    def drop_table(self, name: str) -> None:
        path = self._path(name)
        if path.exists():
            shutil.rmtree(path)

    def list_tables(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if (p / "_SUCCESS").exists()
                      or any(p.glob("*.parquet")))

    def _table(self, name: str) -> ir.Table:
        df = self.spark.read.parquet(str(self._path(name)))
        view = f"idic_{name}_{uuid.uuid4().hex[:8]}"
        df.createOrReplaceTempView(view)
        return self.con.table(view)

    def _write(self, name: str, df, mode: str) -> None:
        final = self._path(name)
        if mode == "append" and final.exists():
            df.write.mode("append").parquet(str(final))
            return
        tmp = self.root / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
        df.write.mode("overwrite").parquet(str(tmp))
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)

    def _to_df(self, obj: TableLike):
        if isinstance(obj, ir.Table):
            self.con._run_pre_execute_hooks(obj)
            return self.spark.sql(str(self.con.compile(obj)))
        if isinstance(obj, pd.DataFrame):
            obj = pa.Table.from_pandas(obj, preserve_index=False)
        return self.spark.createDataFrame(obj.to_pandas(), schema=_spark_schema(obj.schema))

    def create_table(self, name: str, obj: TableLike | None = None, *,
                     schema: ibis.Schema | None = None, overwrite: bool = True) -> None:
        if obj is None:
            assert schema is not None
            obj = schema.to_pyarrow().empty_table()
        if isinstance(obj, pa.Table) and obj.num_rows == 0:
            # Spark cannot write an empty frame with a schema portably: write Parquet directly.
            final = self._path(name)
            if final.exists():
                shutil.rmtree(final)
            final.mkdir(parents=True)
            pq.write_table(obj, final / "part-00000.parquet")
            (final / "_SUCCESS").touch()
            return
        # materialise before replacing (the expression may read the table it replaces)
        df = self._to_df(obj).localCheckpoint(eager=True) if isinstance(obj, ir.Table) \
            else self._to_df(obj)
        self._write(name, df, "overwrite")

    def append(self, name: str, obj: TableLike) -> None:
        df = self._to_df(obj)
        existing = self.spark.read.parquet(str(self._path(name)))
        df = df.select(*[df[c].cast(existing.schema[c].dataType) for c in df.columns])
        self._write(name, df, "append")

    def delete_where(self, name: str, predicate: Callable[[ir.Table], ir.BooleanValue]) -> int:
        t = self.table(name)
        before = self.count(name)
        keep = t.filter(~predicate(t).fill_null(False))
        self.create_table(name, keep)
        return before - self.count(name)

    def stage(self, expr: ir.Table, name: str, *, line_start: int | None = None) -> ir.Table:
        self.con._run_pre_execute_hooks(expr)
        df = self.spark.sql(str(self.con.compile(expr)))
        if line_start is not None:
            from pyspark.sql import Window
            from pyspark.sql import functions as F

            df = df.withColumn("_mid", F.monotonically_increasing_id())
            df = df.withColumn(
                "_line", F.row_number().over(Window.orderBy("_mid")) + (int(line_start) - 1)
            ).drop("_mid")
        df = df.localCheckpoint(eager=True)
        df.createOrReplaceTempView(name)
        return self.con.table(name)

    def unstage(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)

    def from_arrow(self, data: pa.Table, name: str) -> ir.Table:
        self._to_df(data).createOrReplaceTempView(name)
        return self.con.table(name)

    def read_file(self, path: Path, fmt: str, *, delimiter: str | None = None) -> ir.Table:
        reader = self.spark.read
        if fmt == "csv":
            # RFC 4180 quoting (Spark's default escape is a backslash), quoted newlines
            # (multiLine) and the delimiter the DuckDB engine uses (see csv_dialect)
            opts = {"header": True, "inferSchema": False, "quote": QUOTE, "escape": QUOTE,
                    "multiLine": True, "encoding": "UTF-8", "mode": "PERMISSIVE",
                    "sep": delimiter or sniff_delimiter(path)}
            newline = sniff_newline(path)
            if newline:
                opts["lineSep"] = newline
            df = reader.options(**opts).csv(str(path))
            df = df.toDF(*[c.removeprefix("\ufeff") for c in df.columns])
        elif fmt == "parquet":
            df = reader.parquet(str(path))
        else:
            df = reader.json(str(path))
        view = f"idic_stage_{uuid.uuid4().hex[:8]}"
        df.createOrReplaceTempView(view)
        return self.con.table(view)

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        return pa.Table.from_pandas(expr.execute(), preserve_index=False)


def _spark_schema(schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)
