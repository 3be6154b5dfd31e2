"""Benchmark: RFM + ABC with idic (Ibis on DuckDB) vs hand-written DuckDB SQL vs pandas.

Synthetic orders are generated in the run (quick: 1M orders / 100k customers; full: 10M /
1M). Every method computes the same two tables -- RFM with scores and segments, then ABC on
the RFM monetary value -- and the idic and SQL tables are checked identical. Each timing is
the best of ``repeat`` runs, measured in the same process on the same data.

    python benchmarks/bench_value.py [--quick]
"""

from __future__ import annotations

import argparse
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from benchmarks._timing import best_interleaved
from idic.differentiate.value.abc import abc
from idic.differentiate.value.rfm import customer_rfm_base, load_segment_map, score
from idic.engine import open_engine

AS_OF = date(2024, 12, 31)
START = np.datetime64("2022-01-01T00:00:00", "us")


def make_orders(n_orders: int, n_customers: int, seed: int = 42) -> pa.Table:
    """Orders with skewed customer activity, order times over three years, cent amounts."""
    rng = np.random.default_rng(seed)
    weights = rng.gamma(0.6, 1.0, n_customers)
    cust = rng.choice(n_customers, n_orders, p=weights / weights.sum())
    span_us = int(3 * 365.25 * 86400 * 1e6)
    when = START + rng.integers(0, span_us, n_orders).astype("timedelta64[us]")
    cents = np.maximum(1, np.round(rng.gamma(2.0, 2500.0, n_orders))).astype(np.int64)
    return pa.table({
        "customer_id": pc.cast(pa.array(cust), pa.string()),
        "order_id": pc.cast(pa.array(np.arange(n_orders)), pa.string()),
        "ordered_at": pa.array(when).cast(pa.timestamp("us", tz="UTC")),
        "amount": _cents_to_decimal(cents),
    })


