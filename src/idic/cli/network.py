"""``idic network``: PageRank of an edge file; the workspace's network stage.

The logic lives in :mod:`idic.interact.network`; this module reads the file, checks the
columns (one clear error naming the file, the row and the column), and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from idic.cli.common import (
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    command,
    emit_json,
    need_columns,
    open_file,
    open_ws,
    out,
)
from idic.differentiate.value._common import input_error
from idic.engine.text import trim

app = typer.Typer(
    name="network",
    help="Social CRM networks: PageRank of edge files; referral and social graphs, network "
    "metrics, referral value and roles of the workspace's customers.",
    no_args_is_help=True,
)


def read_edges(path: Path, source_col: str, target_col: str,
               weight_col: str | None = None) -> dict[str, Any]:
    """The edges of ``path`` as Arrow arrays (node names trimmed; blank names refused)."""
    if path.is_file() and path.stat().st_size == 0:
        raise input_error(f"{path}: the file is empty",
                          hint=f"give a header with {source_col!r} and {target_col!r}, then edges")
    eng, raw = open_file(path)
    try:
        need_columns(raw, path, source_col, target_col, weight_col)
        cols: dict[str, Any] = {"s": trim(raw[source_col].cast("string")),
                                "t": trim(raw[target_col].cast("string"))}
        if weight_col is not None:
            cols["w"] = trim(raw[weight_col].cast("string")).try_cast("float64")
            cols["_w"] = raw[weight_col].cast("string")
        try:
            staged = eng.stage(raw.select(**cols), "network_edges", line_start=1)
            data = eng.to_arrow(staged)
        except Exception as exc:
            raise input_error(
                f"{path}: cannot read the file: {str(exc).splitlines()[0]}") from None
    finally:
        eng.close()
    checks = [("s", source_col, "is blank"), ("t", target_col, "is blank")]
    for key, col, what in checks:
        v = data.column(key)
        bad = np.flatnonzero(np.asarray(v.is_null().to_numpy(zero_copy_only=False))
                             | (np.asarray(v.fill_null("").to_numpy(zero_copy_only=False),
                                           dtype=object) == ""))
        if bad.size:
            line = data.column("_line")[int(bad[0])].as_py() if "_line" in data.column_names \
                else int(bad[0]) + 2
            raise input_error(f"{path}: row {line}, column {col!r} {what}"
                              + (f" ({bad.size:,} bad rows in all)" if bad.size > 1 else ""),
                              hint="every edge needs a source and a target node")
    if weight_col is not None:
        w = data.column("w").to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(np.isnan(w.astype(float)) | (w.astype(float) < 0))
        if bad.size:
            raise input_error(f"{path}: column {weight_col!r}: "
                              f"{data.column('_w')[int(bad[0])].as_py()!r} is not a number >= 0",
                              hint="weights are numbers >= 0")
    if data.num_rows == 0:
        raise input_error(f"{path}: no edges", hint="the file has a header but no rows")
    return {"s": data.column("s"), "t": data.column("t"),
            "w": data.column("w") if weight_col is not None else None}


@app.command("rank")
@command
def rank_cmd(
    edges: Annotated[Path, typer.Argument(help="Edge file (.csv, .parquet, .jsonl)")],
    source_col: Annotated[str, typer.Option("--source-col", help="Column of the edge's source")],
    target_col: Annotated[str, typer.Option("--target-col", help="Column of the edge's target")],
    damping: Annotated[float, typer.Option(
        "--damping", help="Damping factor alpha (probability of following a link)")] = 0.85,
    weight_col: Annotated[str | None, typer.Option(
        "--weight-col", help="Weight column (unweighted unless given; repeats are summed)")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Rows to print (not with --json)")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """PageRank of a directed edge list (the same scores as networkx.pagerank: dangling nodes
    spread uniformly, repeated edges counted once unless weighted). JSON:
    {"scores": {node: score}} (scores sum to 1)."""
    from idic.interact.network.pagerank import pagerank

    if not 0.0 <= damping <= 1.0:
        raise input_error(f"--damping must be between 0 and 1, got {damping}",
                          hint="0.85 is the usual value")
    e = read_edges(edges, source_col, target_col, weight_col)
    scores = pagerank(e["s"], e["t"], weights=e["w"], damping=damping)
    if json_out:
        emit_json({"scores": scores})
        return
    tab = Table(title=f"PageRank of {edges.name} ({len(scores):,} nodes)")
    tab.add_column("node")
    tab.add_column("score", justify="right")
    for node, s in sorted(scores.items(), key=lambda kv: -kv[1])[:top]:
        tab.add_row(str(node), f"{s:.6f}")
    out.print(tab)


@app.command("run")
@command
def run_cmd(workspace: WorkspaceOpt = None, engine: EngineOpt = None,
            json_out: JsonOpt = False) -> None:
    """Build the workspace's network tables: network_metrics (PageRank, degrees, referrals,
    referral chains, reach, engagement, share of voice, referral / influencer / knowledge
    value per customer) and customer_roles (one row per customer and role, with evidence)."""
    from idic.interact.network import stage

    with open_ws(workspace, engine=engine) as ws:
        summary = stage.run(ws)
    if json_out:
        emit_json(summary)
        return
    if summary.get("skipped"):
        out.print(summary["skipped"])
        return
    out.print(f"{summary.get('network_metrics', 0):,} customers in network_metrics; "
              f"{summary.get('customer_roles', 0):,} rows in customer_roles")
    for role, n in sorted(summary.get("roles", {}).items()):
        out.print(f"  {role}: {n:,}")


@app.command("migration")
@command
def migration_cmd(
    date_from: Annotated[str, typer.Option("--from", help="First date (YYYY-MM-DD)")],
    date_to: Annotated[str | None, typer.Option(
        "--to", help="Second date (default: everything loaded)")] = None,
    workspace: WorkspaceOpt = None, engine: EngineOpt = None, json_out: JsonOpt = False,
) -> None:
    """Role migration between two dates: per role, customers holding it at each date, kept,
    gained, lost; and moves from one role to another (fan -> basher: love becomes hate).
    Orders, answers, cases, mentions and referrals are counted up to each date; CLV and
    turnover are today's. JSON: {"from", "to", "roles": [{from_role, to_role, ...}]}."""
    import pandas as pd

    from idic.differentiate.roles.assign import migration
    from idic.differentiate.roles.rules import load_rules, parse_rules
    from idic.interact.network import stage

    dates = []
    for name, d in (("--from", date_from), ("--to", date_to)):
        if d is None:
            dates.append(None)
            continue
        try:
            dates.append(pd.Timestamp(d).tz_localize(None).isoformat())
        except (ValueError, TypeError):
            raise input_error(f"{name} {d!r} is not a date", hint="e.g. 2025-06-30") from None
    with open_ws(workspace, engine=engine) as ws:
        before = stage.features(ws, dates[0])["metrics"]
        after = stage.features(ws, dates[1])["metrics"]
        roles = parse_rules(load_rules(ws.path), set(after.columns))
    mig = migration(before, after, roles)
    if json_out:
        emit_json({"from": dates[0], "to": dates[1], "roles": mig.to_dict("records")})
        return
    tab = Table(title=f"Role migration {dates[0]} -> {dates[1] or 'now'}")
    for c in mig.columns:
        tab.add_column(c.replace("_", " "), justify="left" if "role" in c else "right")
    for r in mig.itertuples(index=False):
        tab.add_row(*[str(v) for v in r])
    out.print(tab)
