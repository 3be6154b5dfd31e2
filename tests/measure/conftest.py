"""The small real workspace (see :mod:`tests.measure.data`), built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.measure.data import build_workspace


@pytest.fixture(scope="session")
def small_ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_workspace(tmp_path_factory.mktemp("measure") / "ws")
