"""``idic``: the command line. Thin over the library; one command group per module."""

from __future__ import annotations

import typer

from idic import __version__
from idic.cli.common import JsonOpt, command, emit_json, out
from idic.cli.core import demo_cmd, export_cmd, ingest_cmd, init_cmd, run_cmd, status_cmd

app = typer.Typer(
    name="idic",
    help="Customer strategy engine: Identify, Differentiate, Interact, Customize.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command("init", help="Create a workspace (folder + database + canonical tables).")(init_cmd)
app.command("ingest", help="Validate and load a file into a canonical table. Exit code 5: the "
            "file had rows and every one was quarantined.")(ingest_cmd)
app.command("status", help="Row counts, recent loads and quarantine counts.")(status_cmd)
app.command("export", help="Write any table (quarantine included) to CSV or Parquet.")(export_cmd)
app.command("run", help="Run every pipeline stage on the workspace's data.")(run_cmd)
app.command("demo", help="Generate the demo retailer, ingest it, run every stage. An existing "
            "folder is replaced only if it is an unchanged demo workspace (or with --force).")(
    demo_cmd)


def _register_commands() -> None:
    """Single commands of later stages (each a function in its module)."""
    import importlib

    for name, module, attr, help_ in (
        ("report", "idic.cli.report", "report_cmd",
         "Write the customer-strategy report (one offline HTML file)."),
        ("serve", "idic.cli.serve", "serve_cmd", "Serve the REST API and the dashboard."),
        ("personas", "idic.cli.segments", "personas_cmd",
         "Write one persona per needs segment, drawn from data (.html or .md)."),
        ("recommend", "idic.cli.segments", "recommend_cmd",
         "Items customers like this one bought (co-occurrence + segment), as JSON or text."),
    ):
        try:
            fn = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            continue
        app.command(name, help=help_)(fn)


def _register_groups() -> None:
    """Command groups of the IDIC stages (each a module with a Typer ``app``)."""
    import importlib

    for name, module in (("identify", "idic.cli.identify"), ("clv", "idic.cli.clv"),
                         ("value", "idic.cli.value"), ("segments", "idic.cli.segments"),
                         ("journeys", "idic.cli.journeys"),
                         ("voice", "idic.cli.voice"),
                         ("accounts", "idic.cli.accounts"), ("network", "idic.cli.network"),
                         ("audiences", "idic.cli.audiences"), ("campaigns", "idic.cli.campaigns"),
                         ("keys", "idic.cli.keys"), ("privacy", "idic.cli.privacy"),
                         ("experiment", "idic.cli.experiment"), ("uplift", "idic.cli.uplift"),
                         ("nba", "idic.cli.nba"),
                         ("pilot", "idic.cli.pilot"),
                         ("currency", "idic.cli.currency"),
                         ("tasks", "idic.cli.tasks")):
        try:
            sub = importlib.import_module(module).app
        except (ImportError, AttributeError):  # a stage not built yet
            continue
        app.add_typer(sub, name=name)


_register_commands()
_register_groups()


@app.command("version", help="Print the idic version.")
@command
def version_cmd(json_: JsonOpt = False) -> None:
    if json_:
        emit_json({"version": __version__})
    else:
        out.print(f"idic {__version__}")

