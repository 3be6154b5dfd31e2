"""The demo's own files load with nothing lost: no quarantine, no warning, and every text
value (orders.items is JSON full of doubled quotes) stored exactly as the file holds it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from idic.datasets.demo import generate
from idic.workspace import Workspace


def test_demo_files_load_with_no_warning_and_items_intact(workspace: Workspace,
                                                          tmp_path: Path) -> None:
    manifest = generate(tmp_path / "data", customers=300, seed=3)
    for kind, name in manifest.files.items():
        r = workspace.ingest(kind, tmp_path / "data" / name)
        assert (r.quarantined, r.duplicates, r.warnings) == (0, 0, 0), kind
    assert workspace.engine.count("ingest_warnings") == 0

    with open(tmp_path / "data" / manifest.files["orders"], newline="") as f:
        want = {row["order_id"]: row["items"] for row in csv.DictReader(f)}
    stored = workspace.table("orders").select("order_id", "items").to_pyarrow().to_pydict()
    got = dict(zip(stored["order_id"], stored["items"], strict=True))
    assert got == want and len(got) > 100
    items = [json.loads(v) for v in got.values()]  # every one parses
    assert all(isinstance(i, list) and {"sku", "category", "qty", "price"} <= i[0].keys()
               for i in items)
