"""The journeys stage: taxonomy, touchpoints, journeys, paths and moments, as tables.

``run(ws)`` is idempotent (it replaces its tables): ``touchpoints``, ``journeys``,
``journey_paths`` (the aggregated-path format) and ``moments`` (one row per touchpoint and
outcome).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from idic.interact.journeys.moments import moments
from idic.interact.journeys.service import summary_counts
from idic.interact.journeys.sessions import JourneySpec, aggregate_paths, journeys, touchpoints
from idic.interact.journeys.taxonomy import Taxonomy, load_rules

if TYPE_CHECKING:
    from idic.workspace import Workspace

TABLES = ("touchpoints", "journeys", "journey_paths", "moments")


def run(ws: Workspace, *, session_gap: str | float = "30m", lookback: str | float = "30d",
        conversion_events: list[str] | tuple[str, ...] | None = None,
        rules: str | Path | Taxonomy | None = None, min_exposed: int = 30) -> dict[str, Any]:
    """Build the journey tables of ``ws`` and return a summary (counts, pain points, ...)."""
    tax = rules if isinstance(rules, Taxonomy) else load_rules(rules)
    spec = JourneySpec(session_gap=session_gap, lookback=lookback,
                       conversion_events=tuple(conversion_events or ()))
    eng = ws.engine
    eng.create_table("touchpoints", touchpoints(eng, spec, tax))
    tp = ws.table("touchpoints")
    eng.create_table("journeys", journeys(tp))
    jr = ws.table("journeys")
    eng.create_table("journey_paths", aggregate_paths(jr))
    frames = [moments(tp, outcome=o, unit=u, min_exposed=min_exposed, taxonomy=tax)
              for o, u in (("conversion", "journey"), ("retention", "journey"),
                           ("conversion", "session"))]
    mt = pd.concat([f for f in frames if not f.empty], ignore_index=True) if any(
        not f.empty for f in frames) else frames[0]
    mt = mt.astype({"moment_of_truth": bool})
    for c in ("touchpoint", "stage", "channel", "sentiment", "outcome", "kind", "baseline", "unit"):
        mt[c] = mt[c].astype("string")
    float_cols = [c for c in mt.columns if c not in
                  ("touchpoint", "stage", "channel", "sentiment", "outcome", "kind", "baseline", "unit",
                   "moment_of_truth")]
    mt[float_cols] = mt[float_cols].astype("float64")
    eng.create_table("moments", mt)
    out: dict[str, Any] = {"touchpoints": eng.count("touchpoints"), **summary_counts(ws, jr),
                           "paths": eng.count("journey_paths")}
    # touches by owner (brand / partner / customer / social-external; Lemon & Verhoef 2016)
    by_owner = eng.to_pandas(tp.group_by("owner").aggregate(n=tp.count()))
    total = int(by_owner["n"].sum()) if len(by_owner) else 0
    out["touch_share_by_owner"] = {str(r.owner): round(int(r.n) / total, 4)
                                   for r in by_owner.sort_values("owner").itertuples()} \
        if total else {}
    def part(outcome: str, unit: str) -> pd.DataFrame:
        return mt[(mt["outcome"] == outcome) & (mt["unit"] == unit)] if not mt.empty else mt

    for name, df in (("conversion", part("conversion", "journey")),
                     ("retention", part("retention", "journey")),
                     ("session_conversion", part("conversion", "session"))):
        out[f"pain_points_{name}"] = [] if df.empty else \
            df[df["kind"] == "pain_point"].sort_values("impact")["touchpoint"].tolist()
        out[f"love_points_{name}"] = [] if df.empty else \
            df[df["kind"] == "love_point"].sort_values("impact", ascending=False)[
                "touchpoint"].tolist()
    # moments of truth: conversion effects before the purchase, retention effects after it
    post = {st for st, ph in tax.stage_phase.items() if ph == "post-purchase"}
    conv_j, ret_j = part("conversion", "journey"), part("retention", "journey")
    chosen = pd.concat([conv_j[~conv_j["stage"].isin(post)], ret_j[ret_j["stage"].isin(post)]])
    out["moments_of_truth"] = [] if chosen.empty else sorted(
        set(chosen.loc[chosen["moment_of_truth"], "touchpoint"].tolist()))
    return out
