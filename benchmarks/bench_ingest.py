"""Validated ingest of N order rows (CSV and Parquet) vs DuckDB's own read_csv/read_parquet
into a table of a database file: the floor on this machine. Goal: idic within 3x."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from idic.workspace import Workspace


def make_files(folder: Path, n: int) -> dict[str, Path]:
    con = duckdb.connect()
    csv, parquet = folder / "orders.csv", folder / "orders.parquet"
    con.execute(f"""
        COPY (SELECT 'O' || i AS order_id, CASE WHEN i % 3 = 0 THEN 'store' ELSE 'web' END
                     AS source, 'C' || (i % {max(n // 5, 1)}) AS source_customer_id,
                     strftime(TIMESTAMP '2024-01-01' + to_seconds(i * 7), '%Y-%m-%dT%H:%M:%SZ')
                     AS ordered_at, round(random() * 200, 2) AS amount,
                     CASE WHEN i % 10 = 0 THEN 'gbp' ELSE 'EUR' END AS currency,
                     CASE WHEN i % 3 = 0 THEN 'store' ELSE 'web' END AS channel,
                     round(random() * 50, 2) AS margin
              FROM range({n}) r(i)) TO '{csv}' (HEADER)""")
    con.execute(f"COPY (SELECT * FROM read_csv('{csv}', all_varchar=true)) TO '{parquet}'")
    return {"csv": csv, "parquet": parquet}


def floor(folder: Path, fmt: str, path: Path) -> float:
    db = folder / f"floor-{fmt}.duckdb"
    con = duckdb.connect(str(db))
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE orders AS SELECT * FROM {reader}('{path}')")
    dt = time.perf_counter() - t0
    con.close()
    return dt


def idic_ingest(folder: Path, fmt: str, path: Path) -> float:
    ws_dir = folder / f"ws-{fmt}"
    with Workspace.init(ws_dir) as ws:
        t0 = time.perf_counter()
        r = ws.ingest("orders", path)
        dt = time.perf_counter() - t0
        assert r.accepted == r.received, r
    return dt


def run(quick: bool = False) -> list[dict]:
    n = 1_000_000 if quick else 5_000_000
    folder = Path(tempfile.mkdtemp(prefix="idic-bench-ingest-"))
    try:
        files = make_files(folder, n)
        rows = []
        for fmt, path in files.items():
            base = floor(folder, fmt, path)
            ours = idic_ingest(folder, fmt, path)
            rows.append({"benchmark": f"ingest {n:,} orders from {fmt}", "idic_s": ours,
                         "baseline": f"duckdb {'read_csv' if fmt == 'csv' else 'read_parquet'}"
                         " into a table", "baseline_s": base, "ratio": ours / base,
                         "goal": "<= 3x"})
        return rows
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(row)
