"""``idic voice``: voice of the customer on plain files (NPS / CSAT / CES, sentiment).

The logic lives in :mod:`idic.interact.voice`; this module reads the file, checks the
columns (one clear error naming the file, the row and the column), and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import ibis.expr.types as ir
import pyarrow as pa
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
    output_file,
    write_csv,
)
from idic.differentiate.value._common import input_error
from idic.engine.text import trim

app = typer.Typer(
    name="voice",
    help="Voice of the customer: NPS, CSAT, CES with intervals; sentiment of free text.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="Input file (.csv, .parquet, .jsonl)")]
ScoreCol = Annotated[str, typer.Option("--score-col", help="Column holding the score")]
ByOpt = Annotated[str | None, typer.Option(
    "--by", help="Score each value of this column (touchpoint, channel, segment, ...)")]
PeriodOpt = Annotated[str | None, typer.Option(
    "--period", help="Score each week, month, quarter or year of --date-col (a trend)")]
DateCol = Annotated[str | None, typer.Option("--date-col", help="Column holding the date")]

#: kind -> (lowest, highest, whole numbers only)
_SCALES = {"nps": (0, 10, True), "csat": (1, 5, True), "ces": (1, 7, True)}


def _scores(eng: Any, raw: ir.Table, path: Path, kind: str, score: str, by: str | None,
            period: str | None, date_col: str | None) -> tuple[ir.Table, str | None]:
    """The answered rows (``score`` float, group column ``g``), every value checked."""
    from idic.interact.voice.scores import PERIODS, period_key

    if period is not None:
        if period not in PERIODS:
            raise input_error(f"unknown --period {period!r}", hint="week, month, quarter or year")
        if date_col is None:
            raise input_error("--period needs --date-col", hint="e.g. --date-col responded_at")
        if by is not None:
            raise input_error("give --by or --period, not both")
    need_columns(raw, path, score, by, date_col)
    lo, hi, whole = _SCALES[kind]
    text = trim(raw[score].cast("string"))
    cols: dict[str, Any] = {"score": text.try_cast("float64"), "_text": raw[score].cast("string")}
    if by is not None:
        cols["g"] = raw[by].cast("string")
    if period is not None and date_col is not None:
        cols["_date"] = trim(raw[date_col].cast("string")).try_cast("timestamp('UTC')")
        cols["_date_text"] = raw[date_col].cast("string")
    try:
        t = eng.stage(raw.select(**cols), "voice_input", line_start=1)
    except Exception as exc:
        raise input_error(f"{path}: cannot read the file: {str(exc).splitlines()[0]}") from None
    s = t.score
    blank = t._text.isnull() | (trim(t._text) == "")
    bad = ~blank & (s.isnull() | (s < lo) | (s > hi) | (whole & (s != s.round())))
    checks = [(bad, score, f"is not a {'whole ' if whole else ''}number from {lo} to {hi}",
               "_text")]
    if period is not None:
        checks.append((~blank & t._date.isnull(), date_col, "is not a date", "_date_text"))
    for cond, col, what, raw_col in checks:
        hit = t.filter(cond).order_by("_line").limit(1).to_pyarrow().to_pylist()
        if hit:
            n_bad = int(t.filter(cond).count().to_pyarrow().as_py())
            raise input_error(
                f"{path}: row {hit[0]['_line']}, column {col!r}: {hit[0][raw_col]!r} {what}"
                + (f" ({n_bad:,} bad rows in all)" if n_bad > 1 else ""),
                hint="blank cells are read as unanswered" if col == score
                else "use ISO dates such as 2024-03-01 or 2024-03-01T12:30:00Z")
    t = t.filter(~blank)
    if period is not None:
        t = t.mutate(g=period_key(t._date, period))
    if int(t.count().to_pyarrow().as_py()) == 0:
        raise input_error(f"{path}: no scores in column {score!r}")
    return t, ("g" if by is not None or period is not None else None)


def _run(kind: str, file: Path, score: str, by: str | None, period: str | None,
         date_col: str | None) -> dict[str, Any]:
    from idic.interact.voice import scores

    eng, raw = open_file(file)
    try:
        t, group = _scores(eng, raw, file, kind, score, by, period, date_col)
        return getattr(scores, kind)(t, "score", group)
    finally:
        eng.close()


def _fmt(v: float, pct: bool) -> str:
    return f"{v:.1%}" if pct else f"{v:.2f}"


def _print(kind: str, res: dict[str, Any], title: str) -> None:
    key, pct = {"nps": ("nps", False), "csat": ("csat", True), "ces": ("ces", False)}[kind]
    groups = res.get("groups", {"all": res})
    tab = Table(title=title)
    for c in ("group", kind.upper(), "SE", "95% interval", "answers"):
        tab.add_column(c, justify="left" if c == "group" else "right")
    for g, r in groups.items():
        lo, hi = r["ci"]
        tab.add_row(g, _fmt(r[key], pct), _fmt(r["se"], pct),
                    f"{_fmt(lo, pct)} to {_fmt(hi, pct)}", f"{r['n']:,}")
    out.print(tab)


def _score_cmd(kind: str, file: Path, score_col: str, by: str | None, period: str | None,
               date_col: str | None, json_out: bool) -> None:
    res = _run(kind, file, score_col, by, period, date_col)
    if json_out:
        emit_json(res)
    else:
        _print(kind, res, f"{kind.upper()} of {file.name}")


@app.command("nps")
@command
def nps_cmd(file: FileArg, score_col: ScoreCol, by: ByOpt = None, period: PeriodOpt = None,
            date_col: DateCol = None, json_out: JsonOpt = False) -> None:
    """Net Promoter Score (promoters 9-10, detractors 0-6) with its standard error and 95%
    interval; blank scores are unanswered. JSON: nps, se, ci, n, promoters, passives,
    detractors (with --by or --period: {"groups": {value: {...}}})."""
    _score_cmd("nps", file, score_col, by, period, date_col, json_out)


@app.command("csat")
@command
def csat_cmd(file: FileArg, score_col: ScoreCol, by: ByOpt = None, period: PeriodOpt = None,
             date_col: DateCol = None, json_out: JsonOpt = False) -> None:
    """CSAT: share of 4-5 answers on a 1-5 scale (SE, 95% interval) and the mean score."""
    _score_cmd("csat", file, score_col, by, period, date_col, json_out)


@app.command("ces")
@command
def ces_cmd(file: FileArg, score_col: ScoreCol, by: ByOpt = None, period: PeriodOpt = None,
            date_col: DateCol = None, json_out: JsonOpt = False) -> None:
    """CES: mean customer effort score on a 1-7 scale (SE, 95% interval)."""
    _score_cmd("ces", file, score_col, by, period, date_col, json_out)


@app.command("sentiment")
@command
def sentiment_cmd(
    file: FileArg,
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the text")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the CSV here (default: stdout)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Sentiment of free text (VADER extended with a retail/service lexicon and phrase rules).

    Writes the input's columns plus sentiment (negative/neutral/positive) and
    sentiment_score (VADER's compound score, -1 to 1). Blank text is neutral, 0.
    """
    from idic.interact.voice.sentiment import score_texts

    if json_out and output is None:
        raise input_error("--json prints a summary: give -o FILE for the table itself",
                          hint="e.g. -o scored.csv --json")
    if output is not None:
        output_file(output)
    eng, raw = open_file(file)
    try:
        need_columns(raw, file, text_col)
        for c in ("sentiment", "sentiment_score"):
            if c in raw.columns:
                raise input_error(f"{file}: the file already has a column {c!r}",
                                  hint="rename or drop it first")
        try:  # stage: retries with the serial CSV reader when a quoted field has a line break
            staged = eng.stage(raw.mutate(**{c: raw[c].cast("string") for c in raw.columns}),
                               "voice_text")
            data = eng.to_arrow(staged)
        except Exception as exc:
            raise input_error(
                f"{file}: cannot read the file: {str(exc).splitlines()[0]}") from None
    finally:
        eng.close()
    scored = score_texts(data.column(text_col).to_pylist())
    result = data.append_column("sentiment", pa.array([s.label for s in scored], pa.string()))
    result = result.append_column("sentiment_score",
                                  pa.array([round(s.score, 4) for s in scored], pa.float64()))
    write_csv(result, output)
    counts = {lab: sum(s.label == lab for s in scored)
              for lab in ("negative", "neutral", "positive")}
    if json_out:
        emit_json({"rows": result.num_rows, "output": output, "sentiment": counts})
    elif output is not None:
        out.print(f"wrote {result.num_rows:,} rows to {output}: "
                  + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


@app.command("run")
@command
def run_cmd(workspace: WorkspaceOpt = None, engine: EngineOpt = None,
            json_out: JsonOpt = False) -> None:
    """Compute the workspace's voice tables: nps_summary (NPS with intervals overall, by month,
    touchpoint, channel, value category) and mentions_scored (sentiment of social mentions)."""
    from idic.interact.voice import stage

    with open_ws(workspace, engine=engine) as ws:
        summary = stage.run(ws)
    if json_out:
        emit_json(summary)
        return
    if summary.get("nps"):
        r = summary["nps"]
        out.print(f"NPS {r['nps']:.1f} (SE {r['se']:.1f}; 95% {r['ci_low']:.1f} to "
                  f"{r['ci_high']:.1f}) from {r['n']:,} answers; "
                  f"{summary['nps_summary']:,} rows in nps_summary")
    if "mentions_scored" in summary:
        acc = summary["accuracy_on_labelled"]
        out.print(f"{summary['mentions_scored']:,} mentions scored: "
                  + ", ".join(f"{v:,} {k}" for k, v in sorted(summary["sentiment"].items()))
                  + (f"; agreement with the {summary['labelled_mentions']:,} labelled: {acc:.1%}"
                     if acc is not None else ""))
    if not summary:
        out.print("no survey answers and no social mentions: nothing to score")
