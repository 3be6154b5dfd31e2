"""A copy of the 1,000-customer demo with the voice stage's summary saved next to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from idic.interact.voice.stage import run
from idic.workspace import Workspace


@pytest.fixture(scope="session")
def voice_demo(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice-demo") / "ws"
    shutil.copytree(small_demo, path)
    ws = Workspace.open(path)
    try:
        s = run(ws)
    finally:
        ws.close()
    (path / "voice.json").write_text(json.dumps(s, default=str))
    return path


