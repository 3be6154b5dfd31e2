"""The "Needs and personas" section of the report and the dashboard's segments page."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd

from idic.measure.sections import Number, Section, guarded

if TYPE_CHECKING:
    from idic.workspace import Workspace


@guarded("needs", "Needs and personas")
def needs(ws: Workspace) -> Section:
    """Segment sizes, names and traits; category lifts; golden questions."""
    from idic.charts.needs import lift_figure

    s = Section("needs", "Needs and personas",
                intro="Needs-based segments from what customers buy, look at and where "
                      "(a Dirichlet-multinomial mixture, number of segments by BIC).")
    eng = ws.engine
    if not eng.has_table("segments_profile") or not eng.count("segments_profile"):
        s.available, s.reason = False, "stage not run: `idic segments run` builds it"
        return s
    prof = ws.to_pandas("segments_profile").sort_values("segment")
    seg = ws.table("segments")
    n = eng.count("segments")
    und = int(seg.filter(seg.segment == "undetermined").count().to_pyarrow().as_py())
    s.numbers.append(Number("Needs segments", str(len(prof))))
    s.numbers.append(Number("Customers segmented", f"{n - und:,}"))
    s.numbers.append(Number("Too little data (undetermined)", f"{und:,}"))
    for r in prof.to_dict("records"):
        top = sorted(json.loads(r["category_mix"]).items(), key=lambda x: -x[1])[:2]
        s.bullets.append(f"{r['segment']} {r['segment_name']}: {r['size']:,} customers, "
                         + ", ".join(f"{c} {v:.0%}" for c, v in top)
                         + f" of spend, {r['web_share']:.0%} online"
                         + (f", NPS {r['nps']:+.0f}" if pd.notna(r.get("nps")) else ""))
    s.figures.append(lift_figure(prof))
    cols = ["segment", "segment_name", "size", "orders_per_customer", "spend_per_customer",
            "web_share", "clv_mean", "nps"]
    s.tables.append(("Segment profiles", prof[[c for c in cols if c in prof.columns]]
                     .round(3)))
    return s
