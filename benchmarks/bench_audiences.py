"""Benchmark: build and gate an audience over 1,000,000 customers, idic vs hand-written SQL.

A synthetic ``customer_profile`` (1M customers; quick: 100k) and a consent ledger (grants,
later withdrawals, ties in time; ~1.6 rows per customer) plus restriction/objection records
are generated in the run. idic parses and checks the ``--where`` rule, builds the Ibis
expression (rule, consent gate for the purpose and the e-mail channel, restrictions) and
materialises the member ids; the baseline is the hand-written DuckDB SQL doing the same on
the same workspace in the same process. Both results are checked identical. Goal: <= 1.5x.

    python benchmarks/bench_audiences.py [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchmarks._timing import best_of
from idic.customize import audiences
from idic.customize.rights import RESTRICTIONS
from idic.customize.rights import SCHEMA as RSCHEMA
from idic.workspace import Workspace

RULE = "abc_class in ('A', 'B') and clv > 50 and country in ('GB', 'FR', 'DE') and not dormant"
T0 = np.datetime64("2024-01-01T00:00:00", "us")

SQL = """
WITH h AS (
  SELECT CASE WHEN source = 'idic' THEN source_customer_id
              ELSE source || ':' || source_customer_id END AS customer_id,
         purpose, status, recorded_at
  FROM consents WHERE purpose = 'email_marketing'),
cur AS (
  SELECT customer_id,
         max(recorded_at) FILTER (WHERE status = 'granted') AS g,
         max(recorded_at) FILTER (WHERE status = 'withdrawn') AS w
  FROM h GROUP BY customer_id),
ok AS (SELECT customer_id FROM cur WHERE g IS NOT NULL AND (w IS NULL OR g > w)),
r AS (
  SELECT customer_id, "right",
         max(recorded_at) FILTER (WHERE status = 'active') AS a,
         max(recorded_at) FILTER (WHERE status = 'lifted') AS l
  FROM processing_restrictions GROUP BY customer_id, "right"),
blocked AS (SELECT DISTINCT customer_id FROM r WHERE a IS NOT NULL AND (l IS NULL OR a >= l))
SELECT p.customer_id FROM customer_profile p
WHERE p.abc_class IN ('A', 'B') AND p.clv > 50 AND p.country IN ('GB', 'FR', 'DE')
  AND NOT p.dormant
  AND p.customer_id IN (SELECT customer_id FROM ok)
  AND p.customer_id NOT IN (SELECT customer_id FROM blocked)
"""


def make_data(n: int, seed: int = 7) -> tuple[pa.Table, pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("cus_", np.arange(n).astype(str))
    profile = pa.table({
        "customer_id": ids,
        "country": rng.choice(["GB", "FR", "DE", "US", "ES"], n, p=[.5, .15, .15, .1, .1]),
        "abc_class": rng.choice(["A", "B", "C"], n, p=[.2, .3, .5]),
        "rfm_segment": rng.choice(["Champions", "Loyal", "At Risk", "Lost"], n),
        "value_category": rng.choice(["MVC", "MGC", "LMC", "BZ"], n),
        "clv": np.round(rng.gamma(1.5, 60.0, n), 2),
        "p_alive": rng.random(n),
        "dormant": rng.random(n) < 0.3,
    })
    k = rng.random(n) < 0.6  # 60% granted e-mail marketing
    g = ids[k]
    tg = T0 + rng.integers(0, 300, g.size).astype("timedelta64[D]")
    w = rng.random(g.size) < 0.15  # some withdrew later, some at the same instant
    tw = tg[w] + rng.integers(0, 60, int(w.sum())).astype("timedelta64[D]")
    other = ids[rng.random(n) < 0.4]  # a profiling purpose too, to be filtered out
    cid = np.concatenate([g, g[w], other])
    m = cid.size
    consents = pa.table({
        "source": ["idic"] * m, "source_customer_id": cid,
        "purpose": ["email_marketing"] * (g.size + int(w.sum())) + ["profiling"] * other.size,
        "status": ["granted"] * g.size + ["withdrawn"] * int(w.sum()) + ["granted"] * other.size,
        "recorded_at": pa.array(np.concatenate([tg, tw, tg[: other.size] if other.size <= tg.size
                                                else np.resize(tg, other.size)]))
        .cast(pa.timestamp("us", tz="UTC")),
        "proof": pa.nulls(m, pa.string()), "channel": ["web"] * m})
    blocked = ids[rng.choice(n, max(1, n // 1000), replace=False)]
    restr = pa.table({"customer_id": blocked, "right": ["objection"] * blocked.size,
                      "status": ["active"] * blocked.size,
                      "recorded_at": pa.array([datetime(2024, 6, 1, tzinfo=UTC)] * blocked.size,
                                              pa.timestamp("us", tz="UTC")),
                      "reason": pa.nulls(blocked.size, pa.string())}, schema=RSCHEMA)
    return profile, consents, restr


def run(quick: bool = False, repeat: int | None = None) -> list[dict]:
    n = 100_000 if quick else 1_000_000
    repeat = repeat or 3
    profile, consents, restr = make_data(n)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            eng = ws.engine
            eng.create_table("customer_profile", profile)
            eng.create_table("consents", consents)
            eng.create_table(RESTRICTIONS, restr)
            aud = audiences.create(ws, "bench", where=RULE, purpose="email_marketing",
                                   channel="email")

            def idic_run():
                a = audiences.get(ws, "bench")
                return eng.to_arrow(audiences.members_expr(ws, a))

            def sql_run():
                return eng.raw.execute(SQL).to_arrow_table()

            t_idic, got = best_of(idic_run, repeat)
            t_sql, want = best_of(sql_run, repeat)
            a = sorted(got.column("customer_id").to_pylist())
            b = sorted(want.column("customer_id").to_pylist())
            if a != b:
                raise AssertionError(f"idic {len(a)} members, SQL {len(b)}: they differ")
        finally:
            ws.close()
    return [{"benchmark": f"audience build + consent gate, {n:,} customers "
                          f"({len(a):,} members, v{aud.version})",
             "idic_s": round(t_idic, 3), "baseline": "hand-written DuckDB SQL",
             "baseline_s": round(t_sql, 3), "ratio": round(t_idic / t_sql, 3), "goal": "<= 1.5"}]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100k customers instead of 1M")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for row in run(quick=args.quick, repeat=args.repeat):
        print(row)
