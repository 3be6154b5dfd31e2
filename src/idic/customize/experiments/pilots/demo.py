"""The demo's back-dated pilot (:mod:`idic.datasets.demo_pilot`): planned on the workspace
right after identify (orders before the start only), its incremental orders drawn for the
test customers and loaded, then evaluated after every stage and compared with the truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from idic.datasets import demo_pilot as dpi

if TYPE_CHECKING:
    from idic.workspace import Workspace


def plant(ws: Workspace, data_dir: Path, seed: int) -> Path | None:
    """Plan the pilot, write its incremental orders (``pilot_orders.csv``) and its truth
    (``truth/pilot.json``); returns the orders file to load (None without identify)."""
    from idic.customize.experiments.pilots.plan import make_plan
    from idic.customize.experiments.pilots.store import save_plan
    from idic.datasets.demo_util import rng_for

    data_dir = Path(data_dir)
    truth_ids = data_dir / "truth" / "identity_truth.parquet"
    if not ws.engine.has_table("identity_map") or not truth_ids.exists():
        return None
    start = pd.Timestamp(dpi.start_s(), unit="s", tz="UTC").date()
    plan = make_plan(ws, name=dpi.NAME, unit="customer", share=dpi.SHARE, waves=dpi.WAVES,
                     stratify=list(dpi.STRATIFY), seed=seed, start=start)
    save_plan(ws, plan)
    records = ws.engine.to_pandas(ws.table("identity_map")).merge(
        pq.read_table(truth_ids).to_pandas(), on=["source", "source_record_id"])
    persons = pq.read_table(data_dir / "truth" / "persons.parquet").to_pandas()
    test = plan.units.unit_id[plan.units.wave == 1].astype(str).tolist()
    table, truth = dpi.make_pilot_orders(rng_for(seed, dpi.STREAM), test, records, persons)
    truth["plan_draw"] = plan.draw
    truth["plan_max_abs_smd"] = plan.max_abs_smd
    path = data_dir / dpi.FILE
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    (data_dir / dpi.TRUTH_FILE).write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
    return path


def pilot_vs_truth(ws: Workspace, data_dir: Path) -> dict[str, Any] | None:
    """Evaluate and save the demo pilot; planted vs measured incremental cash flow per test
    customer (difference-in-differences with its bootstrap interval)."""
    from idic.customize.experiments.pilots.evaluate import evaluate
    from idic.customize.experiments.pilots.store import pilot_names, save_evaluation

    path = Path(data_dir) / dpi.TRUTH_FILE
    if not path.exists() or dpi.NAME not in pilot_names(ws):
        return None
    truth = json.loads(path.read_text())
    res = evaluate(ws, dpi.NAME)
    save_evaluation(ws, dpi.NAME, res)
    e = res["effects"]["cash_flow_per_unit"]
    lo, hi = e["ci"]
    planted = truth["cash_flow_per_test_unit"]
    return {"measured": e["did"], "ci": [lo, hi], "planted": planted,
            "found": lo is not None and hi is not None and lo <= planted <= hi,
            "unit": "cash flow per test customer", "roc_did": res["effects"]["roc"]["did"],
            "roc_ci": res["effects"]["roc"]["ci"]}
