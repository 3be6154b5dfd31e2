"""Shared fixtures: real workspaces on real engines (DuckDB; Spark local mode when marked)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from idic.workspace import Workspace


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
