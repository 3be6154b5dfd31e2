"""Benchmark: funnel and top paths with idic (Ibis on DuckDB) vs hand-written DuckDB SQL.

Synthetic events are generated in DuckDB in the run (quick: 2M events; full: 20M; ~20
events per person over 60 days, twelve event names, web/app/email/store channels). Both
sides compute the same results, checked identical:

* funnel: ordered, 4 steps, 7-day window from the first step, one attempt per person
  (the furthest-reaching) - counts and median seconds per step;
* top paths (the SQL sorts a list of (time, session, channel) structs per journey;
  ``string_agg(... ORDER BY ...)`` ran out of 19 GB of memory at 20M events): sessions (30-minute gap, new session on a channel change), journeys up to a
  conversion with a 30-day lookback, the aggregated paths (path, conversions, nulls, value).

idic's time includes resolving persons (the anonymous-id links), deriving the taxonomy and
fetching the result. Each timing is the best of ``repeat`` runs in the same process.

    python benchmarks/bench_journeys.py [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks._timing import best_of
from idic.interact.journeys.funnels import funnel
from idic.interact.journeys.sessions import aggregate_paths, journeys, touchpoints
from idic.workspace import Workspace

STEPS = ["Product Viewed", "Added To Cart", "Checkout Started", "Order Completed"]
EVENTS = [  # name, weight, channel (None: the person's device)
    ("Product Viewed", 30, None), ("Page Viewed", 18, None), ("Added To Cart", 10, None),
    ("Checkout Started", 7, None), ("Order Completed", 5, None), ("Email Opened", 8, "email"),
    ("Ad Clicked", 7, None), ("Store Visit", 5, "store"), ("Checkout Error", 3, None),
    ("Live Chat Resolved", 2, None), ("Order Delivered", 3, "email"), ("Review Posted", 2, None),
]


def generate(ws: Workspace, n_events: int, per_person: int = 20) -> None:
    """Insert ``n_events`` canonical events with SQL (fast, deterministic by hash)."""
    cum = np.cumsum([w for _, w, _ in EVENTS])
    total = int(cum[-1])
    name_case = " ".join(f"WHEN r < {int(c)} THEN '{n}'" for (n, _, _), c in zip(EVENTS, cum, strict=True))
    fixed = " ".join(f"WHEN '{n}' THEN '{ch}'" for n, _, ch in EVENTS if ch)
    sql = f"""
    INSERT INTO events
    WITH base AS (
      SELECT i, i // {per_person} AS p, hash(i, 7) % {total} AS r FROM range({n_events}) t(i)
    ), named AS (
      SELECT i, p, CASE {name_case} END AS event FROM base
    )
    SELECT 'm' || i, 'web', 'track',
      TIMESTAMPTZ '2024-01-01 00:00:00+00'
        + to_seconds((hash(p, 1) % (60 * 86400))::BIGINT)
        + to_seconds((hash(i, 2) % (14 * 86400))::BIGINT),
      event, 'u' || p, NULL,
      CASE event {fixed} ELSE CASE WHEN hash(p, 3) % 10 < 7 THEN 'web' ELSE 'app' END END,
      NULL, NULL, NULL,
      CASE WHEN event = 'Order Completed'
           THEN '{{"revenue": ' || ((hash(i, 4) % 20000) / 100.0)::VARCHAR || '}}' END,
      NULL, 'bench', TIMESTAMPTZ '2024-01-01 00:00:00+00'
    FROM named
    """
    ws.engine.raw.execute(sql)


def idic_funnel(ws: Workspace) -> list[tuple]:
    res = funnel(ws.engine, STEPS, "7d", mode="ordered")
    return [(s["count"], s["median_seconds_from_previous"]) for s in res.steps]


def sql_funnel(ws: Workspace) -> list[tuple]:
    n = len(STEPS)
    step_case = " ".join(f"WHEN '{s}' THEN {i + 1}" for i, s in enumerate(STEPS))
    nxt = ", ".join(
        f"min(CASE WHEN step = {k} THEN ts END) OVER w AS n{k}" for k in range(2, n + 1))
    joins = "\n".join(
        f"LEFT JOIN nxt r{k} ON r{k}.step = {k} AND r{k}.person_id = a.person_id "
        f"AND r{k}.ts = {'a.n2' if k == 2 else f'r{k - 1}.n{k}'}" for k in range(2, n))
    times = ", ".join(["a.n2 AS t2"] + [f"r{k}.n{k + 1} AS t{k + 1}" for k in range(2, n)])
    ok = " + ".join(f"coalesce((t{k} <= t1 + INTERVAL 7 DAY)::INT, 0)" for k in range(2, n + 1))
    agg = ", ".join(
        [f"count(*) FILTER (WHERE reached >= {k}) AS c{k}" for k in range(1, n + 1)]
        + [f"median(epoch(t{k}) - epoch(t{k - 1})) FILTER (WHERE reached >= {k}) AS m{k}"
           for k in range(2, n + 1)])
    sql = f"""
    WITH rows AS (
      SELECT source || ':' || user_id AS person_id, timestamp AS ts,
             CASE event {step_case} END AS step
      FROM events
      WHERE type IN ('track', 'page', 'screen') AND user_id IS NOT NULL
        AND event IN ({", ".join(f"'{s}'" for s in STEPS)})
      GROUP BY ALL
    ), nxt AS (
      SELECT *, {nxt} FROM rows
      WINDOW w AS (PARTITION BY person_id ORDER BY ts, step
                   ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
    ), a AS (
      SELECT a.person_id, a.ts AS t1, {times} FROM nxt a {joins} WHERE a.step = 1
    ), best AS (
      SELECT *, 1 + {ok} AS reached FROM a
      QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY 1 + {ok} DESC, t1) = 1
    )
    SELECT {agg} FROM best
    """
    row = ws.engine.raw.execute(sql).fetchone()
    counts = row[:n]
    medians = [None, *row[n:]]
    return [(int(c), None if m is None else round(float(m), 6))
            for c, m in zip(counts, medians, strict=True)]


def idic_paths(ws: Workspace):
    t = aggregate_paths(journeys(touchpoints(ws.engine)))
    return ws.engine.to_pandas(t)


def sql_paths(ws: Workspace):
    sql = """
    WITH ev AS (
      SELECT source || ':' || user_id AS person_id, message_id, timestamp AS ts, channel,
             lower(event) IN ('order completed', 'order placed', 'purchase', 'purchased',
                              'checkout completed') AS conv, properties
      FROM events WHERE type IN ('track', 'page', 'screen') AND user_id IS NOT NULL
    ), s AS (
      SELECT person_id, message_id, ts, channel, conv::INT AS c,
             CASE WHEN conv THEN TRY_CAST(NULLIF(regexp_extract(
               properties, '"revenue"\\s*:\\s*"?(-?[0-9]+(\\.[0-9]+)?)', 1), '') AS DOUBLE)
             END AS value,
             CASE WHEN lag(ts) OVER w IS NULL OR ts > lag(ts) OVER w + INTERVAL 30 MINUTE
                       OR channel <> lag(channel) OVER w THEN 1 ELSE 0 END AS new_s
      FROM ev WINDOW w AS (PARTITION BY person_id ORDER BY ts, message_id)
    ), j AS (
      SELECT *, sum(new_s) OVER w AS session_index, sum(c) OVER w - c AS journey_index
      FROM s WINDOW w AS (PARTITION BY person_id ORDER BY ts, message_id
                          ROWS UNBOUNDED PRECEDING)
    ), lb AS (
      SELECT * FROM j QUALIFY ts >= max(ts) OVER (PARTITION BY person_id, journey_index)
                                   - INTERVAL 30 DAY
    ), touches AS (
      SELECT person_id, journey_index, session_index, min(channel) AS ch, min(ts) AS t,
             max(c) AS conv, sum(value) AS value
      FROM lb GROUP BY ALL
    ), jr AS (
      SELECT array_to_string(list_transform(
               list_sort(list({'t': t, 's': session_index, 'c': ch})), x -> x.c), ' > ') AS path,
             max(conv) AS conv, coalesce(sum(value), 0) AS value
      FROM touches GROUP BY person_id, journey_index
    )
    SELECT path, sum(conv) AS conversions, sum(1 - conv) AS nulls, sum(value) AS value
    FROM jr GROUP BY path ORDER BY conversions DESC, nulls DESC, path
    """
    return ws.engine.raw.execute(sql).df()


def run(quick: bool = False) -> list[dict]:
    n = 2_000_000 if quick else 20_000_000
    repeat = 3 if quick else 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="idic-bench-journeys-") as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            generate(ws, n)
            ws.engine.raw.execute("CHECKPOINT")
            label = f"{n / 1e6:g}M events"
            t_sql, f_sql = best_of(lambda: sql_funnel(ws), repeat)
            t_idic, f_idic = best_of(lambda: idic_funnel(ws), repeat)
            assert f_idic == f_sql, (f_idic, f_sql)
            rows.append({"benchmark": f"funnel 4 steps ordered 7d, {label}", "idic_s": t_idic,
                         "baseline": "hand-written DuckDB SQL", "baseline_s": t_sql,
                         "ratio": t_idic / t_sql, "goal": "<= 1.5"})
            print(rows[-1], flush=True)
            t_sql, p_sql = best_of(lambda: sql_paths(ws), repeat)
            t_idic, p_idic = best_of(lambda: idic_paths(ws), repeat)
            a = p_idic.sort_values("path").reset_index(drop=True)
            b = p_sql.sort_values("path").reset_index(drop=True)
            assert a["path"].tolist() == b["path"].tolist()
            assert a["conversions"].astype(int).tolist() == b["conversions"].astype(int).tolist()
            assert a["nulls"].astype(int).tolist() == b["nulls"].astype(int).tolist()
            assert np.allclose(a["value"].astype(float), b["value"].astype(float))
            rows.append({"benchmark": f"aggregated paths (sessions, journeys), {label}",
                         "idic_s": t_idic, "baseline": "hand-written DuckDB SQL",
                         "baseline_s": t_sql, "ratio": t_idic / t_sql, "goal": "<= 1.5"})
        finally:
            ws.close()
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="2M events instead of 20M")
    args = ap.parse_args()
    for r in run(quick=args.quick):
        print(f"{r['benchmark']}: idic {r['idic_s']:.2f}s, {r['baseline']} "
              f"{r['baseline_s']:.2f}s, ratio {r['ratio']:.2f} (goal {r['goal']})")
