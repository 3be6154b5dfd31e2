"""When ``idic demo`` may replace a folder: only an *unchanged demo workspace*, or with --force.

A demo workspace is **unchanged** when all of these hold:

1. its ``workspace.json`` says ``"demo": true`` (written by ``idic demo`` before anything
   else);
2. it holds no top-level entry other than those the demo and the commands run on its data
   write (:data:`DEMO_ENTRIES`): so no API keys (``api-keys.json``), no erasure receipts, no
   file of the user's;
3. every load in ``ingest_log`` is one of the demo's own files (their SHA-256 are kept in
   ``workspace.json`` as ``demo_files``; a workspace built before they were kept: a file
   inside its ``demo-data/`` folder) — a file loaded by hand or events sent to the API make it
   changed;
4. no analyst decision is stored: no identity override (``idic identify merge/split``), no
   erasure tombstone (``idic privacy erase``).

``--force`` replaces any idic workspace (a folder with ``workspace.json``). A folder that is
not an idic workspace is never deleted, not even with ``--force``, unless it is empty; nor is
a file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from idic.errors import WorkspaceError
from idic.workspace import SETTINGS_FILE

#: what a demo workspace may hold at its top level and still count as unchanged: the demo's
#: own output, DuckDB's WAL, Spark's tables, the CLI's request markers, and the random key
#: for pseudonyms that ``idic serve`` creates on first use (nothing the user wrote)
DEMO_ENTRIES = frozenset({SETTINGS_FILE, "idic.duckdb", "idic.duckdb.wal", "spark", "demo-data",
                          "models", "report.html", ".idic-wants", ".idic-secret",
                          ".api-keys.lock"})
#: tables whose rows are decisions of a person, not of the demo
DECISION_TABLES = {"identity_overrides": "identity override(s) (idic identify merge/split)",
                   "tombstones": "erasure tombstone(s) (idic privacy erase)",
                   "audience_definitions": "audience version(s) (idic audiences create)",
                   "campaigns": "campaign(s) (idic campaigns create)",
                   "processing_restrictions": "restriction/objection record(s) (idic privacy "
                                              "restrict/object)",
                   "rectifications": "rectification(s) (idic privacy rectify)",
                   "customer_preferences": "remembered preference(s)"}
FORCE_HINT = "pass --force to replace it (everything in it is deleted), or another --workspace"


def record_demo_files(path: Path, files: list[Path]) -> None:
    """Keep the SHA-256 of the files the demo loads in ``workspace.json`` (``demo_files``)."""
    from idic.ingest.loader import file_sha256

    settings_path = path / SETTINGS_FILE
    settings = json.loads(settings_path.read_text())
    settings["demo_files"] = sorted({file_sha256(f) for f in files})
    settings_path.write_text(json.dumps(settings, indent=2))


def changes(path: Path) -> list[str]:
    """Why the demo workspace at ``path`` is not unchanged (empty: it is unchanged)."""
    settings = json.loads((path / SETTINGS_FILE).read_text())
    if not settings.get("demo"):
        return ["it is not a demo workspace (idic init made it)"]
    found: list[str] = []
    extra = sorted(p.name for p in path.iterdir() if p.name not in DEMO_ENTRIES)
    if "api-keys.json" in extra:
        found.append("it holds API keys (api-keys.json)")
        extra.remove("api-keys.json")
    if extra:
        found.append("it holds files the demo did not write: " + ", ".join(extra[:5])
                     + (", ..." if len(extra) > 5 else ""))
    found += _data_changes(path, settings)
    return found


def _data_changes(path: Path, settings: dict) -> list[str]:
    from idic.service.access import open_workspace

    own = set(settings.get("demo_files") or ())
    data_dir = (path / "demo-data").resolve()
    found: list[str] = []
    with open_workspace(path, read_only=True) as ws:
        log = ws.engine.to_pandas(ws.table("ingest_log").select("kind", "file", "file_sha256"))
        counts = {t: ws.engine.count(t) for t in DECISION_TABLES if ws.engine.has_table(t)}

    def is_demo(row: dict) -> bool:
        if own:
            return row["file_sha256"] in own
        return Path(str(row["file"])).resolve().is_relative_to(data_dir)

    foreign = [r for r in log.to_dict("records") if not is_demo(r)]
    if foreign:
        shown = ", ".join(f"{r['kind']} from {r['file']}" for r in foreign[:3])
        found.append(f"it holds {len(foreign)} load(s) that are not the demo's: {shown}"
                     + (", ..." if len(foreign) > 3 else ""))
    found += [f"it holds {n:,} {what}" for t, what in DECISION_TABLES.items()
              if (n := counts.get(t, 0))]
    return found


def clear_for_demo(path: Path, *, force: bool = False) -> None:
    """Make ``path`` ready for a new demo: delete an unchanged demo workspace (any idic
    workspace with ``force``); refuse (:class:`WorkspaceError`, exit 4) anything else."""
    if not path.exists():
        return
    if not path.is_dir():
        raise WorkspaceError(f"{path} is a file, not a folder; idic demo leaves it alone",
                             hint="pass another --workspace folder")
    if not any(path.iterdir()):
        return
    if not (path / SETTINGS_FILE).exists():
        raise WorkspaceError(f"{path} is not empty and is not an idic workspace (no "
                             f"{SETTINGS_FILE}); idic demo never deletes it, even with --force",
                             hint="pass an empty or new --workspace folder")
    if not force:
        why = changes(path)
        if why:
            raise WorkspaceError(f"{path} is not an unchanged demo workspace; refusing to "
                                 f"replace it: {'; '.join(why)}", hint=FORCE_HINT)
    shutil.rmtree(path)
