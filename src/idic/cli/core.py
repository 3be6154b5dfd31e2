"""Core commands: init, ingest, status, export, run, demo."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from idic.cli.common import (
    EXIT_ALL_QUARANTINED,
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    command,
    console,
    emit_json,
    open_ws,
    out,
    output_file,
    workspace_flag,
)
from idic.errors import InputError
from idic.workspace import SETTINGS_FILE, Workspace


def _progress(enabled: bool) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    TimeElapsedColumn(), console=console, disable=not enabled, transient=True)


@command
def init_cmd(workspace: WorkspaceOpt = None, engine: EngineOpt = None,
             json_: JsonOpt = False) -> None:
    with Workspace.init(workspace, engine=engine) as ws:
        info = {"workspace": str(ws.path), "engine": ws.engine.name, "tables": ws.tables()}
    if json_:
        emit_json(info)
    else:
        out.print(f"workspace ready at [bold]{info['workspace']}[/] ({info['engine']})")


@command
def ingest_cmd(
    kind: Annotated[str, typer.Argument(help="Table kind: orders, identities, events, "
                                        "survey_responses, cases, consents, referrals, social, "
                                        "accounts; "
                                        "or segment (Segment-spec JSON)")],
    file: Annotated[Path, typer.Argument(help="CSV, Parquet or JSON-lines file")],
    workspace: WorkspaceOpt = None,
    map_: Annotated[list[str] | None, typer.Option(
        "--map", help="CANONICAL=FILE_COLUMN, repeatable (e.g. --map amount=Total)")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help='JSON mapping file {"canonical": "file column"}')] = None,
    source: Annotated[str | None, typer.Option(
        help="Source name for rows whose file has no source column")] = None,
    fmt: Annotated[str | None, typer.Option(
        "--format", help="csv, parquet, jsonl or segment (default: from the extension)")] = None,
    delimiter: Annotated[str | None, typer.Option(
        help="CSV delimiter: , ; | or tab (default: read from the header line)")] = None,
    decimal_comma: Annotated[bool, typer.Option(
        "--decimal-comma", help="Numbers are written 1.234,56 (a dot only groups thousands)"
    )] = False,
    date_format: Annotated[str | None, typer.Option(
        help="Dates and times are written in this strftime format, e.g. '%d/%m/%Y %H:%M' "
             "(ISO 8601 is still read)")] = None,
    json_: JsonOpt = False,
) -> None:
    """Validate and load a file. Exit code 5 when the file has rows and every one of them
    was quarantined (nothing loaded, nothing already held)."""
    from idic.engine.csv_dialect import parse_delimiter
    from idic.ingest.mapping import load_mapping_file, parse_map_flags

    cols = load_mapping_file(mapping) if mapping else {}
    cols.update(parse_map_flags(map_))
    delim = parse_delimiter(delimiter) if delimiter is not None else None
    if not _exists(workspace):
        Workspace.init(workspace).close()
    with open_ws(workspace) as ws, _progress(not json_) as bar:
        task = bar.add_task(f"loading {file.name}", total=None)
        result = ws.ingest(kind, file, mapping=cols, source=source, fmt=fmt, delimiter=delim,
                           decimal_comma=decimal_comma, date_format=date_format)
        bar.update(task, completed=1, total=1)
    d = result.to_dict()
    if json_:
        emit_json(d)
    else:
        _print_result(d, workspace)
    if d["received"] and d["quarantined"] == d["received"]:
        console.print(f"[bold red]error:[/] every row of {escape(str(file))} was "
                      "quarantined; nothing was loaded", highlight=False, soft_wrap=True)
        console.print("[dim]hint: see why with idic export quarantine -o quarantine.csv"
                      f"{escape(workspace_flag(workspace))}; numbers written 62,04 need "
                      "--decimal-comma, dates written 01/07/2024 --date-format "
                      "'%d/%m/%Y'[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ALL_QUARANTINED)


def _print_result(d: dict[str, Any], workspace: Path | None) -> None:
    out.print(f"[bold]{d['kind']}[/] from {d['file']}: received {d['received']:,} = "
              f"accepted {d['accepted']:,} + quarantined {d['quarantined']:,} + "
              f"duplicates {d['duplicates']:,}"
              + (f"; {d['warnings']:,} optional values nulled" if d["warnings"] else "")
              + f"  ({d['seconds']:.2f}s)")
    for sub in d.get("related", {}).values():
        _print_result(sub, workspace)
    if d["quarantined"] or d["warnings"]:
        table = "quarantine" if d["quarantined"] else "ingest_warnings"
        out.print(f"  see the reasons with [bold]idic export {table} -o {table}.csv"
                  f"{escape(workspace_flag(workspace))}[/]", highlight=False, soft_wrap=True)


def _path(workspace: Path | None) -> Path:
    from idic.config import get_settings

    return Path(workspace or get_settings().workspace)


def _exists(workspace: Path | None) -> bool:
    return (_path(workspace) / SETTINGS_FILE).exists()



@command
def status_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    with open_ws(workspace, read_only=True) as ws:
        info = status(ws)
    if json_:
        emit_json(info)
        return
    t = Table(title=f"idic workspace {info['workspace']} ({info['engine']})")
    t.add_column("table")
    t.add_column("rows", justify="right")
    for name, n in info["tables"].items():
        t.add_row(name, f"{n:,}")
    out.print(t)
    if info["recent_loads"]:
        loads = Table(title="recent loads")
        for c in ("kind", "file", "received", "accepted", "quarantined", "duplicates"):
            loads.add_column(c)
        for r in info["recent_loads"]:
            loads.add_row(r["kind"], Path(r["file"]).name, *(f"{r[c]:,}" for c in
                          ("received", "accepted", "quarantined", "duplicates")))
        out.print(loads)
    for q in info["quarantine"]:
        out.print(f"quarantined {q['kind']}.{q['column']}: {q['rows']:,} x {q['reason']}")


def status(ws: Workspace) -> dict[str, Any]:
    """Row counts, the ten most recent loads, quarantine counts by kind, column and reason."""
    log = ws.table("ingest_log").order_by(ws.table("ingest_log").finished_at.desc()).limit(10)
    q = ws.table("quarantine")
    qc = q.group_by(["kind", "column", "reason"]).aggregate(rows=q.count()).order_by(
        ["kind", "column", "reason"])
    return {
        "workspace": str(ws.path),
        "engine": ws.engine.name,
        "tables": ws.counts(),
        "recent_loads": log.drop("file_sha256").to_pandas().to_dict("records"),
        "quarantine": qc.to_pandas().to_dict("records"),
    }


@command
def export_cmd(
    table: Annotated[str, typer.Argument(help="Table name (see `idic status`)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="OUT.csv or OUT.parquet")],
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"{output}: expected a .csv or .parquet file name")
    output_file(output)
    from idic.privacy.audit import record_cli
    from idic.privacy.subject import SYSTEM_TABLES

    personal = table not in SYSTEM_TABLES
    with open_ws(workspace, read_only=not personal) as ws:
        t = ws.table(table)
        t = t.drop(*[c for c in t.columns if c.startswith("_")]) if table != "quarantine" else t
        rows = ws.engine.export(t, output)
        if personal:  # a bulk read of personal data: in the audit log, like the API's reads
            record_cli(ws, "cli_export", table, {"rows": rows, "file": output.name})
    if json_:
        emit_json({"table": table, "output": str(output), "rows": rows})
    else:
        out.print(f"wrote {rows:,} rows of {table} to {output}")


@command
def run_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.pipeline import run_all

    with open_ws(workspace) as ws, _progress(not json_) as bar:
        task = bar.add_task("pipeline", total=None)
        results = run_all(ws, progress=lambda s: bar.update(task, description=f"stage {s}"))
        info = {"stages": results, "tables": ws.counts()}
    if json_:
        emit_json(info)
    else:
        _print_stages(results)


def _fmt(v: Any) -> str:
    from idic.format import number

    return number(v) if isinstance(v, float | int) and not isinstance(v, bool) else str(v)


def _fmt_key(key: str, v: Any) -> str:
    from idic.format import cell, unit_of

    if isinstance(v, float | int) and not isinstance(v, bool):
        return cell(v, unit_of(key))
    return str(v)


#: what a stage's one-line summary shows first (else its first ten numbers)
HEADLINES: dict[str, tuple[str, ...]] = {
    "measure": ("active_customers", "new_customers", "retention_rate", "revenue", "cash_flow",
                "equity_start", "equity_end", "roc", "nps"),
}


def _truth_item(k: str, v: Any) -> str:
    if isinstance(v, dict) and "measured" in v and "ci" in v:  # an effect with its interval
        lo, hi = v["ci"]
        verdict = "found" if v.get("found") else "NOT found"
        return (f"{k} {_fmt(v['measured'])} [{_fmt(lo)}, {_fmt(hi)}] (planted "
                f"{_fmt(v['planted'])}: {verdict} in the 95% interval)")
    if isinstance(v, dict) and "fitted" in v:
        return f"{k} {_fmt(v['fitted'])} (true {_fmt(v['true'])})"
    if isinstance(v, dict) and "planted" in v:
        if "odds_ratio" not in v:
            return f"{k} ({v['planted']}) NOT found"
        verdict = "found" if v["found"] else "NOT found"
        return (f"{k} ({v['planted']}) {verdict}: odds ratio {_fmt(v['odds_ratio'])} "
                f"[{_fmt(v['or_low'])}, {_fmt(v['or_high'])}] on {v['outcome']} per {v['unit']}")
    return f"{k}={_fmt(v)}"


def _print_stages(results: dict[str, dict[str, Any]]) -> None:
    for name, summary in results.items():
        shown = {k: v for k, v in summary.items()
                 if isinstance(v, int | float | str) and not str(k).endswith(("at", "id"))}
        keys = [k for k in HEADLINES.get(name, ()) if k in shown] or list(shown)[:10]
        out.print(f"[bold]{name}[/]: " + ", ".join(f"{k}={_fmt_key(k, shown[k])}" for k in keys))
        for label, holder in (("", summary), ("spend ", summary.get("spend_model") or {})):
            truth = holder.get("truth_comparison") if isinstance(holder, dict) else None
            if isinstance(truth, dict):
                out.print(f"  {label}vs ground truth: " + ", ".join(
                    _truth_item(k, v) for k, v in truth.items()
                    if isinstance(v, int | float | str | dict)))


@command
def demo_cmd(
    workspace: WorkspaceOpt = None,
    customers: Annotated[int, typer.Option(help="Number of true customers to generate")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 42,
    engine: EngineOpt = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the folder even if it is an idic workspace holding user keys, "
                        "data or decisions (a folder that is not a workspace is never deleted)")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Replaces the folder only if it is an unchanged demo workspace (or with --force)."""
    from idic.config import get_settings
    from idic.demo import run_demo
    from idic.demo_guard import clear_for_demo

    path = Path(workspace or get_settings().workspace)  # --workspace, IDIC_WORKSPACE, default
    clear_for_demo(path, force=force)
    t0 = time.perf_counter()
    with _progress(not json_) as bar:
        task = bar.add_task("demo", total=None)

        def progress(msg: str, frac: float | None = None) -> None:
            bar.update(task, description=msg, completed=frac, total=1 if frac is not None else None)

        info = run_demo(path, customers=customers, seed=seed, engine=engine, progress=progress)
    info["seconds"] = round(time.perf_counter() - t0, 1)
    if json_:
        emit_json(info)
        return
    out.print(f"[bold green]demo workspace[/] {path}  ({info['seconds']}s)")
    for kind, r in info["ingest"].items():
        out.print(f"  ingested {kind}: {r['accepted']:,} accepted, {r['quarantined']:,} "
                  f"quarantined, {r['duplicates']:,} duplicates")
        if "expected" in r:
            e = r["expected"]
            out.print(f"    expected from the ground truth: {e['accepted']:,} accepted, "
                      f"{e['quarantined']:,} quarantined, {e['duplicates']:,} duplicates "
                      f"(see: idic export quarantine -o q.csv --workspace {path})")
    _print_stages(info["stages"])
    if info.get("report"):
        out.print(f"report: [bold]{info['report']}[/] (open it in a browser, works offline)")
    out.print("next: [bold]idic status --workspace " + str(path) + "[/]")
