"""Service functions over a workspace: what the CLI, the API and the report call.

Each reads the tables the journeys stage wrote (``touchpoints``, ``journeys``,
``journey_paths``, ``moments``) when they exist and the settings match, else derives them
from ``events`` on the fly (nothing is written).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from idic.errors import InputError
from idic.interact.journeys import attribution as attr
from idic.interact.journeys._util import input_error
from idic.interact.journeys.journey_map import JourneyMap, build_map, restrict
from idic.interact.journeys.moments import moments
from idic.interact.journeys.sessions import JourneySpec, aggregate_paths, journeys, touchpoints
from idic.interact.journeys.taxonomy import Taxonomy, load_rules
from idic.suggest import closest, unknown_name

if TYPE_CHECKING:
    from idic.workspace import Workspace


def _custom(spec: JourneySpec | None, rules: str | Path | Taxonomy | None) -> bool:
    return spec is not None or rules is not None


def _taxonomy(rules: str | Path | Taxonomy | None) -> Taxonomy:
    return rules if isinstance(rules, Taxonomy) else load_rules(rules)


def workspace_touchpoints(ws: Workspace, spec: JourneySpec | None = None,
                          rules: str | Path | Taxonomy | None = None, *,
                          materialise: bool = False) -> ir.Table:
    """The stored ``touchpoints`` table, else the expression that derives them.

    ``materialise`` computes a derived expression once into an in-memory table, for callers
    that run several queries over it (compiling the taxonomy rules each time costs more than
    running them on a small workspace).
    """
    if not _custom(spec, rules) and ws.engine.has_table("touchpoints"):
        return ws.table("touchpoints")
    tp = touchpoints(ws.engine, spec, _taxonomy(rules))
    return ibis.memtable(ws.engine.to_arrow(tp)) if materialise else tp


def workspace_journeys(ws: Workspace, spec: JourneySpec | None = None,
                       rules: str | Path | Taxonomy | None = None) -> ir.Table:
    if not _custom(spec, rules) and ws.engine.has_table("journeys"):
        return ws.table("journeys")
    return journeys(workspace_touchpoints(ws, spec, rules))


def workspace_paths(ws: Workspace, spec: JourneySpec | None = None,
                    rules: str | Path | Taxonomy | None = None) -> pd.DataFrame:
    """Aggregated paths (path, conversions, nulls, value) of the workspace's journeys."""
    if not _custom(spec, rules) and ws.engine.has_table("journey_paths"):
        t = ws.table("journey_paths")
    else:
        t = aggregate_paths(workspace_journeys(ws, spec, rules))
    df = ws.engine.to_pandas(t)
    df = df.astype({"conversions": "int64", "nulls": "int64", "value": "float64"})
    df = df.sort_values(["conversions", "nulls", "path"], ascending=[False, False, True])
    return df.reset_index(drop=True)[["path", "conversions", "nulls", "value"]]


def touch_times(tp: ir.Table) -> ir.Table:
    """Touches (sessions) of converting journeys: journey_id, channel, touched_at, converted_at."""
    tp = tp.filter(tp.in_lookback)
    conv = tp.filter(tp.is_conversion).group_by("journey_id").agg(converted_at=tp.timestamp.max())
    touches = tp.group_by(["journey_id", "session_index"]).agg(
        channel=tp.channel.min(), touched_at=tp.timestamp.min())
    return touches.left_join(conv, "journey_id").select(touches, conv.converted_at)


def attribute_workspace(ws: Workspace, model: str = "markov", *, half_life_days: float = 7.0,
                        spec: JourneySpec | None = None,
                        rules: str | Path | Taxonomy | None = None) -> dict[str, float]:
    """Credits per channel for the workspace's journeys (any model, including time_decay)."""
    if model == "time_decay":
        if half_life_days <= 0:
            raise InputError("the half-life must be positive")
        t = attr.time_decay_credits(touch_times(workspace_touchpoints(ws, spec, rules)),
                                    half_life_days)
        df = ws.engine.to_pandas(t)
        credits = {str(c): float(v) for c, v in zip(df["channel"], df["credit"], strict=True)}
        return dict(sorted(credits.items(), key=lambda kv: (-kv[1], kv[0])))
    return attr.attribute(workspace_paths(ws, spec, rules), model)


