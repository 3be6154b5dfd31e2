"""Shared CLI plumbing: options, JSON output, one-line errors with a hint and an exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from idic.errors import IdicError, InputError, NotFoundError, WorkspaceError

if TYPE_CHECKING:
    from idic.workspace import Workspace

console = Console(stderr=True)
out = Console()

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="Workspace folder [env IDIC_WORKSPACE; default ./idic-workspace]"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (for scripts)")]
EngineOpt = Annotated[
    str | None, typer.Option("--engine", help="duckdb (default) or spark [env IDIC_ENGINE]")
]

EXIT_CODES: dict[type[IdicError], int] = {
    InputError: 2,
    NotFoundError: 3,
    WorkspaceError: 4,
}
#: `idic ingest`: the file had rows and every one was quarantined
EXIT_ALL_QUARANTINED = 5


def workspace_flag(workspace: Path | None) -> str:
    """`` --workspace DIR`` when the user gave one, for hints to repeat (else "")."""
    if workspace is None:
        return ""
    import shlex

    return f" --workspace {shlex.quote(str(workspace))}"


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one JSON document on stdout."""
    sys.stdout.write(json.dumps(obj, default=_default) + "\n")
    sys.stdout.flush()


@contextmanager
def open_ws(workspace: Path | None, *, engine: str | None = None,
            read_only: bool = False) -> Iterator[Workspace]:
    """Open the workspace for one command.

    On DuckDB this leaves a marker so a running `idic serve` lets go of the database file,
    and retries on a lock conflict (:func:`idic.service.access.open_workspace`); Spark has no
    such lock.
    """
    from idic.config import get_settings
    from idic.workspace import SETTINGS_FILE, Workspace

    path = Path(workspace or get_settings().workspace)
    if not (path / SETTINGS_FILE).exists():
        raise WorkspaceError(f"{path} is not an idic workspace (no {SETTINGS_FILE})",
                             hint=f"create it with `idic init --workspace {path}`")
    if engine == "spark":
        with Workspace.open(path, engine=engine) as ws:
            yield ws
        return
    from idic.service.access import open_workspace

    with open_workspace(path, read_only=read_only) as ws:
        yield ws


def exit_code(err: IdicError) -> int:
    for cls, code in EXIT_CODES.items():
        if isinstance(err, cls):
            return code
    return 1


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn idic errors into one red line (plus hint) on stderr and a meaningful exit code."""
    try:
        yield
    except IdicError as err:
        console.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        if err.hint:
            console.print(f"[dim]hint: {err.hint}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(exit_code(err)) from None


def command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run a command body inside :func:`handle_errors`."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with handle_errors():
            return fn(*args, **kwargs)

    return wrapper
