"""``idic serve``: the REST API (and dashboard, when installed) on uvicorn.

Plain HTTP on the loopback interface by default. Any other host needs ``--allow-remote``
and prints a warning: keys and session cookies would cross the network in clear text unless
a TLS proxy sits in front (``--proxy-headers`` then trusts its ``X-Forwarded-Proto`` from
``--forwarded-allow-ips``, so the session cookie is marked ``Secure``).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from idic.cli.common import WorkspaceOpt, command, console, out
from idic.errors import InputError


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def workspace_flag(workspace: Path | None) -> str:
    """`` --workspace DIR`` when one was given (hints must name the same workspace)."""
    import shlex

    return f" --workspace {shlex.quote(str(workspace))}" if workspace is not None else ""


@command
def serve_cmd(
    workspace: WorkspaceOpt = None,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "warning",
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Listen on a non-loopback host (plain HTTP: put a TLS proxy "
        "in front)")] = False,
    proxy_headers: Annotated[bool, typer.Option(
        help="Trust X-Forwarded-Proto/-For from --forwarded-allow-ips (a TLS proxy): "
        "the session cookie is then Secure")] = True,
    forwarded_allow_ips: Annotated[str, typer.Option(
        help="Comma-separated proxy addresses whose forwarded headers are trusted")
    ] = "127.0.0.1",
    secure_cookies: Annotated[bool, typer.Option(
        "--secure-cookies", help="Always mark the session cookie Secure (HTTPS only)")
    ] = False,
) -> None:
    import uvicorn

    from idic.api import create_app
    from idic.api.settings import ApiSettings
    from idic.config import get_settings

    if not is_loopback(host) and not allow_remote:
        raise InputError(f"--host {host} would serve the API and its keys over plain HTTP "
                         "beyond this machine",
                         hint="keep the default 127.0.0.1 behind a TLS proxy, or pass "
                         "--allow-remote if you really mean it")
    path = Path(workspace or get_settings().workspace)
    app = create_app(path, ApiSettings(gc_freeze=True, secure_cookies=secure_cookies))
    if not is_loopback(host):
        console.print(f"[bold yellow]warning:[/] listening on {host} over plain HTTP: API "
                      "keys and session cookies cross the network unencrypted; put a TLS "
                      "proxy in front (see docs/api.md)", highlight=False, soft_wrap=True)
    out.print(f"idic API on http://{host}:{port} (docs /docs), workspace {path}\n"
              f"dashboard: http://{host}:{port}/ - sign in with a key from "
              f"`idic keys create --role analyst{workspace_flag(workspace)}`",
              highlight=False, soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                proxy_headers=proxy_headers, forwarded_allow_ips=forwarded_allow_ips)


app = typer.Typer(help="Serve the REST API.", no_args_is_help=False)
app.command("serve", help="Serve the REST API (and dashboard) for a workspace.")(serve_cmd)
