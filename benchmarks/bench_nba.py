"""Benchmark: the next-best-action choice for 1,000,000 customers, idic vs hand-written SQL.

Synthetic inputs are generated in the run (quick: 200k customers; full: 1M): the profile
columns the choice reads and the gates' answers (``profiled``, ``allowed_<action>``), as a
DuckDB table. idic (:class:`idic.customize.nba.vector.Layers`: three Ibis layers, the first
two materialised, the third written as the table with reasons and alternatives JSON) runs
against one hand-written DuckDB statement doing the same work (candidates, expected values,
arg-max, reason text with DuckDB's ``format``, alternatives JSON, the same eleven columns)
into a table. Both outputs
are checked equal (action and expected value of every customer). Goal: idic <= 1.5x the SQL.

    python benchmarks/bench_nba.py [--quick]
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow as pa

from benchmarks._timing import best_interleaved
from idic.customize.nba.priors import DEFAULT_PRIORS as P
from idic.customize.nba.vector import ORDER, Layers, uplift_of
from idic.engine import open_engine


def make_inputs(n: int, seed: int = 3) -> pa.Table:
    rng = np.random.default_rng(seed)
    orders = rng.poisson(3, n)
    revenue = np.round(orders * rng.gamma(2, 30, n), 2)
    cols = {
        "customer_id": pa.array([f"c{i:08d}" for i in range(n)]),
        "p_alive": rng.beta(2, 1.5, n), "clv": np.round(rng.gamma(1.5, 120, n), 2),
        "orders": orders, "revenue": revenue,
        "recent_complaints": rng.poisson(0.05, n), "n_complaints": rng.poisson(0.08, n),
        "unrealised_potential": np.round(np.where(rng.random(n) < 0.2,
                                                  rng.gamma(1, 200, n), 0.0), 2),
        "cost_to_serve": np.round(rng.gamma(1, 15, n), 2), "n_cases": rng.poisson(0.5, n),
        "rec_score": rng.random(n),
        "rec_item": pa.array(np.where(rng.random(n) < 0.5, "SKU-1", None).tolist()),
        "value_category": rng.choice(np.array(["MVC", "MGC", "LMC", "BZ"]), n),
        "dormant": rng.random(n) < 0.15, "silent_dissatisfied": rng.random(n) < 0.03,
        "falling_frequency": rng.random(n) < 0.1, "nps_drop": rng.random(n) < 0.05,
        "profiled": rng.random(n) < 0.4,
    }
    for a in ORDER:
        cols[f"allowed_{a}"] = rng.random(n) < 0.7
    return pa.table(cols)


def _m(x: str) -> str:
    return f"format('{{:,.0f}}', {x}) || ' EUR'"


def hand_sql(src: str, dst: str) -> str:
    """The choice as one DuckDB statement, written the way one would by hand."""
    stake = {"retain": "clv0", "win_back": "2.0 * aov", "cross_sell": "aov * (1 + score)",
             "up_sell": "unreal", "service_recovery": "CASE WHEN clv0 > 0 THEN clv0 ELSE aov END",
             "reduce_cost_to_serve": "cts"}
    cand = {"retain": "NOT lapsed AND clv0 > 0 AND (coalesce(p < 0.6, false) OR ff OR nd)",
            "win_back": "lapsed AND orders > 0",
            "cross_sell": "NOT lapsed AND item IS NOT NULL AND item <> '' AND aov > 0",
            "up_sell": "NOT lapsed AND coalesce(vc IN ('MGC', 'MVC'), false) AND unreal > 0",
            "service_recovery": "complaints > 0 OR silent",
            "reduce_cost_to_serve": "cts > 0 AND (coalesce(vc = 'BZ', false) OR cases >= 3)"}
    alive = "CASE WHEN p IS NOT NULL THEN 'P(alive) ' || format('{:.2f}', p) END"
    why = {
        "retain": "concat_ws(', ', CASE WHEN p IS NOT NULL THEN CASE WHEN p < 0.6 THEN "
                  "'P(alive) fell to ' || format('{:.2f}', p) ELSE " + alive + " END END, "
                  "'CLV ' || " + _m("clv0") + " || ' at stake', CASE WHEN ff THEN "
                  "'falling purchase frequency' END, CASE WHEN nd THEN 'NPS dropped' END)",
        "win_back": "'lapsed (' || coalesce(" + alive + ", 'dormant') || '), ' || "
                    "CAST(trunc(orders) AS BIGINT) || ' past orders of ' || " + _m("aov")
                    + " || ' on average'",
        "cross_sell": "'recommended ' || coalesce(item, '') || ' (score ' || "
                      "format('{:.2f}', score) || '), average order ' || " + _m("aov"),
        "up_sell": "coalesce(vc, '') || ' with unrealised potential ' || " + _m("unreal"),
        "service_recovery": "concat_ws(', ', CASE WHEN complaints <> 0 THEN complaints || "
                            "' recent complaint' || CASE WHEN complaints <> 1 THEN 's' ELSE "
                            "'' END END, CASE WHEN silent THEN 'silent dissatisfied' END, "
                            "CASE WHEN clv0 > 0 THEN 'CLV ' || " + _m("clv0") + " END)",
        "reduce_cost_to_serve": "'value category ' || CASE WHEN vc IS NULL OR vc = '' THEN "
                                "'-' ELSE vc END || ', ' || cases || ' service cases, cost "
                                "to serve ' || " + _m("cts"),
    }
    s_cols = ", ".join(f"{stake[a]} AS st_{a}, ({cand[a]}) AND {stake[a]} > 0 AS c_{a}"
                       for a in ORDER)
    e_cols = ", ".join(f"CASE WHEN c_{a} THEN {P[a].uplift!r} * st_{a} - {P[a].cost!r} END "
                       f"AS ev_{a}" for a in ORDER)
    k_cols = ", ".join(f"coalesce(profiled AND c_{a} AND allowed_{a} AND ev_{a} > 0, false) "
                       f"AS ok_{a}" for a in ORDER)
    top = "greatest(" + ", ".join(f"CASE WHEN ok_{a} THEN ev_{a} END" for a in ORDER) + ")"
    pick = " ".join(f"WHEN ok_{a} AND ev_{a} = top THEN '{a}'" for a in sorted(ORDER))
    reason = " ".join(
        f"WHEN '{a}' THEN '{a} because ' || {why[a]} || '; EV = ' || "
        f"format('{{:.3f}}', {P[a].uplift!r}) || ' x ' || {_m(f'st_{a}')} || "
        f"' - {P[a].cost:g} = ' || format('{{:,.2f}}', ev_{a}) || ' (uplift ' || "
        f"format('{{:.3f}}', {P[a].uplift!r}) || ' from prior: no experiment has measured "
        f"{a} yet)'" for a in ORDER)
    gated = "concat_ws(', ', " + ", ".join(f"CASE WHEN c_{a} AND NOT allowed_{a} THEN '{a}' END"
                                           for a in ORDER) + ")"
    idle = (f"CASE WHEN NOT profiled THEN 'restricted, objected, erased or no profiling "
            f"consent: no action may be taken' WHEN {gated} <> '' THEN {gated} || ' not "
            f"allowed (no consent for the purpose or contact cap reached)' WHEN "
            + " OR ".join(f"c_{a}" for a in ORDER) + " THEN 'no action with a positive "
            "expected value' ELSE 'no action relevant to this customer''s data' END")
    alts = ("CASE WHEN profiled THEN '[' || concat_ws(', ', " + ", ".join(
        f"CASE WHEN c_{a} THEN '{{\"action\": \"{a}\", \"expected_value\": ' || "
        f"format('{{:.2f}}', round(ev_{a}, 2)) || ', \"allowed\": ' || CASE WHEN allowed_{a} "
        f"THEN 'true' ELSE 'false' END || '}}' END" for a in ORDER) + ") || ']' ELSE '[]' END")
    ev = "CASE action " + " ".join(f"WHEN '{a}' THEN ev_{a}" for a in ORDER) + " ELSE 0 END"
    up = "CASE action " + " ".join(f"WHEN '{a}' THEN {P[a].uplift!r}::DOUBLE" for a in ORDER
                                   ) + " END"
    cost = "CASE action " + " ".join(f"WHEN '{a}' THEN {P[a].cost!r}::DOUBLE" for a in ORDER
                                     ) + " ELSE 0::DOUBLE END"
    chan = "CASE action " + " ".join(f"WHEN '{a}' THEN '{P[a].channel}'" for a in ORDER
                                     if P[a].channel) + " END"
    purp = "CASE action " + " ".join(f"WHEN '{a}' THEN '{P[a].purpose}'" for a in ORDER
                                     if P[a].purpose) + " END"
    return f"""
    CREATE OR REPLACE TABLE {dst} AS
    WITH b AS (
      SELECT customer_id, coalesce(profiled, false) AS profiled, p_alive AS p,
             coalesce(clv, 0) AS clv0, coalesce(orders, 0) AS orders,
             CASE WHEN coalesce(orders, 0) > 0 THEN coalesce(revenue, 0) / orders ELSE 0 END
               AS aov,
             CAST(trunc(CASE WHEN coalesce(recent_complaints, 0) <> 0 THEN recent_complaints
                        ELSE coalesce(n_complaints, 0) END) AS BIGINT) AS complaints,
             coalesce(dormant, false) OR coalesce(p_alive < 0.2, false) AS lapsed,
             coalesce(falling_frequency, false) AS ff, coalesce(nps_drop, false) AS nd,
             coalesce(silent_dissatisfied, false) AS silent, coalesce(rec_score, 0) AS score,
             rec_item AS item, value_category AS vc,
             coalesce(unrealised_potential, 0) AS unreal, coalesce(cost_to_serve, 0) AS cts,
             CAST(trunc(coalesce(n_cases, 0)) AS BIGINT) AS cases,
             {", ".join(f"coalesce(allowed_{a}, false) AS allowed_{a}" for a in ORDER)}
      FROM {src}),
    s AS (SELECT *, {s_cols} FROM b),
    e AS (SELECT *, {e_cols} FROM s),
    k AS (SELECT *, {k_cols} FROM e),
    g AS (SELECT *, {top} AS top FROM k),
    a AS (SELECT *, CASE {pick} ELSE 'dont_contact' END AS action FROM g)
    SELECT customer_id, action, round({ev}, 2) AS expected_value,
           CASE action {reason} ELSE {idle} END AS reason,
           {chan} AS channel, {purp} AS purpose,
           CASE WHEN action <> 'dont_contact' THEN 'prior' END AS uplift_source,
           {alts} AS alternatives, {up} AS uplift, {cost} AS cost,
           action AS unconstrained_action
    FROM a ORDER BY customer_id
    """


def run(quick: bool = False, repeat: int | None = None) -> list[dict]:
    n = 200_000 if quick else 1_000_000
    repeat = repeat or 3
    eng = open_engine("duckdb", None)
    try:
        eng.create_table("nba_inputs", make_inputs(n))
        t = eng.table("nba_inputs")
        up = {a: uplift_of(P[a]) for a in ORDER}

        def idic() -> None:
            with Layers(eng, t, P, up, "EUR", tag="bench") as layers:
                eng.create_table("nba_idic", layers.decided().order_by("customer_id"))

        def sql() -> None:
            eng.raw.execute(hand_sql("nba_inputs", "nba_sql"))

        times = best_interleaved({"idic": idic, "sql": sql}, repeat)
        a = eng.raw.execute("SELECT action, expected_value FROM nba_idic ORDER BY customer_id"
                            ).fetchall()
        b = eng.raw.execute("SELECT action, expected_value FROM nba_sql ORDER BY customer_id"
                            ).fetchall()
        diff = sum(x[0] != y[0] or abs(x[1] - y[1]) > 0.0100001 for x, y in
                   zip(a, b, strict=True))
        assert diff == 0, f"{diff} customers differ"
        same_reason = eng.raw.execute(
            "SELECT avg(CASE WHEN i.reason = s.reason THEN 1 ELSE 0 END) FROM nba_idic i "
            "JOIN nba_sql s USING (customer_id)").fetchone()[0]
    finally:
        eng.close()
    return [{"benchmark": f"nba choice, {n:,} customers (reasons equal: "
                          f"{same_reason:.1%})", "idic_s": times["idic"],
             "baseline": "hand-written DuckDB SQL", "baseline_s": times["sql"],
             "ratio": times["idic"] / times["sql"]}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200k customers instead of 1M")
    ap.add_argument("--repeat", type=int, default=None)
    args = ap.parse_args()
    for r in run(args.quick, args.repeat):
        print(f"{r['benchmark']}: idic {r['idic_s']:.2f} s, {r['baseline']} "
              f"{r['baseline_s']:.2f} s, ratio {r['ratio']:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
