"""The customer-strategy report: one self-contained HTML file a manager reads offline.

``build_report(ws, output)`` writes the summary (headline numbers and what changed), what to
do next (actions with customers and value at stake), value, cohorts and journeys, each with
Plotly figures. Plotly's JavaScript is embedded from the installed ``plotly`` package, so
the file needs no network: no ``<script src="http...">``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from idic.measure.sections import Section, all_sections

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from idic.workspace import Workspace

TEMPLATES = Path(__file__).with_name("templates")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def figure_html(fig: go.Figure, div_id: str | None = None) -> str:
    """A figure as a ``<div>`` + inline script, without Plotly's library (loaded once)."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG,
                       div_id=div_id)


def table_html(df: pd.DataFrame, currency: str = "") -> str:
    """A table for people (:func:`idic.format.frame`: labels, separators, units)."""
    from idic.format import frame

    return frame(df, currency=currency).to_html(index=False, border=0, classes="data",
                                                na_rep="", escape=True)


def plotly_js() -> str:
    """The minified plotly.js bundled with the installed plotly package."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=jinja2.select_autoescape(["html", "j2"]))


def render_sections(sections: list[Section]) -> list[dict[str, Any]]:
    """Sections with figures and tables turned into HTML fragments (for templates)."""
    out = []
    for s in sections:
        out.append({
            "key": s.key, "title": s.title, "available": s.available, "reason": s.reason,
            "intro": s.intro, "numbers": s.numbers, "bullets": s.bullets,
            "actions": s.actions, "errors": s.errors, "html": getattr(s, "html", []),
            "figures": [figure_html(f, f"{s.key}-fig-{i}") for i, f in enumerate(s.figures)],
            "tables": [(t, table_html(df, getattr(s, "currency", ""))) for t, df in s.tables],
        })
    return out


def build_report(ws: Workspace, output: Path | str, *, title: str | None = None,
                 compute: bool = True, refresh: bool = False, **measure: Any) -> Path:
    """Write the report of ``ws`` to ``output`` (one HTML file); returns its path.

    With ``compute`` (default) the measure tables (``kpis``, ``cohorts``) are built first when
    missing; ``refresh`` rebuilds them always (``measure``: options of
    :func:`idic.measure.stage.run`, e.g. ``period_days``, ``as_of``).
    """
    from idic import __version__

    output = Path(output)
    missing = not (ws.engine.has_table("kpis") and ws.engine.has_table("cohorts"))
    if refresh or (compute and missing):
        from idic.measure.stage import run

        run(ws, **measure)
    sections = all_sections(ws, compute=False)
    html = environment().get_template("report.html.j2").render(
        title=title or "Customer strategy report",
        workspace=str(ws.path), generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__, css=(TEMPLATES / "style.css").read_text(),
        plotly_js=plotly_js(), sections=render_sections(sections))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    return output


def report_summary(ws: Workspace, path: Path) -> dict[str, Any]:
    """What ``idic report --json`` prints: the file and the headline numbers."""
    from idic.measure.stage import read_kpis

    k = read_kpis(ws)
    head: dict[str, Any] = {}
    if k is not None:
        head = {m: (None if v != v else v) for m, v in k["current"].items()}
    return {"report": str(path), "bytes": path.stat().st_size, "kpis": head}
