"""Customer KPIs for a period compared with the previous one (DOMAIN.md section 6).

Definitions (periods are inclusive date ranges of equal length, ``previous`` just before
``current``; "active" = placed at least one order in the period):

* **customers at start** (the base): customers active in the previous period;
* **retention rate** = base customers active again in the current period / base;
* **churn rate** = 1 - retention rate;
* **new customers**: first order ever in the current period;
  **acquisition rate** = new customers / base;
* **lapsed at start**: customers whose first order is before the previous period and who were
  not active in it; **win-back rate** = lapsed customers active in the current period / lapsed;
* **revenue**, **orders**, **average order value**, **cash flow** (contribution margin of the
  period's orders: the order margin where known, else amount x the margin ratio of the orders
  whose margin is known, else amount);
* **NPS** of the period's NPS answers (% promoters 9-10 - % detractors 0-6) when surveyed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np

from idic.differentiate.value.actual import margin_ratio

if TYPE_CHECKING:
    from idic.workspace import Workspace


@dataclass(frozen=True)
class Period:
    """An inclusive range of dates."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def to_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def period_ending(as_of: date | datetime | str, days: int = 365) -> Period:
    """The ``days``-long period ending on ``as_of`` (inclusive)."""
    end = to_date(as_of)
    return Period(end - timedelta(days=days - 1), end)


def latest_order_date(orders: ir.Table) -> date | None:
    v = orders.ordered_at.max().execute()
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return to_date(v)


def _lit(d: date) -> ir.DateValue:
    return ibis.date(d.isoformat())


def _rate(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def cash_flow(orders: ir.Table, period: Period, ratio: float | None = None) -> float:
    """Contribution from the customers' orders in ``period`` (see the module docstring)."""
    ratio = margin_ratio(orders) if ratio is None else ratio
    d = orders.ordered_at.date()
    o = orders.filter((d >= _lit(period.start)) & (d <= _lit(period.end)))
    cf = ibis.coalesce(o.margin.cast("float64"), o.amount.cast("float64") * ratio)
    v = o.aggregate(cf=cf.sum()).execute()["cf"].iloc[0]
    return float(v) if v is not None and np.isfinite(v) else 0.0


def period_kpis(orders: ir.Table, period: Period, *, ratio: float | None = None
                ) -> dict[str, Any]:
    """The KPIs of ``period`` from customer-keyed orders
    (columns ``customer_id, ordered_at, amount, margin``)."""
    ratio = margin_ratio(orders) if ratio is None else ratio
    prev = period.previous()
    d = orders.ordered_at.date()
    o = orders.filter(d <= _lit(period.end)).mutate(_d=d)
    in_cur = (o._d >= _lit(period.start))
    in_prev = (o._d >= _lit(prev.start)) & (o._d <= _lit(prev.end))
    per = o.group_by("customer_id").agg(
        _first=o._d.min(),
        _cur=in_cur.cast("int64").max(),
        _prev=in_prev.cast("int64").max(),
    )
    new = per._first >= _lit(period.start)
    lapsed = (per._first < _lit(prev.start)) & (per._prev == 0)
    agg = per.aggregate(
        customers_total=per.count(),
        active=per._cur.sum(),
        base=per._prev.sum(),
        retained=(per._prev * per._cur).sum(),
        new=new.cast("int64").sum(),
        lapsed=lapsed.cast("int64").sum(),
        won_back=(lapsed.cast("int64") * per._cur).sum(),
    ).execute().iloc[0]
    cur = o.filter(in_cur)
    money = cur.aggregate(
        orders=cur.count(), revenue=cur.amount.cast("float64").sum(),
        cash_flow=ibis.coalesce(cur.margin.cast("float64"),
                                cur.amount.cast("float64") * ratio).sum(),
    ).execute().iloc[0]

    def n(x: Any) -> int:
        return 0 if x is None or (isinstance(x, float) and np.isnan(x)) else int(x)

    def f(x: Any) -> float:
        return 0.0 if x is None or not np.isfinite(float(x)) else float(x)

    base, active, retained = n(agg["base"]), n(agg["active"]), n(agg["retained"])
    new_n, lapsed_n, won = n(agg["new"]), n(agg["lapsed"]), n(agg["won_back"])
    n_orders, revenue = n(money["orders"]), f(money["revenue"])
    retention = _rate(retained, base)
    return {
        "period_start": period.start.isoformat(), "period_end": period.end.isoformat(),
        "customers_total": n(agg["customers_total"]),
        "active_customers": active,
        "customers_at_start": base,
        "retained_customers": retained,
        "retention_rate": retention,
        "churn_rate": None if retention is None else 1.0 - retention,
        "churned_customers": base - retained,
        "new_customers": new_n,
        "acquisition_rate": _rate(new_n, base),
        "lapsed_at_start": lapsed_n,
        "won_back_customers": won,
        "win_back_rate": _rate(won, lapsed_n),
        "orders": n_orders,
        "revenue": revenue,
        "cash_flow": f(money["cash_flow"]),
        "average_order_value": _rate(revenue, n_orders),
        "revenue_per_active_customer": _rate(revenue, active),
        "orders_per_active_customer": _rate(n_orders, active),
    }


def nps(responses: ir.Table, period: Period) -> tuple[float | None, int]:
    """(NPS in points -100..100, answers) of the NPS answers given in ``period``."""
    r = responses.filter(responses.survey == "nps")
    d = r.responded_at.date()
    r = r.filter((d >= _lit(period.start)) & (d <= _lit(period.end)) & r.score.notnull())
    agg = r.aggregate(n=r.count(), pro=(r.score >= 9).cast("int64").sum(),
                      det=(r.score <= 6).cast("int64").sum()).execute().iloc[0]
    total = int(agg["n"] or 0)
    if not total:
        return None, 0
    return 100.0 * (int(agg["pro"] or 0) - int(agg["det"] or 0)) / total, total


def customer_orders(ws: Workspace) -> ir.Table:
    """Orders keyed by customer (the resolved customer once identify has run)."""
    return ws.customer_orders()


def workspace_kpis(ws: Workspace, period: Period) -> dict[str, dict[str, Any]]:
    """``{"current": {...}, "previous": {...}}`` KPIs of the workspace."""
    o = customer_orders(ws)
    ratio = margin_ratio(o)
    cur = period_kpis(o, period, ratio=ratio)
    prev = period_kpis(o, period.previous(), ratio=ratio)
    if ws.engine.has_table("survey_responses") and ws.engine.count("survey_responses"):
        s = ws.table("survey_responses")
        cur["nps"], cur["nps_answers"] = nps(s, period)
        prev["nps"], prev["nps_answers"] = nps(s, period.previous())
    return {"current": cur, "previous": prev}
