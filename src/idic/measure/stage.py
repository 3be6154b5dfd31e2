"""The measure stage: ``run(ws)`` writes ``kpis`` (period vs previous: customers, retention,
churn, acquisition, win-back, revenue, cash flow, NPS, customer equity, return on customer,
leading indicators) and ``cohorts`` (retention by first-order month).

Customer equity at a date is the sum of the lifetime values fitted on the orders up to that
date (the CLV stage, same model and settings, column ``lifetime_value``), so equity at the start and at the end of the period are
comparable; the CLVs at the start of the period are kept in ``measure_clv_start``.
Idempotent: the tables are replaced.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from idic.measure.cohorts import cohort_retention
from idic.measure.equity import EquityChange, equity_change, equity_column
from idic.measure.kpis import Period, latest_order_date, period_ending, to_date, workspace_kpis
from idic.measure.roc import ROC

if TYPE_CHECKING:
    from idic.workspace import Workspace

TABLES = ("kpis", "cohorts", "measure_clv_start")
START_CLV = "measure_clv_start"

KPI_SCHEMA = pa.schema([
    ("metric", pa.string()), ("label", pa.string()), ("unit", pa.string()),
    ("current", pa.float64()), ("previous", pa.float64()), ("change", pa.float64()),
    ("period_start", pa.string()), ("period_end", pa.string()),
    ("previous_start", pa.string()), ("previous_end", pa.string()),
])

#: metric -> (label, unit); the order is the order of the report's tables.
KPI_LABELS: dict[str, tuple[str, str]] = {
    "active_customers": ("Active customers", "count"),
    "customers_at_start": ("Customers at start (active in previous period)", "count"),
    "new_customers": ("New customers (acquired)", "count"),
    "acquisition_rate": ("Acquisition rate (new / customers at start)", "rate"),
    "retained_customers": ("Retained customers", "count"),
    "retention_rate": ("Retention rate", "rate"),
    "churned_customers": ("Churned customers", "count"),
    "churn_rate": ("Churn rate", "rate"),
    "lapsed_at_start": ("Lapsed customers at start", "count"),
    "won_back_customers": ("Won-back customers", "count"),
    "win_back_rate": ("Win-back rate", "rate"),
    "orders": ("Orders", "count"),
    "revenue": ("Revenue", "money"),
    "cash_flow": ("Cash flow from customers (margin)", "money"),
    "average_order_value": ("Average order value", "money"),
    "revenue_per_active_customer": ("Revenue per active customer", "money"),
    "orders_per_active_customer": ("Orders per active customer", "ratio"),
    "nps": ("NPS", "points"),
    "nps_answers": ("NPS answers", "count"),
    "equity_start": ("Customer equity at start", "money"),
    "equity_end": ("Customer equity at end", "money"),
    "equity_change": ("Change in customer equity", "money"),
    "equity_acquired": ("Equity of new customers", "money"),
    "equity_grown": ("Equity gained by existing customers", "money"),
    "equity_declined": ("Equity lost by existing customers", "money"),
    "value_created": ("Value created (cash flow + equity change)", "money"),
    "roc": ("Return on customer (ROC)", "rate"),
    "cost_to_serve": ("Cost to serve (all customers, to date)", "money"),
    "share_of_customer": ("Share of customer (12-month spend / wallet)", "rate"),
    "li_falling_frequency": ("Leading indicator: customers buying less often", "count"),
    "li_fewer_channels": ("Leading indicator: customers using fewer channels", "count"),
    "li_recent_complaints": ("Leading indicator: customers with recent complaints", "count"),
    "li_nps_drop": ("Leading indicator: customers whose NPS dropped", "count"),
    "li_dormant": ("Dormant customers", "count"),
    "li_at_risk_clv": ("CLV of customers showing a warning sign", "money"),
}


def _clv_snapshot(ws: Workspace, end: Any, table: str, keep: bool) -> pd.DataFrame | None:
    """CLVs fitted on orders up to ``end`` (None when the CLV stage is absent or fails)."""
    try:
        from idic.differentiate.value.clv.stage import run as clv_run
    except ImportError:
        return None
    o = ws.customer_orders()
    d = o.ordered_at.date()
    import ibis

    if int(o.filter(d <= ibis.date(to_date(end).isoformat())).count().execute()) == 0:
        return pd.DataFrame({"customer_id": pd.Series(dtype=str), "clv": pd.Series(dtype=float)})
    try:
        clv_run(ws, calibration_end=to_date(end).isoformat(), table=table)
    except Exception:
        return None
    t = ws.table(table)
    df = ws.engine.to_pandas(t.select("customer_id", clv=t[equity_column(t)]))
    if not keep:
        ws.engine.drop_table(table)
    return df


def _end_snapshot(ws: Workspace, period: Period) -> pd.DataFrame | None:
    """The ``clv`` table when it was fitted up to the period's end, else a fresh fit."""
    if ws.engine.has_table("clv"):
        t = ws.table("clv")
        if int(t.count().execute()):
            # the clv stage calibrates up to the latest order: the period's end by default
            latest = latest_order_date(ws.customer_orders())
            if latest == period.end and equity_column(t) != "clv":
                return ws.engine.to_pandas(t.select("customer_id", clv=t[equity_column(t)]))
    return _clv_snapshot(ws, period.end, "_measure_clv_end", keep=False)


