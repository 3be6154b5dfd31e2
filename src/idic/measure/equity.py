"""Customer equity: the sum of all customers' discounted lifetime values (DOMAIN.md section 6).

Peppers & Rogers, *Managing Customer Experience and Relationships*: customer equity is the sum of
the lifetime values of the enterprise's current and future customers, each lifetime value the
net present value of the customer's future cash flows. Here the lifetime values come from the
CLV stage (``clv`` table, column ``lifetime_value``: BG/NBD or Pareto/NBD purchases x
Gamma-Gamma spend x margin, discounted monthly over ten years by default), so the equity is
``sum(lifetime_value)``. (The 12-month ``clv`` column is a year of margin, not a lifetime:
summing it would make equity about one year's cash flow and ROC absurdly large.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from idic.workspace import Workspace

#: the ``clv`` table's column that customer equity sums
EQUITY_COLUMN = "lifetime_value"


def equity_column(t: ir.Table) -> str:
    """``lifetime_value`` when the table has it, else ``clv`` (tables written before it)."""
    return EQUITY_COLUMN if EQUITY_COLUMN in t.columns else "clv"


def discounted_value(cash_flows: Sequence[float] | np.ndarray, discount_rate: float) -> float:
    """Net present value of ``cash_flows`` received at the end of periods 1, 2, ...:
    ``sum_t m_t / (1 + d)^t`` (the discounted CLV of one customer)."""
    if discount_rate <= -1:
        raise ValueError("the discount rate must be greater than -1")
    m = np.asarray(cash_flows, dtype=float)
    t = np.arange(1, m.size + 1, dtype=float)
    return float((m / (1.0 + discount_rate) ** t).sum())


def customer_equity(values: ir.Table | pd.DataFrame | pd.Series | Iterable[float], *,
                    column: str = "clv") -> float:
    """Customer equity = the sum of the customers' discounted lifetime values.

    ``values`` is a table or frame with a ``column`` of discounted CLVs (one row per customer),
    or the values themselves. Missing values count as zero.
    """
    if isinstance(values, ir.Table):
        total = values[column].cast("float64").sum().execute()
        return float(total) if total is not None and np.isfinite(total) else 0.0
    if isinstance(values, pd.DataFrame):
        values = values[column]
    arr = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values),
                        errors="coerce").astype(float)
    return float(np.nansum(arr.to_numpy()))


@dataclass(frozen=True)
class EquityChange:
    """How customer equity moved between two CLV snapshots (one row per customer each).

    ``acquired``: CLV at the end of customers absent from the start snapshot (new customers);
    ``grown`` / ``declined``: sum of the positive / negative CLV changes of the others
    (``declined`` is negative). ``end = start + acquired + grown + declined``.
    """

    start: float
    end: float
    acquired: float
    grown: float
    declined: float
    customers_start: int
    customers_end: int
    customers_acquired: int

    @property
    def change(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {"equity_start": self.start, "equity_end": self.end, "equity_change": self.change,
                "equity_acquired": self.acquired, "equity_grown": self.grown,
                "equity_declined": self.declined, "customers_start": self.customers_start,
                "customers_end": self.customers_end,
                "customers_acquired": self.customers_acquired}


def equity_change(start: pd.DataFrame, end: pd.DataFrame, *, key: str = "customer_id",
                  column: str = "clv") -> EquityChange:
    """Decompose the change of equity between ``start`` and ``end`` CLV frames."""
    s = start[[key, column]].rename(columns={column: "_s"})
    e = end[[key, column]].rename(columns={column: "_e"})
    m = s.merge(e, on=key, how="outer")
    m["_s"] = pd.to_numeric(m["_s"], errors="coerce").astype(float)
    m["_e"] = pd.to_numeric(m["_e"], errors="coerce").astype(float)
    new = m["_s"].isna() & m["_e"].notna()
    old = ~new
    delta = m.loc[old, "_e"].fillna(0.0) - m.loc[old, "_s"].fillna(0.0)
    return EquityChange(
        start=float(np.nansum(m["_s"])), end=float(np.nansum(m["_e"])),
        acquired=float(np.nansum(m.loc[new, "_e"])),
        grown=float(delta[delta > 0].sum()), declined=float(delta[delta < 0].sum()),
        customers_start=int(m["_s"].notna().sum()), customers_end=int(m["_e"].notna().sum()),
        customers_acquired=int(new.sum()))


def workspace_equity(ws: Workspace, table: str = "clv") -> float | None:
    """Customer equity of the workspace's ``clv`` table; None when the CLV stage has not run."""
    if not ws.engine.has_table(table):
        return None
    t = ws.table(table)
    return customer_equity(t, column=equity_column(t))


def equity_by(ws: Workspace, by: str = "value_category") -> pd.DataFrame:
    """Equity (sum of lifetime values) and customers per group of the ``value`` table
    (``value_category``, or an ``rfm`` column such as ``segment``); empty when not built."""
    eng = ws.engine
    if not eng.has_table("clv"):
        return pd.DataFrame(columns=[by, "customers", "equity"])
    t = ws.table("clv")
    clv = t.select("customer_id", clv=t[equity_column(t)])
    src = "value" if eng.has_table("value") and \
        by in ws.table("value").columns else "rfm"
    if not eng.has_table(src) or by not in ws.table(src).columns:
        return pd.DataFrame(columns=[by, "customers", "equity"])
    g = ws.table(src).select("customer_id", by)
    j = clv.join(g, "customer_id")
    out = j.group_by(by).agg(customers=j.count(), equity=j.clv.cast("float64").sum())
    return eng.to_pandas(out.order_by(ibis.desc("equity")))

