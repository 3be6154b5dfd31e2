"""``idic segments`` (group), ``idic personas`` and ``idic recommend`` (single commands):
needs-based differentiation. The logic lives in :mod:`idic.differentiate.needs`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from idic.cli.common import (
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    command,
    emit_json,
    open_ws,
    out,
    output_file,
)
from idic.differentiate.value._common import input_error

app = typer.Typer(name="segments", no_args_is_help=True,
                  help="Needs-based segments: fit, profiles, golden questions, migration.")


def _k(value: str) -> int | str:
    if value == "auto":
        return "auto"
    try:
        k = int(value)
    except ValueError:
        raise input_error(f"--k {value!r} is not auto or a number",
                          hint="--k auto, or --k 5") from None
    if not 2 <= k <= 8:
        raise input_error(f"--k {k} is out of range", hint="auto, or a number from 2 to 8")
    return k


@app.command("run")
@command
def run_cmd(
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    k: Annotated[str, typer.Option("--k", help="Number of segments: auto (BIC over 2..8) or N")] = "auto",
    compare_to: Annotated[str | None, typer.Option(
        "--compare-to", help="Earlier date: also write segments_migration (a matrix)")] = None,
    json_: JsonOpt = False,
) -> None:
    """Fit the needs segments and write segments, segments_profile, recommendations."""
    from idic.differentiate.needs import stage

    kk = _k(k)
    with open_ws(workspace, engine=engine) as ws:
        summary = stage.run(ws, k=kk, compare_to=compare_to)
    if json_:
        emit_json(summary)
        return
    out.print(f"{summary['k']} segments ({summary['method']}); "
              f"{summary['undetermined']:,} of {summary['customers']:,} customers undetermined "
              f"(fewer than {summary['min_observations']} category observations)")
    t = Table("segment", "name", "size", "web share", "top categories")
    for s in summary["segments"]:
        top = sorted(s["category_mix"].items(), key=lambda x: -x[1])[:3]
        t.add_row(s["segment"], s["segment_name"], f"{s['size']:,}", f"{s['web_share']:.0%}",
                  ", ".join(f"{c} {v:.0%}" for c, v in top))
    out.print(t)
    if "migration" in summary:
        out.print(f"migration since {summary['migration']['from']}:")
        for a, row in summary["migration"]["matrix"].items():
            out.print(f"  {a} -> " + ", ".join(f"{b}: {n:,}" for b, n in row.items()))


@app.command("golden")
@command
def golden_cmd(
    workspace: WorkspaceOpt = None,
    n: Annotated[int, typer.Option("--n", help="How many questions")] = 3,
    json_: JsonOpt = False,
) -> None:
    """The attributes that best predict the segment, and the accuracy from them alone."""
    from idic.differentiate.needs.golden import golden_questions

    if not 1 <= n <= 10:
        raise input_error(f"--n {n} is out of range", hint="1 to 10")
    with open_ws(workspace, read_only=True) as ws:
        cats = _categories(ws)
        res = golden_questions(ws.to_pandas("needs_features"), ws.to_pandas("segments"),
                               cats, n=n)
    if json_:
        emit_json(res)
        return
    for q in res["questions"]:
        out.print(f"{q['attribute']}: mutual information {q['mutual_information']:.3f}")
    if res["accuracy"] is not None:
        out.print(f"accuracy from these {len(res['questions'])}: {res['accuracy']:.1%} "
                  f"(largest segment alone: {res['baseline']:.1%})")


def _categories(ws) -> list[str]:
    import json

    from idic.differentiate.needs.stage import _model_path

    p = _model_path(ws)
    if not ws.engine.has_table("segments") or not p.exists():
        raise input_error("no segments in this workspace yet",
                          hint="run `idic segments run` (or `idic run`) first")
    return list(json.loads(p.read_text())["categories"])


@command
def personas_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="personas.html or personas.md")],
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    from idic.differentiate.needs.personas import persona_facts, to_html, to_markdown

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise input_error(f"{output}: expected a .html or .md file name")
    output_file(output)
    with open_ws(workspace, read_only=True) as ws:
        _categories(ws)
        facts = persona_facts(ws)
    output.write_text(to_markdown(facts) if suffix == ".md" else to_html(facts), encoding="utf-8")
    if json_:
        emit_json({"output": str(output), "personas": len(facts),
                   "names": [f["name"] for f in facts]})
    else:
        out.print(f"wrote {len(facts)} personas to {output}")


@command
def recommend_cmd(
    customer: Annotated[str, typer.Option("--customer", help="Customer id (customer_id)")],
    workspace: WorkspaceOpt = None,
    top: Annotated[int, typer.Option("--top", help="How many items")] = 5,
    json_: JsonOpt = False,
) -> None:
    from idic.suggest import closest

    if not customer.isprintable() or len(customer) > 200:
        raise input_error(f"unknown customer {customer!r}: not a customer id",
                          hint="ids are printable text; see `idic export segments`")
    if not 1 <= top <= 10:
        raise input_error(f"--top {top} is out of range", hint="1 to 10")
    with open_ws(workspace, read_only=True) as ws:
        if not ws.engine.has_table("recommendations"):
            raise input_error("no recommendations in this workspace yet",
                              hint="run `idic segments run` (or `idic run`) first")
        r = ws.table("recommendations")
        rows = ws.engine.to_pandas(r.filter(r.customer_id == customer).order_by("rank"))
        if rows.empty:
            seg = ws.table("segments")
            known = ws.engine.to_pandas(seg.filter(seg.customer_id == customer).limit(1))
            if known.empty:
                ids = ws.engine.to_pandas(seg.select("customer_id").limit(5000))["customer_id"]
                near = ", ".join(repr(c) for c in closest(customer, list(ids)))
                raise input_error(f"unknown customer {customer!r}; closest: {near or '-'}")
    items = [{"item": str(x.item), "score": float(x.score)}
             for x in rows.head(top).itertuples()]
    if json_:
        emit_json({"customer_id": customer, "items": items})
        return
    for i in items:
        out.print(f"{i['item']}\t{i['score']:.3f}")
