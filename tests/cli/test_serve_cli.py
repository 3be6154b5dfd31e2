"""`idic serve` safety: loopback unless told, a warning when told, proxy headers, hints that
name the workspace; files written by the CLI are the owner's only (0600, folders 0700)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.api.server import Server
from tests.privacy.fixtures import fresh
from typer.testing import CliRunner

from idic.cli.keys import app as keys_app
from idic.cli.main import app
from idic.privacy.keys import create_key


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    return calls


def test_non_loopback_needs_allow_remote_and_warns(tmp_path: Path, ran) -> None:
    ws = fresh(tmp_path / "ws")
    r = CliRunner().invoke(app, ["serve", "--workspace", str(ws), "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "--allow-remote" in r.output and ran == []
    r = CliRunner().invoke(app, ["serve", "--workspace", str(ws), "--host", "0.0.0.0",
                                 "--allow-remote"])
    assert r.exit_code == 0, r.output
    assert "warning" in r.output and "plain HTTP" in r.output
    assert ran[-1]["host"] == "0.0.0.0"
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        r = CliRunner().invoke(app, ["serve", "--workspace", str(ws), "--host", host])
        assert r.exit_code == 0 and "warning" not in r.output, host
    assert ran[-1]["proxy_headers"] is True and ran[-1]["forwarded_allow_ips"] == "127.0.0.1"
    CliRunner().invoke(app, ["serve", "--workspace", str(ws), "--no-proxy-headers",
                             "--forwarded-allow-ips", "10.0.0.5"])
    assert (ran[-1]["proxy_headers"], ran[-1]["forwarded_allow_ips"]) == (False, "10.0.0.5")


def test_login_hints_repeat_the_workspace(tmp_path: Path, ran) -> None:
    ws = fresh(tmp_path / "my shop")
    r = CliRunner().invoke(app, ["serve", "--workspace", str(ws)])
    assert f"idic keys create --role analyst --workspace '{ws}'" in r.output
    r = CliRunner().invoke(keys_app, ["create", "--role", "analyst", "--workspace", str(ws)])
    assert r.exit_code == 0 and f"idic serve --workspace '{ws}'" in r.output


def test_proxy_headers_make_the_session_cookie_secure(tmp_path: Path) -> None:
    ws = fresh(tmp_path / "ws")
    key = create_key(ws, "admin")["key"]
    https = {"X-Forwarded-Proto": "https"}
    for args, secure in (((), True), (("--no-proxy-headers",), False),
                         (("--no-proxy-headers", "--secure-cookies"), True)):
        srv = Server(ws, args=args).start()
        try:
            r = httpx.post(srv.url + "/login", data={"key": key}, headers=https)
            assert r.status_code == 303
            assert ("secure" in r.headers["set-cookie"].lower()) is secure, args
        finally:
            srv.stop()


def _modes(root: Path) -> dict[str, str]:
    out = {}
    for p in [root, *root.rglob("*")]:
        out[str(p.relative_to(root.parent))] = oct(stat.S_IMODE(p.stat().st_mode))
    return out


def test_files_written_by_the_cli_are_private(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    csv = tmp_path / "identities.csv"
    csv.write_text("source,source_record_id,email\nweb,W1,ann@example.com\n")
    os.chmod(csv, 0o644)

    def idic(*args: str) -> None:
        subprocess.run([sys.executable, "-c", "from idic.cli.main import app; app()", *args],
                       check=True, capture_output=True, preexec_fn=lambda: os.umask(0o022))

    idic("init", "--workspace", str(ws))
    idic("ingest", "identities", str(csv), "--workspace", str(ws))
    idic("export", "identities", "-o", str(ws / "exports" / "ids.csv"), "--workspace", str(ws))
    idic("export", "identities", "-o", str(tmp_path / "out.csv"), "--workspace", str(ws))
    modes = _modes(ws)
    assert modes["ws"] == "0o700" and modes["ws/idic.duckdb"] == "0o600"
    assert modes["ws/exports/ids.csv"] == "0o600" and modes["ws/exports"] == "0o700"
    loose = {p: m for p, m in modes.items() if int(m, 8) & 0o077}
    assert loose == {}
    assert oct(stat.S_IMODE((tmp_path / "out.csv").stat().st_mode)) == "0o600"
