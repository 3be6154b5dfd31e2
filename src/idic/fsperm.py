"""Files holding personal data are readable by their owner only.

One mechanism rather than a ``chmod`` per call site: :func:`private_umask` sets the process
umask to 077, so everything idic writes afterwards (the DuckDB file, reports, demo data,
exports, the spool, erasure rewrites) is created 0600 and folders 0700. The CLI sets it
for every command and the API for the server process. :func:`private_dir` makes a workspace
folder 0700, so what an older version or another tool wrote inside is not reachable either.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077


def private_umask() -> None:
    """New files 0600, new folders 0700, for the rest of this process."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> None:
    """``chmod 700`` a folder we own (quietly skipped when we may not)."""
    try:
        if Path(path).is_dir() and (Path(path).stat().st_mode & 0o077):
            os.chmod(path, 0o700)
    except PermissionError:
        pass
