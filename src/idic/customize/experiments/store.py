"""The workspace table ``experiments``: one row per (experiment, variant) of each saved
analysis, read by the report's "Experiments" section. Saving an experiment again replaces
its rows. Aggregates only: no customer data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

TABLE = "experiments"

SCHEMA = pa.schema([
    ("experiment", pa.string()), ("metric", pa.string()), ("method", pa.string()),
    ("variant", pa.string()), ("is_control", pa.bool_()), ("n", pa.int64()),
    ("mean", pa.float64()), ("abs_effect", pa.float64()), ("abs_ci_low", pa.float64()),
    ("abs_ci_high", pa.float64()), ("abs_p_value", pa.float64()),
    ("rel_effect", pa.float64()), ("rel_ci_low", pa.float64()), ("rel_ci_high", pa.float64()),
    ("rel_p_value", pa.float64()), ("chance_to_win", pa.float64()),
    ("expected_loss", pa.float64()), ("cuped", pa.bool_()),
    ("variance_reduction", pa.float64()), ("srm_p_value", pa.float64()),
    ("alpha", pa.float64()), ("analyzed_at", pa.timestamp("us", tz="UTC")),
    ("result_json", pa.string()),
])


def result_rows(name: str, res: dict[str, Any], *, at: datetime | None = None) -> pa.Table:
    """The rows of one analysis result (:func:`analyze_table`'s dict)."""
    at = at or datetime.now(UTC)
    rows = []
    for variant, v in res["variants"].items():
        a, r = v.get("absolute") or {}, v.get("relative") or {}
        ac, rc = a.get("ci") or [None, None], r.get("ci") or [None, None]
        rows.append({
            "experiment": name, "metric": res["metric"], "method": res["method"],
            "variant": variant, "is_control": v["is_control"], "n": v["n"], "mean": v["mean"],
            "abs_effect": a.get("effect"), "abs_ci_low": ac[0], "abs_ci_high": ac[1],
            "abs_p_value": a.get("p_value"), "rel_effect": r.get("effect"),
            "rel_ci_low": rc[0], "rel_ci_high": rc[1], "rel_p_value": r.get("p_value"),
            "chance_to_win": v.get("chance_to_win"), "expected_loss": v.get("expected_loss"),
            "cuped": bool(res.get("cuped")),
            "variance_reduction": (v.get("cuped") or {}).get("variance_reduction"),
            "srm_p_value": res["srm"]["p_value"], "alpha": res["alpha"], "analyzed_at": at,
            "result_json": json.dumps(res, default=str),
        })
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def save_result(ws: Workspace, name: str, res: dict[str, Any]) -> int:
    """Write (or replace) experiment ``name`` in the table ``experiments``; rows written."""
    name = name.strip()
    if not name:
        raise InputError("the experiment needs a name", hint="e.g. --name checkout-2026-11")
    rows = result_rows(name, res)
    eng = ws.engine
    with eng.transaction():
        if eng.has_table(TABLE):
            eng.delete_where(TABLE, lambda t: t.experiment == name)
            eng.append(TABLE, rows)
        else:
            eng.create_table(TABLE, rows)
    return rows.num_rows


def load_results(ws: Workspace) -> list[dict[str, Any]]:
    """Every saved experiment, newest first: {name, analyzed_at, result} (the full dict)."""
    if not ws.engine.has_table(TABLE):
        return []
    t = ws.table(TABLE)
    df = ws.engine.to_pandas(
        t.group_by("experiment").agg(analyzed_at=t.analyzed_at.max(),
                                     result_json=t.result_json.arbitrary())
        .order_by([ibis.desc("analyzed_at"), "experiment"]))
    return [{"name": r.experiment, "analyzed_at": r.analyzed_at,
             "result": json.loads(r.result_json)} for r in df.itertuples()]

