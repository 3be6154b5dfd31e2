"""``idic report``: write the customer-strategy report (one offline HTML file).

The lead registers it in :mod:`idic.cli.main`::

    from idic.cli.report import report_cmd
    app.command("report", help="Write the customer-strategy report (one HTML file).")(report_cmd)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from idic.cli.common import JsonOpt, WorkspaceOpt, command, console, emit_json, out, output_file

OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="HTML file to write")]


@command
def report_cmd(
    workspace: WorkspaceOpt = None,
    output: OutputOpt = Path("report.html"),
    json_: JsonOpt = False,
    period_days: Annotated[int, typer.Option(
        "--period-days", help="Length of the period compared with the previous one")] = 365,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Last day of the period (YYYY-MM-DD; default: the latest order)")] = None,
    refresh: Annotated[bool, typer.Option(
        "--refresh/--no-refresh",
        help="Recompute KPIs, equity, ROC and cohorts first (else reuse the kpis table)")] = True,
) -> None:
    """Measure the customer base (equity, ROC, KPIs, cohorts) and write the report."""
    from idic.config import get_settings
    from idic.errors import InputError
    from idic.measure.report import build_report, report_summary
    from idic.service.access import open_workspace

    if period_days < 1:
        raise InputError("--period-days must be at least 1")
    path = Path(workspace or get_settings().workspace)
    if not (path / "workspace.json").exists():
        from idic.errors import WorkspaceError

        raise WorkspaceError(f"{path} is not an idic workspace (no workspace.json)",
                             hint=f"create one with `idic demo --workspace {path}`")
    output_file(output)
    if not json_:
        console.print(f"measuring {path} and writing {output} ...", highlight=False)
    with open_workspace(path) as ws:
        written = build_report(ws, output, refresh=refresh, period_days=period_days,
                               as_of=as_of)
        info = report_summary(ws, written)
    if json_:
        emit_json(info)
        return
    k = info["kpis"]
    for label, key, kind in (("customer equity", "equity_end", "money"),
                             ("return on customer", "roc", "rate"),
                             ("retention", "retention_rate", "rate"),
                             ("active customers", "active_customers", "count")):
        v = k.get(key)
        if v is None:
            continue
        text = f"{v:.1%}" if kind == "rate" else f"{v:,.0f}"
        out.print(f"{label}: {text}", highlight=False)
    out.print(f"report: {written.resolve()}", highlight=False)
