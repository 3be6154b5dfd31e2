"""Shared CLI plumbing: options, JSON output, one-line errors with a hint and an exit code."""

from __future__ import annotations

import json
import os
import re
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
    import ibis.expr.types as ir
    import pyarrow as pa

    from idic.workspace import Workspace

#: width of a console that is not a terminal (a pipe or a file): wide enough that Rich
#: never wraps a line or truncates a table column, as a script reading the output expects
UNBOUNDED_WIDTH = 100_000


def make_console(*, stderr: bool = False) -> Console:
    """A Rich console: the terminal's width on a terminal; unbounded width when the stream is
    a pipe or a file (else Rich wraps at 80 columns and cuts table cells with "…").
    ``COLUMNS`` in the environment still wins."""
    c = Console(stderr=stderr)
    if not c.is_terminal and not os.environ.get("COLUMNS"):
        c.width = UNBOUNDED_WIDTH
    return c


console = make_console(stderr=True)
out = make_console()

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


def output_file(path: Path) -> Path:
    """Check, before any work, that the output file ``path`` can be written.

    Missing parent folders are created (as ``export`` always did); a path that still cannot
    be written (a file where a folder should be, no permission, ``/proc``...) raises a
    one-line :class:`InputError` naming it. An existing file is left as it was.
    """
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "it is a folder, not a file")
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with open(path, "ab"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}",
                         hint="give an --output file in a folder you can write to") from None
    return path


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
    except OSError as err:  # a file that could not be read or written: name it, no traceback
        if err.filename is None:
            raise
        console.print(f"[bold red]error:[/] {err.filename}: {err.strerror or err}",
                      highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run a command body inside :func:`handle_errors`."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from idic.fsperm import private_umask

        private_umask()  # every file a command writes (database, reports, exports): 0600
        with handle_errors():
            return fn(*args, **kwargs)

    return wrapper


# -- plain files in and out (the file commands: `idic value ...`, `idic voice ...`) --

def open_file(path: Path) -> tuple[Any, ir.Table]:
    """An in-memory DuckDB engine and the file staged as text columns."""
    from idic.engine.local import open_local_file

    return open_local_file(path)


def need_columns(t: ir.Table, path: Path, *cols: str | None) -> None:
    """An input error naming the file and the columns when one of ``cols`` is missing."""
    for c in cols:
        if c is not None and c not in t.columns:
            raise _input_error(f"{path}: column {c!r} not found",
                               hint=f"the columns are: {', '.join(t.columns)}")


def write_csv(table: pa.Table, output: Path | None) -> None:
    """Plain CSV as spreadsheets write it: quotes only around values that need them."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if _needs_quotes(table):
        # by hand, not csv.writer: with "\n" line ends Python 3.11's writer leaves a lone
        # "\r" unquoted, and a reader then splits the row there
        cols = [c.to_pylist() for c in table.columns]
        lines = [_csv_row(table.column_names)]
        lines += [_csv_row(row) for row in zip(*cols, strict=True)]
        body = "".join(lines).encode()
    else:  # fast path: Arrow's writer, no quoting needed
        header = ",".join(table.column_names) + "\n"
        sink = pa.BufferOutputStream()
        if table.num_rows:
            pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False,
                                                            quoting_style="none"))
        body = header.encode() + sink.getvalue().to_pybytes()
    if output is None:
        sys.stdout.write(body.decode())
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(body)


_SPECIAL = re.compile(r'[,"\n\r]')


def _csv_row(values) -> str:
    """One RFC 4180 row: quotes around values with a comma, quote or line break."""
    cells = ["" if v is None else str(v) for v in values]
    if cells == [""]:
        return '""\n'  # a lone empty cell, else the row would read as a blank line
    return ",".join('"' + c.replace('"', '""') + '"' if _SPECIAL.search(c) else c
                    for c in cells) + "\n"


def _needs_quotes(table: pa.Table) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    special = r'[,"\n\r]'
    if any(re.search(special, c) for c in table.column_names):
        return True
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            hit = pc.any(pc.match_substring_regex(col, special)).as_py()
            if hit:
                return True
    return False


def _input_error(message: str, *, hint: str | None = None) -> InputError:
    """An :class:`InputError` with a hint (as ``differentiate.value._common.input_error``)."""
    err = InputError(message)
    if hint is not None:
        err.hint = hint
    return err
