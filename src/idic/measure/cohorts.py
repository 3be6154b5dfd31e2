"""Cohort retention by first-order month (DOMAIN.md section 6).

A customer's cohort is the calendar month of their first order. For each cohort and each
month offset k = 0, 1, 2, ... the retention is the share of the cohort's customers who
ordered in month ``cohort + k`` (k = 0 is 100% by construction).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

COHORT_COLUMNS = ("cohort", "months_since_first", "cohort_size", "active_customers",
                  "retention", "revenue")


def _month_index(ts: ir.TimestampValue) -> ir.IntegerValue:
    return ts.year().cast("int64") * 12 + ts.month().cast("int64") - 1


def cohort_retention(orders: ir.Table, *, customer_col: str = "customer_id",
                     time_col: str = "ordered_at", amount_col: str | None = "amount",
                     max_months: int | None = None) -> ir.Table:
    """Long table: ``cohort`` ('YYYY-MM'), ``months_since_first``, ``cohort_size``,
    ``active_customers``, ``retention`` (active / size), ``revenue`` (of the cohort that month).
    """
    amt = orders[amount_col].cast("float64") if amount_col else ibis.literal(0.0)
    o = orders.select(cid=orders[customer_col].cast("string"),
                      m=_month_index(orders[time_col]), amt=amt).filter(
        lambda t: t.cid.notnull() & t.m.notnull())
    first = o.group_by("cid").agg(m0=o.m.min())
    sizes = first.group_by("m0").agg(cohort_size=first.count())
    j = o.join(first, "cid")
    j = j.mutate(k=j.m - j.m0)
    if max_months is not None:
        j = j.filter(j.k <= max_months)
    act = j.group_by(["m0", "k"]).agg(active_customers=j.cid.nunique(), revenue=j.amt.sum())
    t = act.join(sizes, "m0")
    year = (t.m0 // 12).cast("string")
    month = (t.m0 % 12 + 1).cast("string").lpad(2, "0")
    return t.select(
        cohort=year + "-" + month,
        months_since_first=t.k.cast("int64"),
        cohort_size=t.cohort_size.cast("int64"),
        active_customers=t.active_customers.cast("int64"),
        retention=t.active_customers.cast("float64") / t.cohort_size.cast("float64"),
        revenue=t.revenue.cast("float64"),
    ).order_by(["cohort", "months_since_first"])


def _index(cohort: str) -> int:
    y, m = cohort.split("-")
    return int(y) * 12 + int(m) - 1


def _observed_until(cohorts: pd.DataFrame) -> int:
    """Month index of the last month with data."""
    return int(max(_index(c) + int(k) for c, k in
                   zip(cohorts.cohort, cohorts.months_since_first, strict=True)))


def retention_matrix(cohorts: pd.DataFrame, value: str = "retention") -> pd.DataFrame:
    """Cohorts as rows, months since first order as columns: 0 where a cohort was observed
    that month without orders, NaN where the month is not observed yet."""
    if cohorts.empty:
        return pd.DataFrame()
    m = cohorts.pivot_table(index="cohort", columns="months_since_first", values=value,
                            aggfunc="sum").sort_index()
    last = _observed_until(cohorts)
    cols = list(range(0, last - _index(m.index[0]) + 1))
    m = m.reindex(columns=cols)
    for c in m.index:
        seen = last - _index(c)
        m.loc[c, [k for k in cols if k <= seen]] = m.loc[c, [k for k in cols if k <= seen]] \
            .fillna(0.0)
    return m


def average_curve(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Retention by months since first order, weighted by cohort size over the cohorts
    observed that long (``months_since_first, retention, cohorts``)."""
    if cohorts.empty:
        return pd.DataFrame(columns=["months_since_first", "retention", "cohorts"])
    sizes = cohorts[cohorts.months_since_first == 0].set_index("cohort")["cohort_size"]
    last = _observed_until(cohorts)
    rows = []
    for k in range(0, last - min(_index(c) for c in sizes.index) + 1):
        seen = [c for c in sizes.index if _index(c) + k <= last]
        size = float(sizes.reindex(seen).sum())
        act = float(cohorts[(cohorts.months_since_first == k)
                            & cohorts.cohort.isin(seen)].active_customers.sum())
        rows.append({"months_since_first": int(k), "retention": act / size if size else None,
                     "cohorts": len(seen)})
    return pd.DataFrame(rows)
