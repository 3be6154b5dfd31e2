"""Sharing one workspace between ``idic serve`` and CLI commands (DuckDB's file lock).

DuckDB lets one process open the database read-write, and then no other process can open
it at all. idic's rule: **nobody holds the file longer than a unit of work**.

- :func:`open_workspace` (CLI side) opens with retry and backoff on a lock conflict, and
  while it waits or works it leaves a *request marker* ``.idic-wants/<pid>-<id>`` in the
  workspace folder.
- :class:`WorkspaceGate` (server side) opens the workspace lazily for a unit of work, shares
  that one connection between the server's threads (serialised), closes it after a short
  idle time, and closes it after the current unit of work whenever another process has left
  a request marker, waiting (bounded) before reopening. So a CLI command waits at most one
  unit of work (milliseconds to a second), never meets a lock error.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from idic.errors import WorkspaceError
from idic.workspace import Workspace

WANTS_DIR = ".idic-wants"


def is_lock_error(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    text = str(cause).lower()
    return isinstance(exc, WorkspaceError) and ("lock" in text or "conflicting" in text)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def others_waiting(path: Path) -> bool:
    """True if another live process has asked for the workspace (request markers)."""
    d = Path(path) / WANTS_DIR
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        return False
    me = os.getpid()
    for n in names:
        try:
            pid = int(n.split("-", 1)[0])
        except ValueError:
            continue
        if pid == me:
            continue
        if _pid_alive(pid):
            return True
        with suppress(FileNotFoundError):
            (d / n).unlink()  # stale marker of a dead process
    return False


def open_with_retry(path: Path, *, read_only: bool = False, timeout: float = 60.0) -> Workspace:
    """``Workspace.open`` retried with exponential backoff while another process holds it."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            return Workspace.open(path, read_only=read_only)
        except WorkspaceError as exc:
            if not is_lock_error(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


@contextmanager
def open_workspace(path: Path | str, *, read_only: bool = False,
                   timeout: float = 60.0) -> Iterator[Workspace]:
    """Open the workspace for one command, politely: marker, retry, close, unmark."""
    path = Path(path)
    d = path / WANTS_DIR
    marker = d / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    if (path / "workspace.json").exists():
        d.mkdir(exist_ok=True)
        marker.touch()
    try:
        ws = open_with_retry(path, read_only=read_only, timeout=timeout)
        try:
            yield ws
        finally:
            ws.close()
    finally:
        with suppress(FileNotFoundError):
            marker.unlink()


class WorkspaceGate:
    """The server's one door to the workspace file (see the module docstring)."""

    def __init__(self, path: Path, *, idle_seconds: float = 0.5, yield_seconds: float = 60.0,
                 open_timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.idle_seconds = idle_seconds
        self.yield_seconds = yield_seconds
        self.open_timeout = open_timeout
        self._lock = threading.RLock()
        self._ws: Workspace | None = None
        self._depth = 0
        self._last = 0.0
        self._generation = 0
        self._id_generation = 0
        self._spare_identities = False
        self._stop = threading.Event()
        self._closer = threading.Thread(target=self._close_idle, daemon=True,
                                        name="idic-gate-closer")
        self._closer.start()

    @property
    def generation(self) -> int:
        """Bumped by every write through the gate and every reopen (for caches)."""
        return self._generation

    @property
    def identity_generation(self) -> int:
        """Like :attr:`generation`, but not bumped by writes that declared (with
        :meth:`identities_untouched`) that they left ``identities``, ``identity_map`` and
        ``customers`` alone: the lookup index depends on those tables only."""
        return self._id_generation

    def bump(self) -> None:
        self._generation += 1
        self._id_generation += 1

    def identities_untouched(self) -> None:
        """Inside a ``use(write=True)``: this unit of work wrote no identity table (e.g. a
        batch of events without identify calls). Anything not declared counts as written."""
        self._spare_identities = True

    @contextmanager
    def use(self, *, write: bool = False) -> Iterator[Workspace]:
        with self._lock:
            if self._ws is None:
                deadline = time.monotonic() + self.yield_seconds
                while others_waiting(self.path) and time.monotonic() < deadline:
                    time.sleep(0.02)  # let the CLI command in first
                self._ws = open_with_retry(self.path, timeout=self.open_timeout)
                self.bump()  # someone else may have written meanwhile
            self._depth += 1
            if self._depth == 1:
                self._spare_identities = False
            try:
                yield self._ws
            finally:
                self._depth -= 1
                self._last = time.monotonic()
                if write:
                    self._generation += 1
                    if not self._spare_identities:
                        self._id_generation += 1
                    self._spare_identities = False  # a declaration covers one unit only
                if self._depth == 0 and others_waiting(self.path):
                    self._close()

    def exclusive_close(self) -> None:
        """Close the file now (call inside :meth:`use`); the next unit of work reopens it."""
        with self._lock:
            self._close()
            self.bump()

    def _close(self) -> None:
        if self._ws is not None:
            with suppress(Exception):
                self._ws.close()
            self._ws = None

    def _close_idle(self) -> None:
        while not self._stop.wait(0.05):
            if self._ws is None:
                continue
            idle = time.monotonic() - self._last > self.idle_seconds
            if (idle or others_waiting(self.path)) and self._lock.acquire(blocking=False):
                try:
                    if self._depth == 0:
                        self._close()
                finally:
                    self._lock.release()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._close()

    @property
    def is_open(self) -> bool:
        return self._ws is not None
