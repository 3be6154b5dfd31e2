"""`idic journeys`: funnels, paths, attribution, the journey map, and the journeys stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from idic.cli.common import (
    EngineOpt,
    JsonOpt,
    WorkspaceOpt,
    command,
    console,
    emit_json,
    open_ws,
    out,
    output_file,
)
from idic.errors import InputError

app = typer.Typer(help="Touchpoints and journeys: funnels, paths, attribution, journey map.",
                  no_args_is_help=True)

RulesOpt = Annotated[Path | None, typer.Option("--rules", help="Taxonomy rules file (JSON)")]


def _open(workspace: Path | None, engine: str | None, *, read_only: bool = True):
    return open_ws(workspace, engine=engine, read_only=read_only)


def _print_rows(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
    from idic.cli.tables import human_table

    out.print(human_table(title, rows, cols))


@app.command()
@command
def funnel(
    steps: Annotated[str, typer.Option("--steps", help='Comma-separated events: "E1,E2,E3"')],
    window: Annotated[str, typer.Option("--window", help="Conversion window from the first step: 30m, 2h, 14d")] = "14d",
    mode: Annotated[str, typer.Option("--mode", help="ordered | strict | unordered")] = "ordered",
    exclude: Annotated[str | None, typer.Option("--exclude", help="Comma-separated exclusion events")] = None,
    breakdown: Annotated[str | None, typer.Option("--breakdown", help="Event column of the first step (channel, source, ...), or TABLE.COLUMN of a customer table: rfm.segment, value.value_category, abc.abc_class")] = None,
    segment: Annotated[str | None, typer.Option("--segment", help="Only the persons of this needs segment (table segments)")] = None,
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Persons through ordered steps within a window (one attempt per person)."""
    from idic.interact.journeys.funnels import funnel as run_funnel
    from idic.interact.journeys.service import segment_assignments

    with _open(workspace, engine) as ws:
        segments = None
        if segment is not None:  # the funnel of one segment: its row of the breakdown
            breakdown = "segments.segment"
        if breakdown is not None and "." in breakdown:
            table, column = breakdown.split(".", 1)
            segments = segment_assignments(ws, table, column)
        result = run_funnel(ws.engine, steps, window, mode=mode, exclude=exclude,
                            breakdown=breakdown, segments=segments)
        if segments is not None:
            result.breakdown_by = breakdown
        if segment is not None:
            result.steps = result.breakdown.get(segment, [])
            result.breakdown = {}
            result.breakdown_by = None
    if json_:
        emit_json(result.to_dict())
        return
    _print_rows(f"Funnel ({mode}, window {window})", result.steps,
                ["step", "event", "count", "conversion_rate", "drop_off_rate",
                 "median_seconds_from_previous"])
    for label, rows in result.breakdown.items():
        _print_rows(f"{result.breakdown_by} = {label}", rows, ["step", "event", "count",
                                                               "conversion_rate"])