def workspace_moments(ws: Workspace, outcome: str = "conversion", *,
                      persons: ir.Table | None = None, min_exposed: int = 30,
                      spec: JourneySpec | None = None,
                      rules: str | Path | Taxonomy | None = None) -> pd.DataFrame:
    if persons is None and not _custom(spec, rules) and ws.engine.has_table("moments"):
        m = ws.engine.to_pandas(ws.table("moments"))
        return m[(m["outcome"] == outcome) & (m["unit"] == "journey")].reset_index(drop=True)
    tp = restrict(workspace_touchpoints(ws, spec, rules, materialise=True), persons)
    return moments(tp, outcome=outcome, min_exposed=min_exposed, taxonomy=_taxonomy(rules))


def segment_persons(ws: Workspace, segment: str, table: str = "segments",
                    column: str = "segment") -> ir.Table:
    """Persons of ``segment``: rows of ``table`` whose ``column`` equals it.

    The table needs ``person_id`` or ``customer_id`` (the persons of journeys are customers).
    """
    t = ws.table(table)
    key = "person_id" if "person_id" in t.columns else "customer_id"
    if column not in t.columns:
        raise unknown_name("column", column, [c for c in t.columns if not c.startswith("_")],
                           given_in=f"table {table!r}")
    if key not in t.columns:
        raise input_error(f"table {table!r} needs columns customer_id (or person_id) and {column!r}",
                         hint=f"it has {', '.join(t.columns)}")
    sel = t.filter(t[column].cast("string") == segment)
    return sel.select(person_id=sel[key].cast("string"))


def segment_assignments(ws: Workspace, table: str, column: str) -> ir.Table:
    """``(person_id, segment)`` from a customer table's column, e.g. ``rfm.segment``,
    ``value.value_category`` or ``abc.abc_class``: what a funnel is broken down by."""
    if not ws.engine.has_table(table):
        tables = ws.tables()
        near = ", ".join(repr(c) for c in closest(table, tables))
        raise input_error(f"no table {table!r} in this workspace; closest: {near}",
                          hint="run its stage first (idic run), or name another table")
    t = ws.table(table)
    key = "person_id" if "person_id" in t.columns else "customer_id"
    if column not in t.columns:
        raise unknown_name("column", column, [c for c in t.columns if not c.startswith("_")],
                           given_in=f"table {table!r}")
    if key not in t.columns:
        raise input_error(f"table {table!r} needs columns customer_id (or person_id) and {column!r}",
                         hint=f"it has {', '.join(t.columns)}")
    return t.select(person_id=t[key].cast("string"), segment=t[column].cast("string"))


def journey_map(ws: Workspace, *, persons: ir.Table | None = None, title: str | None = None,
                min_exposed: int = 30, spec: JourneySpec | None = None,
                rules: str | Path | Taxonomy | None = None) -> JourneyMap:
    """The journey map of the workspace (or of ``persons``, a segment or persona)."""
    tax = _taxonomy(rules)
    stored = not _custom(spec, rules) and ws.engine.has_table("moments")
    tp = restrict(workspace_touchpoints(ws, spec, rules, materialise=True), persons)
    by_outcome = {}
    for outcome in ("conversion", "retention"):
        by_outcome[outcome] = workspace_moments(ws, outcome) if stored and persons is None \
            else moments(tp, outcome=outcome, min_exposed=min_exposed, taxonomy=tax)
    return build_map(tp, map_moments(by_outcome["conversion"], by_outcome["retention"], tax),
                     title=title or "Customer journey map", taxonomy=tax)


def map_moments(conversion: pd.DataFrame, retention: pd.DataFrame,
                tax: Taxonomy) -> pd.DataFrame:
    """Per touchpoint the outcome that matters at its stage: retention after the purchase
    (post-purchase stages), conversion before."""
    post = {s for s, p in tax.stage_phase.items() if p == "post-purchase"}
    parts = [conversion[~conversion["stage"].isin(post)], retention[retention["stage"].isin(post)]]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return conversion.iloc[0:0]
    return pd.concat(parts, ignore_index=True)


def summary_counts(ws: Workspace, jr: ir.Table) -> dict[str, Any]:
    agg = jr.aggregate(journeys=jr.count(), converted=jr.converted.cast("int64").sum(),
                       persons=jr.person_id.nunique(), value=jr.value.sum())
    row = ws.engine.to_pandas(agg).iloc[0]
    return {"journeys": int(row["journeys"]), "converted_journeys": int(row["converted"] or 0),
            "persons": int(row["persons"]), "value": float(row["value"] or 0.0)}


__all__ = ["attribute_workspace", "journey_map", "segment_assignments", "segment_persons", "summary_counts",
           "touch_times", "workspace_journeys", "workspace_moments", "workspace_paths",
           "workspace_touchpoints"]
