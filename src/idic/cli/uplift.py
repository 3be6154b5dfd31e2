"""``idic uplift``: evaluate a targeting score on a randomised campaign (Qini, uplift
curve, uplift at k) and fit uplift models. Logic: :mod:`idic.customize.experiments.uplift`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, command, emit_json, out, output_file
from idic.errors import InputError

app = typer.Typer(
    name="uplift",
    help="Uplift: who responds because they were treated (Qini curves, uplift models).",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="One row per unit (.csv, .parquet, .jsonl)")]
OutcomeCol = Annotated[str, typer.Option("--outcome-col", help="Outcome: 0/1 or a number")]
TreatmentCol = Annotated[str, typer.Option("--treatment-col",
                                           help="1 = treated, 0 = control (randomised)")]


def _read(file: Path, cols: list[str], binary: list[str]) -> dict[str, Any]:
    from idic.customize.experiments.loading import open_results, read_columns

    eng, t = open_results(file)
    try:
        return read_columns(eng, t, cols, source=str(file), binary=binary)
    finally:
        eng.close()


def _print_eval(res: dict[str, Any], title: str) -> None:
    tab = Table(title=title)
    tab.add_column("measure")
    tab.add_column("value", justify="right")
    tab.add_row("units (treated / control)",
                f"{res['n']:,} ({res['treated']:,} / {res['control']:,})")
    tab.add_row("Qini coefficient (1 perfect, 0 random)", f"{res['qini_auc']:.4f}")
    if res["uplift_auc"] is not None:
        tab.add_row("area under the uplift curve (normalised)", f"{res['uplift_auc']:.4f}")
    tab.add_row("incremental responses, all treated", f"{res['qini_curve'][-1]:,.1f}")
    for k, v in res["uplift_at_k"].items():
        tab.add_row(f"uplift in the top {float(k):.0%}",
                    "-" if v is None else (f"{v * 100:+.2f} pts" if res["binary_outcome"]
                                           else f"{v:+,.4g}"))
    out.print(tab)


@app.command("evaluate")
@command
def evaluate_cmd(
    file: FileArg, outcome_col: OutcomeCol, treatment_col: TreatmentCol,
    score_col: Annotated[str, typer.Option("--score-col",
                                           help="Predicted uplift: higher = target first")],
    max_points: Annotated[int, typer.Option(
        "--max-points", help="At most this many curve points in the output (0: all)")] = 1000,
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Also write the Qini curve as an offline HTML chart (Plotly)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Qini and uplift curves of a score, their normalised areas (as scikit-uplift's
    qini_auc_score / uplift_auc_score) and the uplift in the top 10/20/30%. JSON:
    qini_curve, qini_x, qini_auc, uplift_curve, uplift_auc, uplift_at_k."""
    from idic.customize.experiments.uplift import evaluate

    if max_points < 0:
        raise InputError("--max-points must be 0 (all) or positive")
    if chart is not None:
        from idic.cli.experiment import _chart_path

        _chart_path(chart)
    d = _read(file, [outcome_col, treatment_col, score_col], [treatment_col])
    res = evaluate(d[outcome_col], d[score_col], d[treatment_col], max_points=max_points or None)
    if chart is not None:
        from idic.charts.experiments import qini_figure

        qini_figure(res, title=f"Qini curve of {score_col}",
                    outcome=outcome_col).write_html(chart, include_plotlyjs=True)
    if json_out:
        emit_json(res)
    else:
        _print_eval(res, f"{score_col} on {file.name}")


@app.command("fit")
@command
def fit_cmd(
    file: FileArg, outcome_col: OutcomeCol, treatment_col: TreatmentCol,
    features: Annotated[str, typer.Option("--features", help="Feature columns, comma-separated")],
    output: Annotated[Path, typer.Option("--output", "-o",
                                         help="Write the scores here (.csv or .parquet)")],
    method: Annotated[str, typer.Option(
        "--method", help="two-model or class-transformation (0/1 outcome)")] = "two-model",
    holdout: Annotated[float, typer.Option(
        "--holdout", help="Share of units kept out of fitting to evaluate the model")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the holdout split")] = 0,
    json_out: JsonOpt = False,
) -> None:
    """Fit an uplift model (scikit-learn logistic regression inside), score every unit
    (column uplift_score, with in_holdout) and evaluate on the holdout."""
    import numpy as np
    import pyarrow as pa

    from idic.customize.experiments.uplift import ClassTransformation, TwoModel, evaluate

    models = {"two-model": TwoModel, "class-transformation": ClassTransformation}
    if method not in models:
        raise InputError(f"unknown method {method!r}", hint=", ".join(models))
    if not 0 < holdout < 1:
        raise InputError(f"--holdout must be between 0 and 1, got {holdout}")
    if output.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"{output}: expected a .csv or .parquet file name")
    output_file(output)
    feats = [f.strip() for f in features.split(",") if f.strip()]
    if not feats:
        raise InputError("give at least one --features column")
    d = _read(file, [outcome_col, treatment_col, *feats], [treatment_col])
    x = np.column_stack([d[f] for f in feats])
    y, t = d[outcome_col], d[treatment_col]
    test = np.random.default_rng(seed).random(len(y)) < holdout
    model = models[method]().fit(x[~test], y[~test], t[~test])
    score = model.predict(x)
    res = evaluate(y[test], score[test], t[test], max_points=200)
    table = pa.table({"row": np.arange(1, len(y) + 1), "uplift_score": score,
                      "in_holdout": test})
    if output.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, output)
    else:
        import pyarrow.parquet as pq

        pq.write_table(table, output)
    summary = {"method": method, "features": feats, "output": str(output),
               "holdout": {"n": int(test.sum()), "qini_auc": res["qini_auc"],
                           "uplift_at_k": res["uplift_at_k"]}}
    if json_out:
        emit_json(summary)
    else:
        _print_eval(res, f"{method} uplift model on the {holdout:.0%} holdout of {file.name}")
        out.print(f"wrote {len(y):,} scores to {output}")
