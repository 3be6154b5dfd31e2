"""Benchmark: A/B-test analysis with CUPED over per-unit rows, idic vs hand-written SQL.

Synthetic results are generated in the run (quick: 1M units; full: 10M): variant (3 arms),
outcome y, pre-period covariate x. idic's analysis (``analyze_table`` with ``pre``: one
aggregate query with validation counts, then Welch / delta method / CUPED on the sums) runs
against hand-written DuckDB SQL computing the same per-variant sums (n, Σy, Σy², Σx, Σx²,
Σxy), on a DuckDB table and on a Parquet file. The two sets of sums are checked equal.
Goal: idic <= 1.5x the SQL.

    python benchmarks/bench_experiments.py [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks._timing import best_interleaved
from idic.customize.experiments.analysis import analyze_file, analyze_table
from idic.engine import open_engine

SQL = """
    SELECT variant, count(*) AS n, sum(y) AS s, sum(y * y) AS q, sum(x) AS sx,
           sum(x * x) AS qx, sum(x * y) AS xy
    FROM {src} GROUP BY variant
"""


def make_results(n: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    arm = rng.choice(np.array(["control", "a", "b"]), n)
    x = rng.gamma(2.0, 20.0, n)
    y = 0.7 * x + rng.normal(0, 12, n) + (arm == "a") * 0.5
    c = (rng.random(n) < np.where(arm == "b", 0.11, 0.10)).astype(np.int64)
    return pa.table({"variant": arm, "y": y, "x": x, "c": c})




def run(quick: bool = False, repeat: int | None = None) -> list[dict]:
    """Rows of ``benchmark, idic_s, baseline, baseline_s, ratio``."""
    n = 1_000_000 if quick else 10_000_000
    repeat = repeat or 3
    data = make_results(n)
    rows: list[dict] = []
    opts = {"variant": "variant", "value": "y", "control": "control", "pre": "x"}
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "results.parquet"
        pq.write_table(data, f)
        eng = open_engine("duckdb", None)
        try:
            eng.create_table("results", data)
            del data
            t = eng.table("results")
            sql_table = lambda: eng.raw.execute(SQL.format(src="results")).fetchall()  # noqa: E731
            best = best_interleaved(
                {"idic": lambda: analyze_table(eng, t, **opts), "sql": sql_table},
                repeat)
            res = analyze_table(eng, t, **opts)
            sums = {r[0]: r for r in sql_table()}
            for name, v in res["variants"].items():
                if v["n"] != sums[name][1] or not np.isclose(v["mean"], sums[name][2] / v["n"]):
                    raise AssertionError(f"idic and SQL disagree on variant {name}")
            rows.append({"benchmark": f"experiment CUPED {n // 1_000_000}M units (table)",
                         "idic_s": round(best["idic"], 3),
                         "baseline": "hand-written DuckDB SQL aggregates",
                         "baseline_s": round(best["sql"], 3),
                         "ratio": round(best["idic"] / best["sql"], 3), "goal": "<= 1.5"})
            # a 0/1 metric (conversion): Σc = Σc² in every arm, so the 0/1 check scans again
            conv = {"variant": "variant", "value": "c", "control": "control"}
            sql_conv = lambda: eng.raw.execute(  # noqa: E731
                "SELECT variant, count(*), sum(c), sum(c * c) FROM results GROUP BY variant"
            ).fetchall()
            best = best_interleaved(
                {"idic": lambda: analyze_table(eng, t, **conv), "sql": sql_conv},
                repeat)
            rows.append({"benchmark": f"experiment 0/1 metric {n // 1_000_000}M units (table)",
                         "idic_s": round(best["idic"], 3),
                         "baseline": "hand-written DuckDB SQL aggregates",
                         "baseline_s": round(best["sql"], 3),
                         "ratio": round(best["idic"] / best["sql"], 3)})
            src = "read_parquet('" + str(f).replace("'", "''") + "')"
            sql_file = lambda: eng.raw.execute(SQL.format(src=src)).fetchall()  # noqa: E731
            best = best_interleaved(
                {"idic": lambda: analyze_file(f, **opts), "sql": sql_file}, repeat)
        finally:
            eng.close()
        rows.append({"benchmark": f"experiment CUPED {n // 1_000_000}M units (Parquet file)",
                     "idic_s": round(best["idic"], 3),
                     "baseline": "hand-written DuckDB SQL aggregates",
                     "baseline_s": round(best["sql"], 3),
                     "ratio": round(best["idic"] / best["sql"], 3), "goal": "<= 1.5"})
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1M units instead of 10M")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for row in run(quick=args.quick, repeat=args.repeat):
        print(row)