@app.command()
@command
def paths(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write aggregated paths (CSV)")] = None,
    top: Annotated[int, typer.Option("--top", help="How many paths to show")] = 15,
    sankey: Annotated[Path | None, typer.Option("--sankey", help="Write a Sankey of the paths (HTML)")] = None,
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    rules: RulesOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Aggregated journey paths (path, conversions, nulls, value) and channel trajectories."""
    from idic.interact.journeys import paths as P
    from idic.interact.journeys.service import workspace_paths

    for path in (output, sankey):
        if path is not None:
            output_file(path)
    with _open(workspace, engine) as ws:
        df = workspace_paths(ws, rules=rules)
    if output is not None:
        df.to_csv(output, index=False)
    if sankey is not None:
        from idic.charts.journeys import sankey_figure

        sankey_figure(P.sankey(df)).write_html(str(sankey), include_plotlyjs=True)
    tops = P.top_paths(df, top)
    if json_:
        emit_json({"paths": len(df), "journeys": float(df["conversions"].sum() + df["nulls"].sum()),
                   "conversions": float(df["conversions"].sum()),
                   "output": str(output) if output else None,
                   "top": tops.to_dict("records"), "trajectories": P.trajectories(df)})
        return
    _print_rows(f"Top {top} of {len(df)} paths", tops.to_dict("records"),
                ["path", "journeys", "conversions", "conversion_rate", "value"])
    if output is not None:
        console.print(f"wrote {len(df)} paths to {output}")


@app.command()
@command
def attribute(
    paths_file: Annotated[Path | None, typer.Argument(metavar="[PATHS.csv]", help="Aggregated paths: path, conversions, nulls[, value]")] = None,
    model: Annotated[str, typer.Option("--model", "-m", help="first | last | linear | position | time_decay | markov | shapley")] = "markov",
    half_life: Annotated[str, typer.Option("--half-life", help="time_decay half-life")] = "7d",
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    rules: RulesOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Credit conversions to channels (credits sum to the total conversions)."""
    from idic.interact.journeys._util import check_choice, parse_duration
    from idic.interact.journeys.attribution import MODELS
    from idic.interact.journeys.attribution import attribute as run_attribute
    from idic.interact.journeys.service import attribute_workspace

    check_choice(model, tuple(MODELS), "attribution model")
    if paths_file is not None and workspace is not None:
        raise InputError("give either a paths file or --workspace, not both")
    if paths_file is not None:
        try:
            frame = pd.read_csv(paths_file)
        except FileNotFoundError:
            raise InputError(f"{paths_file}: no such file") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputError(f"{paths_file}: cannot read it as CSV ({exc})".splitlines()[0]) from None
        from idic.interact.journeys.attribution import read_paths

        frame = read_paths(frame, origin=str(paths_file))
        credits = run_attribute(frame, model)
        total = float(frame["conversions"].sum())
    else:
        with _open(workspace, engine) as ws:
            credits = attribute_workspace(ws, model, rules=rules,
                                          half_life_days=parse_duration(half_life) / 86400)
        total = float(sum(credits.values()))
    if json_:
        emit_json({"model": model, "credits": credits, "total_conversions": total})
        return
    _print_rows(f"Attribution ({model})", [{"channel": c, "credit": v} for c, v in credits.items()],
                ["channel", "credit"])


MAP_FORMATS = ("html", "png", "mermaid")


@app.command("map")
@command
def map_(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (html: journey-map.html, png: journey-map.png; mermaid prints to the terminal unless -o is given)")] = None,
    format_: Annotated[str, typer.Option("--format", "-f", help="html (a self-contained page) | png | mermaid (journey diagram text)")] = "html",
    table: Annotated[Path | None, typer.Option("--table", help="Also write the stage table (CSV)")] = None,
    segment: Annotated[str | None, typer.Option("--segment", help="Only the persons of this segment or persona")] = None,
    segment_table: Annotated[str, typer.Option("--segment-table", help="Table assigning persons to segments")] = "segments",
    segment_column: Annotated[str, typer.Option("--segment-column", help="Column holding the segment name")] = "segment",
    title: Annotated[str | None, typer.Option("--title", help="Title of the map")] = None,
    persona: Annotated[str | None, typer.Option("--persona", help="Persona / segment line of the header")] = None,
    scenario: Annotated[str | None, typer.Option("--scenario", help="Scenario line of the header")] = None,
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    rules: RulesOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Draw the customer journey map: stages as columns; touchpoints, channels, emotion, pain
    and love points, moments of truth and opportunities as rows (HTML, PNG or Mermaid)."""
    from idic.charts.journey_map import map_mermaid, map_page, map_png
    from idic.interact.journeys._util import check_choice
    from idic.interact.journeys.service import journey_map, segment_persons
    from idic.measure.sections import currency_of

    check_choice(format_, MAP_FORMATS, "format")
    if output is None and format_ != "mermaid":
        output = Path(f"journey-map.{format_}")
    for path in (output, table):
        if path is not None:
            output_file(path)
    with _open(workspace, engine) as ws:
        persons = segment_persons(ws, segment, segment_table, segment_column) if segment else None
        jm = journey_map(ws, persons=persons, rules=rules,
                         title=title or (f"Customer journey map: {segment}" if segment else None))
        currency = currency_of(ws) if ws.engine.has_table("orders") else ""
    if segment and persona is None:
        persona = f"Segment {segment} ({jm.persons:,} persons)"
    text = map_mermaid(jm) if format_ == "mermaid" else None
    if format_ == "mermaid":
        if output is not None:
            output.write_text(text or "", encoding="utf-8")
    else:
        html = map_page(jm, persona=persona, scenario=scenario, currency=currency)
        if format_ == "png":
            map_png(html, output)
        else:
            output.write_text(html, encoding="utf-8")
    if table is not None:
        jm.stages.to_csv(table, index=False)
    if json_:
        emit_json({"output": str(output) if output else None, "format": format_,
                   **({"mermaid": text} if text is not None else {}), **jm.to_dict()})
        return
    if format_ == "mermaid" and output is None:
        typer.echo(text, nl=False)
        return
    _print_rows(jm.title, jm.stages.to_dict("records"),
                ["stage", "reach", "started_here", "volume", "emotion", "conversion_to_next",
                 "median_seconds_to_next", "pain_points"])
    console.print(f"wrote {output}")


@app.command()
@command
def build(
    session_gap: Annotated[str, typer.Option("--session-gap", help="Inactivity that ends a session")] = "30m",
    lookback: Annotated[str, typer.Option("--lookback", help="Touches kept before a journey's end")] = "30d",
    conversion: Annotated[str | None, typer.Option("--conversion", help="Comma-separated conversion events")] = None,
    workspace: WorkspaceOpt = None,
    engine: EngineOpt = None,
    rules: RulesOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Run the journeys stage: write touchpoints, journeys, journey_paths and moments."""
    from idic.interact.journeys._util import split_list
    from idic.interact.journeys.stage import run

    with _open(workspace, engine, read_only=False) as ws:
        summary = run(ws, session_gap=session_gap, lookback=lookback,
                      conversion_events=split_list(conversion) or None, rules=rules)
    if json_:
        emit_json(summary)
        return
    for k, v in summary.items():
        out.print(f"{k}: {', '.join(v) if isinstance(v, list) else v}")
