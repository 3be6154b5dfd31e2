"""``idic identify``: resolve records into customers; merge / split overrides; explain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from idic.cli.common import EngineOpt, JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out

app = typer.Typer(
    help="Resolve every source record into one persistent customer (identity graph + Splink).",
    invoke_without_command=True,
    no_args_is_help=False,
)



def _print_summary(s: dict[str, Any]) -> None:
    t = Table(title="identify", show_header=False)
    for k in ("records", "customers", "identifier_links", "probabilistic_links", "manual_links",
              "supernodes", "created", "merged", "split", "model_trained", "seconds"):
        if k in s:
            t.add_row(k, str(s[k]))
    out.print(t)


@app.callback()
@command
def identify(
    ctx: typer.Context,
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    json_: JsonOpt = False,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train the Splink model again")] = False,
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0.0, max=1.0, help="Match probability needed to link")] = 0.9,
    full: Annotated[bool, typer.Option(
        "--full", help="Re-score every record (default: only new / re-ingested ones)")] = False,
    evaluate: Annotated[Path | None, typer.Option(
        "--evaluate", help="Truth file (source, source_record_id, person_id): print quality")
    ] = None,
) -> None:
    """Run the identify stage (default), or one of the commands below."""
    if ctx.invoked_subcommand is not None:
        return
    from idic.identify.quality import evaluate_workspace, read_truth
    from idic.identify.stage import run

    with open_ws(workspace, engine=engine) as ws:
        summary = run(ws, retrain=retrain, threshold=threshold, full=full)
        if evaluate is not None:
            summary["quality"] = evaluate_workspace(ws.engine, read_truth(evaluate))
    if json_:
        emit_json(summary)
        return
    _print_summary(summary)
    if "quality" in summary:
        q = summary["quality"]
        out.print(f"precision {q['precision']:.4f}  recall {q['recall']:.4f}  F1 {q['f1']:.4f}  "
                  f"exact customers {q['exact_customers']:.2%}")


def _override(action: str, records: list[str], workspace: Path | None, engine: str | None,
              note: str | None, rerun: bool, json_: bool) -> None:
    from idic.identify import cluster as cl
    from idic.identify.explain import parse_rid
    from idic.identify.stage import last_run, run

    rids = [parse_rid(r) for r in records]
    with open_ws(workspace, engine=engine) as ws:
        before = {r: _cid(ws, r) for r in rids}
        cl.add_override(ws.engine, action, rids[0], rids[1] if len(rids) > 1 else None, note)
        cl.log_lineage(ws.engine, [{
            "run_id": None, "at": cl.now(), "event": f"manual_{action}",
            "customer_id": before[rids[0]], "other_customer_id": before.get(rids[-1]) if
            len(rids) > 1 else None, "n_records": len(rids),
            "reason": f"analyst {action} {' '.join(rids)}" + (f": {note}" if note else "")}])
        summary: dict[str, Any] = {"action": action, "records": rids}
        if rerun:
            prev = last_run(ws) or {}
            run(ws, threshold=prev.get("threshold", 0.9), reason=f"after manual {action}")
            summary["customer_ids"] = {r: _cid(ws, r) for r in rids}
    if json_:
        emit_json(summary)
    else:
        out.print(f"{action} recorded for {' '.join(rids)}"
                  + (f" -> {summary['customer_ids']}" if "customer_ids" in summary else ""))


def _cid(ws, rid: str) -> str | None:
    from idic.errors import NotFoundError
    from idic.identify.cluster import customer_of

    try:
        return customer_of(ws.engine, rid)
    except NotFoundError:
        return None


NoRun = Annotated[bool, typer.Option("--no-run", help="Only record it; apply at the next run")]
Note = Annotated[str | None, typer.Option("--note", help="Why (kept in the lineage)")]


@app.command()
@command
def merge(
    record_a: Annotated[str, typer.Argument(help="SOURCE:ID")],
    record_b: Annotated[str, typer.Argument(help="SOURCE:ID")],
    workspace: WorkspaceOpt = None, engine: EngineOpt = None, json_: JsonOpt = False,
    note: Note = None, no_run: NoRun = False,
) -> None:
    """Force two records into the same customer (kept by every later run)."""
    _override("merge", [record_a, record_b], workspace, engine, note, not no_run, json_)


@app.command()
@command
def split(
    record: Annotated[str, typer.Argument(help="SOURCE:ID")],
    workspace: WorkspaceOpt = None, engine: EngineOpt = None, json_: JsonOpt = False,
    note: Note = None, no_run: NoRun = False,
) -> None:
    """Take a record out of its customer: none of its automatic links is used any more."""
    _override("split", [record], workspace, engine, note, not no_run, json_)


@app.command()
@command
def explain(
    record_a: Annotated[str, typer.Argument(help="SOURCE:ID")],
    record_b: Annotated[str, typer.Argument(help="SOURCE:ID")],
    workspace: WorkspaceOpt = None, engine: EngineOpt = None, json_: JsonOpt = False,
) -> None:
    """Why two records are (or are not) the same customer."""
    from idic.identify.explain import explain as do_explain

    with open_ws(workspace, engine=engine) as ws:
        r = do_explain(ws, record_a, record_b)
    if json_:
        emit_json(r)
        return
    out.print(f"[bold]{r['decision']}[/]: {r['reason']}")
    out.print(f"customer ids: {r['customer_ids']}")
    for s in r["shared_identifiers"]:
        out.print(f"shared {s['type']} {s['value']}"
                  + ("" if s["linked"] else f" [yellow](not linked: {s['why_not']})[/]"))
    p = r["probabilistic"]
    if p:
        t = Table(title=f"match weight {p['match_weight']} -> probability "
                        f"{p['match_probability']:.4f} (threshold {r['threshold']})")
        for c in ("field", "level", "value_l", "value_r", "match_weight"):
            t.add_column(c)
        for w in p["waterfall"]:
            t.add_row(*(str(w.get(c, "")) for c in ("field", "level", "value_l", "value_r",
                                                     "match_weight")))
        out.print(t)
    else:
        out.print("no trained probabilistic model yet (run `idic identify`)")


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


@app.command()
@command
def inventory(
    workspace: WorkspaceOpt = None, engine: EngineOpt = None, json_: JsonOpt = False,
) -> None:
    """How much identification you already have: shares of orders, revenue and events tied
    to an identified customer, per source and channel; identifier coverage; consent reach."""
    from idic.identify.inventory import identification_inventory

    with open_ws(workspace, engine=engine, read_only=True) as ws:
        inv = identification_inventory(ws)
    if json_:
        emit_json(inv)
        return
    out.print(f"orders identified: {_pct(inv.get('orders_identified_share'))} "
              f"(revenue {_pct(inv.get('revenue_identified_share'))}); events identified: "
              f"{_pct(inv.get('events_identified_share'))} (anonymous "
              f"{_pct(inv.get('anonymous_events_share'))})", highlight=False)
    t = Table(title="by source")
    for c in ("source", "orders", "orders identified", "revenue identified", "events",
              "events identified", "records", "e-mail", "phone", "cookie"):
        t.add_column(c, justify="left" if c == "source" else "right")
    for src, d in inv["by_source"].items():
        o, e, i = d.get("orders", {}), d.get("events", {}), d.get("identities", {})
        cov = i.get("identifier_coverage", {})
        t.add_row(src, f"{o['count']:,}" if o else "", _pct(o.get("identified_share")) if o
                  else "", _pct(o.get("revenue_identified_share")) if o else "",
                  f"{e['count']:,}" if e else "", _pct(e.get("identified_share")) if e else "",
                  f"{i['records']:,}" if i else "", _pct(cov.get("email")) if i else "",
                  _pct(cov.get("phone")) if i else "", _pct(cov.get("cookie_id")) if i else "")
    out.print(t)
    add = inv.get("addressable") or {}
    if add.get("granted_share"):
        out.print(f"addressable ({add['customers']:,} customers, current consent granted): "
                  + ", ".join(f"{p} {_pct(v)}" for p, v in add["granted_share"].items()),
                  highlight=False)
