"""docs/cli.md is generated from the CLI's own --help texts (Typer's `utils docs`), so the
reference never drifts from the code. Regenerate it with
`python -m typer idic.cli.main utils docs --name idic --output docs/cli.md`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "cli.md"
    subprocess.run([sys.executable, "-m", "typer", "idic.cli.main", "utils", "docs",
                    "--name", "idic", "--output", str(out)], check=True, capture_output=True)
    assert out.read_text() == DOCS.read_text(), (
        "docs/cli.md is stale: run `python -m typer idic.cli.main utils docs --name idic "
        "--output docs/cli.md`")
