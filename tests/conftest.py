"""Shared fixtures: real workspaces on real engines (DuckDB; Spark local mode when marked)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # pytest-xdist's workers start with COLUMNS=80 and LINES=24 (execnet), which makes the
    # CLI's Rich console wrap where a pipe would not: run as a plain pytest process does
    for _var in ("COLUMNS", "LINES"):
        os.environ.pop(_var, None)

from idic.workspace import Workspace  # (imported after the environment is set)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh DuckDB workspace in a temporary folder."""
    ws = Workspace.init(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def spark_workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A fresh workspace on the Spark engine (local mode)."""
    pytest.importorskip("pyspark")
    ws = Workspace.init(tmp_path / "ws-spark", engine="spark")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,000-customer demo workspace (generated, ingested, every stage run), built once.
    Read it, or copy it before changing it."""
    from idic.demo import run_demo

    path = tmp_path_factory.mktemp("small-demo") / "ws"
    run_demo(path, customers=1_000, seed=11)
    return path
