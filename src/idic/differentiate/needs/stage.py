"""The needs stage: ``needs_features``, ``segments``, ``segments_profile``,
``recommendations``, ``cross_sell_gaps`` (and, with ``compare_to``, ``segments_migration``).

Idempotent: the tables are replaced; the fit is seeded, and a previous run's model
(``models/needs.json``) is the warm start and the reference for label matching, so the same
inputs give the same tables and new orders move few customers (docs/needs.md).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from idic.customize.gate import not_blocked, withhold_blocked
from idic.differentiate.needs import features as feat
from idic.differentiate.needs import recommend as rec
from idic.differentiate.needs.profile import profiles
from idic.differentiate.needs.segment import (
    MIN_OBSERVATIONS,
    UNDETERMINED,
    assignments,
    fit_segments,
    model_json,
)
from idic.differentiate.value import sources
from idic.differentiate.value._common import AsOf, to_date

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from idic.workspace import Workspace

TABLES = ("needs_features", "segments", "segments_profile", "recommendations",
          "cross_sell_gaps")
METHOD = "dirichlet-multinomial mixture (EM), k by BIC"
MODEL_FILE = "needs.json"


def _model_path(ws: Workspace):
    return ws.path / "models" / MODEL_FILE


def _previous(ws: Workspace) -> dict | None:
    p = _model_path(ws)
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def _orders_until(ws: Workspace, day) -> ir.Table:
    import ibis

    o = sources.orders(ws)
    if day is None:
        return o
    return o.filter(o.ordered_at < ibis.literal(pd.Timestamp(day) + pd.Timedelta(days=1),
                                               type="timestamp('UTC')"))


def segment_workspace(ws: Workspace, *, k: int | str = "auto", as_of: AsOf = None,
                      previous: dict | None = None, seed: int = 0
                      ) -> tuple[pd.DataFrame, pd.DataFrame, Any, list[str]]:
    """Features (pandas), assignments, the fit and the categories (orders up to ``as_of``)."""
    day = to_date(as_of) if as_of is not None else None
    t, cats = feat.needs_features(ws, orders=_orders_until(ws, day))
    t = not_blocked(ws, t)  # restricted (art. 18), objecting (art. 21), erased: not profiled
    df = ws.engine.to_pandas(t).sort_values("customer_id", kind="stable").reset_index(drop=True)
    fit = fit_segments(df, cats, k=k, seed=seed, previous=previous)
    return df, assignments(df, fit), fit, cats


def run(ws: Workspace, *, k: int | str = "auto", compare_to: AsOf = None,
        seed: int = 0) -> dict[str, Any]:
    """Build the needs tables; return ``{"k", "method", "segments": [...], ...}``."""
    eng = ws.engine
    previous = _previous(ws)
    df, seg, fit, cats = segment_workspace(ws, k=k, previous=previous, seed=seed)
    names = {feat.column_name(c): c for c in cats}
    eng.create_table("needs_features", pa.Table.from_pandas(df, preserve_index=False))
    prof_base = profiles_input(ws)
    seg_t = pa.Table.from_pandas(seg, preserve_index=False)
    eng.create_table("segments", seg_t)
    prof = profiles(ws, ws.table("segments"), ws.table("needs_features"), names)
    name_of = dict(zip(prof["segment"], prof["segment_name"], strict=True)) if len(prof) else {}
    seg["segment_name"] = seg["segment"].map(name_of).fillna(UNDETERMINED)
    eng.create_table("segments", pa.Table.from_pandas(seg, preserve_index=False))
    eng.create_table("segments_profile", pa.Table.from_pandas(prof, preserve_index=False))

    lines = prof_base
    recs = rec.recommend(lines, seg)
    eng.create_table("recommendations", pa.Table.from_pandas(recs, preserve_index=False))
    cs = lines.groupby(["customer_id", "category"], as_index=False)["spend"].sum()
    gaps = rec.cross_sell_gaps(cs, seg)
    eng.create_table("cross_sell_gaps", pa.Table.from_pandas(gaps, preserve_index=False))

    withheld = withhold_blocked(ws, TABLES)  # recommendations and gaps come from all lines
    model = model_json(fit, cats)
    path = _model_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model, indent=1))

    summary: dict[str, Any] = {
        "k": fit.k, "method": METHOD,
        "bic": {str(kk): round(v, 2) for kk, v in fit.bic.items()},
        "min_observations": MIN_OBSERVATIONS,
        "customers": len(seg), "undetermined": int((seg["segment"] == UNDETERMINED).sum()),
        "segments": [{"segment": r["segment"], "segment_name": r["segment_name"],
                      "size": int(r["size"]), "share": round(float(r["share"]), 4),
                      "web_share": round(float(r["web_share"]), 4),
                      "category_mix": json.loads(r["category_mix"])}
                     for r in prof.to_dict("records")],
        "tables": list(TABLES),
        "withheld": withheld,
    }
    if compare_to is not None:
        mig = migration(ws, compare_to, seg, seed=seed, previous=model)
        eng.create_table("segments_migration", pa.Table.from_pandas(mig, preserve_index=False))
        summary["tables"].append("segments_migration")
        summary["migration"] = {"from": to_date(compare_to).isoformat(),
                                "matrix": migration_matrix(mig)}
    return summary


def profiles_input(ws: Workspace) -> pd.DataFrame:
    """Order lines ``customer_id, order_id, ordered_at, item, category, spend`` (pandas)."""
    lines = feat.order_lines(sources.orders(ws))
    return ws.engine.to_pandas(lines.select("customer_id", "order_id", "ordered_at", "item",
                                            "category", "spend"))


def migration(ws: Workspace, compare_to: AsOf, now: pd.DataFrame, *, seed: int = 0,
              previous: dict | None = None) -> pd.DataFrame:
    """Each customer's segment at ``compare_to`` (orders up to that date, same k, labels
    matched to today's) and now: ``customer_id, segment_from, segment_to, migrated``."""
    k = previous["k"] if previous else "auto"
    _, then, _, _ = segment_workspace(ws, k=k, as_of=compare_to, previous=previous, seed=seed)
    j = now[["customer_id", "segment"]].merge(then[["customer_id", "segment"]],
                                              on="customer_id", how="left",
                                              suffixes=("_to", "_from"))
    j["segment_from"] = j["segment_from"].fillna("new")
    j["migrated"] = j["segment_from"] != j["segment_to"]
    return j[["customer_id", "segment_from", "segment_to", "migrated"]]


def migration_matrix(mig: pd.DataFrame) -> dict[str, dict[str, int]]:
    """``{from: {to: customers}}``."""
    m = pd.crosstab(mig["segment_from"], mig["segment_to"])
    return {str(a): {str(b): int(m.loc[a, b]) for b in m.columns if m.loc[a, b]}
            for a in m.index}


__all__ = ["METHOD", "TABLES", "migration", "migration_matrix", "run", "segment_workspace"]
