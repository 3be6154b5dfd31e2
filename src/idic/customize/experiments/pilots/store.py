"""Saved pilots: the table ``pilots`` (one row per pilot: its plan, balance and latest
evaluation as JSON, read by the report's "Experiments" section) and ``pilot_units`` (one row
per unit: its wave, arm and stratum). Saving a plan again under the same name replaces it
(and drops its evaluation)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from idic.errors import NotFoundError

if TYPE_CHECKING:
    from idic.customize.experiments.pilots.plan import Plan
    from idic.workspace import Workspace

TABLE, UNITS_TABLE = "pilots", "pilot_units"

SCHEMA = pa.schema([
    ("pilot", pa.string()), ("unit", pa.string()), ("start", pa.string()),
    ("share", pa.float64()), ("waves", pa.int64()), ("seed", pa.int64()),
    ("stratify", pa.string()), ("units", pa.int64()), ("test_units", pa.int64()),
    ("max_abs_smd", pa.float64()), ("planned_at", pa.timestamp("us", tz="UTC")),
    ("plan_json", pa.string()), ("evaluated_at", pa.timestamp("us", tz="UTC")),
    ("evaluation_json", pa.string()),
])
#: ``customer_id`` is set for customer pilots (so a data subject's rows are found and erased
#: like every other table's), null for region pilots
UNITS_SCHEMA = pa.schema([("pilot", pa.string()), ("unit_id", pa.string()),
                          ("customer_id", pa.string()), ("wave", pa.int64()), ("arm", pa.string()), ("stratum", pa.string())])


def _put(ws: Workspace, table: str, name: str, rows: pa.Table) -> None:
    eng = ws.engine
    if eng.has_table(table):
        eng.delete_where(table, lambda t: t.pilot == name)
        eng.append(table, rows)
    else:
        eng.create_table(table, rows)


def save_plan(ws: Workspace, plan: Plan) -> None:
    d = plan.to_dict()
    row = {"pilot": plan.name, "unit": plan.unit, "start": plan.start.isoformat(),
           "share": plan.share, "waves": plan.waves, "seed": plan.seed,
           "stratify": ",".join(plan.stratify), "units": d["units"],
           "test_units": d["test_units"], "max_abs_smd": d["max_abs_smd"],
           "planned_at": datetime.now(UTC),
           "plan_json": json.dumps(d, default=str), "evaluated_at": None,
           "evaluation_json": None}
    u = plan.units
    ids = u.unit_id.astype(str).tolist()
    units = pa.table({"pilot": [plan.name] * len(u), "unit_id": ids,
                      "customer_id": ids if plan.unit == "customer" else [None] * len(u),
                      "wave": u.wave.astype("int64").tolist(), "arm": u.arm.tolist(),
                      "stratum": u.stratum.astype(str).tolist()}, schema=UNITS_SCHEMA)
    with ws.engine.transaction():
        _put(ws, TABLE, plan.name, pa.Table.from_pylist([row], schema=SCHEMA))
        _put(ws, UNITS_TABLE, plan.name, units)


def save_evaluation(ws: Workspace, name: str, evaluation: dict[str, Any]) -> None:
    row = _row(ws, name)
    row["evaluated_at"] = datetime.now(UTC)
    row["evaluation_json"] = json.dumps(evaluation, default=str)
    with ws.engine.transaction():
        _put(ws, TABLE, name, pa.Table.from_pylist([row], schema=SCHEMA))


def _row(ws: Workspace, name: str) -> dict[str, Any]:
    names = pilot_names(ws)
    if name not in names:
        from idic.suggest import unknown_name

        err = unknown_name("pilot", name, names, none_hint="plan one first: idic pilot plan "
                           "--workspace W --unit customer --name N")
        raise NotFoundError(str(err), hint=getattr(err, "hint", None))
    t = ws.table(TABLE)
    return ws.engine.to_arrow(t.filter(t.pilot == name)).to_pylist()[0]


def pilot_names(ws: Workspace) -> list[str]:
    if not ws.engine.has_table(TABLE):
        return []
    t = ws.table(TABLE)
    return sorted(ws.engine.to_pandas(t.select("pilot")).pilot.tolist())


def load_plan(ws: Workspace, name: str) -> tuple[dict[str, Any], Any]:
    """The saved plan's dict and its units (pandas: unit_id, wave, arm, stratum)."""
    row = _row(ws, name)
    t = ws.table(UNITS_TABLE)
    units = ws.engine.to_pandas(t.filter(t.pilot == name)
                                .select("unit_id", "wave", "arm", "stratum").order_by("unit_id"))
    plan = json.loads(row["plan_json"])
    plan["start"] = date.fromisoformat(plan["start"])
    return plan, units


def load_pilots(ws: Workspace) -> list[dict[str, Any]]:
    """Every saved pilot, newest first: {name, planned_at, plan, evaluation (or None)}."""
    if not ws.engine.has_table(TABLE):
        return []
    t = ws.table(TABLE)
    df = ws.engine.to_pandas(t.order_by([ibis.desc("planned_at"), "pilot"]))
    return [{"name": r.pilot, "planned_at": r.planned_at, "plan": json.loads(r.plan_json),
             "evaluation": json.loads(r.evaluation_json) if isinstance(r.evaluation_json, str)
             else None} for r in df.itertuples()]
