"""``idic serve``: the REST API (and dashboard, when installed) on uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from idic.cli.common import WorkspaceOpt, command, out


@command
def serve_cmd(
    workspace: WorkspaceOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
) -> None:
    import uvicorn

    from idic.api import create_app
    from idic.api.settings import ApiSettings
    from idic.config import get_settings

    path = Path(workspace or get_settings().workspace)
    app = create_app(path, ApiSettings(gc_freeze=True))
    out.print(f"idic API on http://{host}:{port} (docs /docs), workspace {path}")
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


app = typer.Typer(help="Serve the REST API.", no_args_is_help=False)
app.command("serve", help="Serve the REST API (and dashboard) for a workspace.")(serve_cmd)