def _cents_to_decimal(cents: np.ndarray) -> pa.Array:
    """decimal128(18, 2) from integer cents, exactly: the unscaled 128-bit values are the
    cents themselves (low word) with their sign extension (high word)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents),
                                 [None, pa.py_buffer(words.tobytes())])


# -- idic -----------------------------------------------------------------------------------
def run_idic(eng) -> None:
    base, _ = customer_rfm_base(eng.table("orders"), as_of=AS_OF)
    eng.create_table("rfm_idic", score(base).select(
        "customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
        "m_score", "segment"))
    r = eng.table("rfm_idic")
    eng.create_table("abc_idic", abc(r.select("customer_id", value=r.monetary)).select(
        "customer_id", "value", "abc_class"))


# -- hand-written DuckDB SQL ------------------------------------------------------------------
def _segments_values() -> str:
    return ", ".join(f"({code}, '{name}')" for code, name in load_segment_map().items())


def run_sql(eng) -> None:
    raw = eng.raw
    raw.execute(f"""
        CREATE OR REPLACE TABLE rfm_sql AS
        WITH c AS (
            SELECT customer_id, max(ordered_at) AS last_at, count(*) AS frequency,
                   sum(amount) AS monetary
            FROM orders WHERE CAST(ordered_at AS DATE) <= DATE '{AS_OF}'
            GROUP BY customer_id
        ), s AS (
            SELECT customer_id,
                   date_diff('day', CAST(last_at AS DATE), DATE '{AS_OF}') AS recency_days,
                   frequency, monetary,
                   CAST(ceil(5 * row_number() OVER (ORDER BY last_at, customer_id)
                             / count(*) OVER ()) AS BIGINT) AS r_score,
                   CAST(ceil(5 * row_number() OVER (ORDER BY frequency, customer_id)
                             / count(*) OVER ()) AS BIGINT) AS f_score,
                   CAST(ceil(5 * row_number() OVER (ORDER BY monetary, customer_id)
                             / count(*) OVER ()) AS BIGINT) AS m_score
            FROM c
        ), seg(code, segment) AS (VALUES {_segments_values()})
        SELECT s.*, seg.segment FROM s
        LEFT JOIN seg ON seg.code = 100 * r_score + 10 * f_score + m_score
    """)
    raw.execute("""
        CREATE OR REPLACE TABLE abc_sql AS
        WITH w AS (
            SELECT customer_id, monetary AS value,
                   sum(monetary) OVER (ORDER BY monetary DESC, customer_id
                                       ROWS UNBOUNDED PRECEDING) - monetary AS before,
                   sum(monetary) OVER () AS total
            FROM rfm_sql
        )
        SELECT customer_id, value,
               CASE WHEN total <= 0 THEN 'C' WHEN before < 0.80 * total THEN 'A'
                    WHEN before < 0.95 * total THEN 'B' ELSE 'C' END AS abc_class
        FROM w
    """)


# -- pandas -----------------------------------------------------------------------------------
def run_pandas(df: pd.DataFrame, segments: dict[int, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cutoff = pd.Timestamp(AS_OF, tz="UTC") + pd.Timedelta(days=1)
    o = df[df.ordered_at < cutoff]
    c = o.groupby("customer_id", sort=False).agg(
        last_at=("ordered_at", "max"), frequency=("ordered_at", "size"),
        monetary=("cents", "sum")).reset_index()
    n = len(c)
    c["recency_days"] = (pd.Timestamp(AS_OF, tz="UTC") - c.last_at.dt.floor("D")).dt.days
    for col, by in (("r_score", "last_at"), ("f_score", "frequency"), ("m_score", "monetary")):
        idx = np.lexsort((c.customer_id.to_numpy(), c[by].to_numpy()))
        rank = np.empty(n, np.int64)
        rank[idx] = np.arange(1, n + 1)
        c[col] = -((-5 * rank) // n)  # ceil(5 i / n) in integers
    code = 100 * c.r_score + 10 * c.f_score + c.m_score
    c["segment"] = code.map(segments)
    a = c[["customer_id", "monetary"]].sort_values(["monetary", "customer_id"],
                                                   ascending=[False, True])
    total = a.monetary.sum()
    before = a.monetary.cumsum() - a.monetary
    a["abc_class"] = np.where(total <= 0, "C", np.where(
        before * 100 < 80 * total, "A", np.where(before * 100 < 95 * total, "B", "C")))
    return c, a




def _check_identical(eng) -> None:
    for a, b in (("rfm_idic", "rfm_sql"), ("abc_idic", "abc_sql")):
        cols = ", ".join(eng.table(a).columns)
        diff = eng.raw.execute(
            f"SELECT count(*) FROM ((SELECT {cols} FROM {a} EXCEPT ALL SELECT {cols} FROM {b})"
            f" UNION ALL (SELECT {cols} FROM {b} EXCEPT ALL SELECT {cols} FROM {a}))"
        ).fetchone()[0]
        if diff:
            raise AssertionError(f"{a} and {b} differ in {diff} rows")


def run(quick: bool = False, repeat: int | None = None) -> list[dict]:
    """Run the benchmark; rows of ``benchmark, idic_s, baseline, baseline_s, ratio``."""
    n_orders, n_customers = (1_000_000, 100_000) if quick else (10_000_000, 1_000_000)
    repeat = repeat or 3
    label = f"rfm+abc {n_orders // 1_000_000}M orders / {n_customers:,} customers"
    orders = make_orders(n_orders, n_customers)
    eng = open_engine("duckdb", None)
    try:
        eng.create_table("orders", orders)
        best = best_interleaved(
            {"idic": lambda: run_idic(eng), "sql": lambda: run_sql(eng)}, repeat)
        t_idic, t_sql = best["idic"], best["sql"]
        _check_identical(eng)
        n_out = int(eng.raw.execute("SELECT count(*) FROM rfm_idic").fetchone()[0])
    finally:
        eng.close()
    df = pd.DataFrame({
        "customer_id": orders.column("customer_id").to_numpy(zero_copy_only=False),
        "ordered_at": orders.column("ordered_at").to_pandas(),
        "cents": np.round(orders.column("amount").cast(pa.float64()).to_numpy() * 100)
        .astype(np.int64),
    })
    del orders
    segments = load_segment_map()
    t_pd = best_interleaved({"pandas": lambda: run_pandas(df, segments)}, repeat)["pandas"]
    rfm_pd, _ = run_pandas(df, segments)
    if len(rfm_pd) != n_out:
        raise AssertionError("pandas and idic disagree on the number of customers")
    return [
        {"benchmark": label, "idic_s": round(t_idic, 3), "baseline": "hand-written DuckDB SQL",
         "baseline_s": round(t_sql, 3), "ratio": round(t_idic / t_sql, 3), "goal": "<= 1.3"},
        {"benchmark": label, "idic_s": round(t_idic, 3), "baseline": "pandas",
         "baseline_s": round(t_pd, 3), "ratio": round(t_idic / t_pd, 3)},
    ]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1M orders instead of 10M")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for row in run(quick=args.quick, repeat=args.repeat):
        print(row)