def _value_rows(ws: Workspace) -> dict[str, float | None]:
    """Cost to serve, share of customer and leading indicators from the ``value`` table."""
    if not ws.engine.has_table("value"):
        return {}
    cv = ws.table("value")
    cols = set(cv.columns)
    warn = None
    for c in ("falling_frequency", "fewer_channels", "nps_drop"):
        if c in cols:
            w = cv[c].fill_null(False)
            warn = w if warn is None else (warn | w)
    if "recent_complaints" in cols:
        w = cv.recent_complaints.fill_null(0) > 0
        warn = w if warn is None else (warn | w)
    aggs: dict[str, Any] = {}
    if "cost_to_serve" in cols:
        aggs["cost_to_serve"] = cv.cost_to_serve.cast("float64").sum()
    if {"spend_12m", "wallet"} <= cols:
        aggs["_spend"] = cv.spend_12m.cast("float64").sum(where=cv.wallet.notnull())
        aggs["_wallet"] = cv.wallet.cast("float64").sum(where=cv.wallet.notnull())
    for c in ("falling_frequency", "fewer_channels", "nps_drop", "dormant"):
        if c in cols:
            aggs[f"li_{c}"] = cv[c].fill_null(False).cast("int64").sum()
    if "recent_complaints" in cols:
        aggs["li_recent_complaints"] = (cv.recent_complaints.fill_null(0) > 0).cast("int64").sum()
    if warn is not None and "clv" in cols:
        aggs["li_at_risk_clv"] = cv.clv.cast("float64").sum(where=warn)
    if not aggs:
        return {}
    row = cv.aggregate(**aggs).execute().iloc[0].to_dict()
    out: dict[str, float | None] = {}
    for k, v in row.items():
        if k.startswith("_"):
            continue
        out[k] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
    if "_spend" in row:
        out["share_of_customer"] = (float(row["_spend"]) / float(row["_wallet"])
                                    if row["_wallet"] else None)
    return out


def compute(ws: Workspace, *, as_of: Any = None, period_days: int = 365,
            keep_start_clv: bool = True) -> dict[str, Any]:
    """Every measure of the workspace as a dict (what :func:`run` writes)."""
    orders = ws.customer_orders()
    end = to_date(as_of) if as_of is not None else latest_order_date(orders)
    if end is None:
        return {"period": None, "kpis": {"current": {}, "previous": {}}, "equity": None,
                "roc": None, "previous_roc": None, "value": _value_rows(ws)}
    period = period_ending(end, period_days)
    prev = period.previous()
    k = workspace_kpis(ws, period)
    start_df = _clv_snapshot(ws, period.start - timedelta(days=1), START_CLV, keep=keep_start_clv)
    end_df = _end_snapshot(ws, period) if start_df is not None else None
    change: EquityChange | None = None
    roc = prev_roc = None
    if start_df is not None and end_df is not None:
        change = equity_change(start_df, end_df)
        roc = ROC(k["current"]["cash_flow"], change.start, change.end)
        prev_df = _clv_snapshot(ws, prev.start - timedelta(days=1), "_measure_clv_prev",
                                keep=False)
        if prev_df is not None:
            prev_change = equity_change(prev_df, start_df)
            prev_roc = ROC(k["previous"]["cash_flow"], prev_change.start, prev_change.end)
    return {"period": period, "previous_period": prev, "kpis": k,
            "equity": change, "roc": roc, "previous_roc": prev_roc, "value": _value_rows(ws)}


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def kpi_rows(result: dict[str, Any]) -> pa.Table:
    """The ``kpis`` table of a :func:`compute` result."""
    period, prev = result.get("period"), result.get("previous_period")
    cur = dict(result["kpis"]["current"])
    old = dict(result["kpis"]["previous"])
    if result.get("equity") is not None:
        cur.update(result["equity"].to_dict())
    if result.get("roc") is not None:
        cur.update({"value_created": result["roc"].value_created, "roc": result["roc"].roc})
    if result.get("previous_roc") is not None:
        r = result["previous_roc"]
        old.update({"equity_start": r.equity_start, "equity_end": r.equity_end,
                    "equity_change": r.equity_change, "value_created": r.value_created,
                    "roc": r.roc})
    cur.update(result.get("value") or {})
    rows = []
    for metric, (label, unit) in KPI_LABELS.items():
        if metric not in cur and metric not in old:
            continue
        a, b = _num(cur.get(metric)), _num(old.get(metric))
        rows.append({
            "metric": metric, "label": label, "unit": unit, "current": a, "previous": b,
            "change": None if a is None or b is None else a - b,
            "period_start": period.start.isoformat() if period else None,
            "period_end": period.end.isoformat() if period else None,
            "previous_start": prev.start.isoformat() if prev else None,
            "previous_end": prev.end.isoformat() if prev else None,
        })
    return pa.Table.from_pylist(rows, schema=KPI_SCHEMA)


def run(ws: Workspace, *, as_of: Any = None, period_days: int = 365) -> dict[str, Any]:
    """Compute and write ``kpis`` and ``cohorts``; returns a summary (JSON-friendly)."""
    result = compute(ws, as_of=as_of, period_days=period_days)
    table = kpi_rows(result)
    ws.engine.create_table("kpis", table)
    ws.engine.create_table("cohorts", cohort_retention(ws.customer_orders()))
    summary: dict[str, Any] = {"tables": ["kpis", "cohorts"]}
    if result.get("period") is not None:
        summary["period"] = {"start": result["period"].start.isoformat(),
                             "end": result["period"].end.isoformat(), "days": period_days}
    for r in table.to_pylist():
        summary[r["metric"]] = r["current"]
    summary["cohorts"] = ws.engine.count("cohorts")
    if result.get("roc") is not None:
        summary["tables"].append(START_CLV)
    return summary


def read_kpis(ws: Workspace) -> pd.DataFrame | None:
    """The ``kpis`` table as a frame indexed by metric (None when the stage has not run)."""
    if not ws.engine.has_table("kpis"):
        return None
    return ws.engine.to_pandas(ws.table("kpis")).set_index("metric")
