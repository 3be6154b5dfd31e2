"""Run ``idic serve`` (the real CLI command on a real uvicorn) on 127.0.0.1 in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

LAUNCH = ("import typer; from idic.cli.serve import serve_cmd; "
          "typer.run(serve_cmd)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workspace: Path, port: int | None = None,
                 args: tuple[str, ...] = ()) -> None:
        self.workspace = workspace
        self.args = args
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Server:
        # stderr to a file: a pipe nobody reads would block the server once 64 KB of logs
        self.log = tempfile.NamedTemporaryFile(prefix="idic-serve-", suffix=".log")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "--workspace", str(self.workspace),
             "--host", "127.0.0.1", "--port", str(self.port), *self.args],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.stderr()[-2000:])
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stderr(self) -> str:
        """What the server wrote on stderr so far (logs, tracebacks)."""
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush: a crash."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
