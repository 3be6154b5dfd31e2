"""ABC / Pareto analysis, Lorenz curve and Gini coefficient of customer value.

Definitions (issue 5; DOMAIN.md section 2):

- Customers are sorted by value descending, ties by ``customer_id`` ascending. For each
  customer, ``share_before`` is the share of the total value held by the customers *before*
  this one. Class **A** if ``share_before < a`` (default 0.80), **B** if ``< b`` (default
  0.95), else **C**. So the customer whose own value crosses the 80% line is still A: the
  A customers are exactly the fewest top customers that together reach 80%.
  The comparison is exact (decimal cents, ``cumulative < a * total``), so engines agree.
  With a total of zero or less every customer is C.
- **Lorenz curve**: customers sorted by value *ascending*; the point after ``i`` customers is
  ``(i / n, cumulative value / total)``.
- **Gini coefficient** (from the sorted values ``x_(1) <= ... <= x_(n)``):
  ``G = 2 * sum(i * x_(i)) / (n * sum(x)) - (n + 1) / n`` -- 0 when everyone is worth the
  same, ``(n - 1) / n`` when one customer holds everything. Negative values may push it
  above 1 (documented, not clipped).
- **"x% of customers make 80% of value"**: the share of customers in the smallest top group
  whose value reaches 80% of the total (:func:`share_of_customers_making`).
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pandas as pd

from idic.differentiate.value._common import dec, fraction, input_error, money

ABC_COLUMNS = ("customer_id", "value", "abc_class")
"""Output columns of ``idic value abc`` (the contract)."""


def _check_cutoffs(cutoffs: tuple[float, float]) -> tuple[Decimal, Decimal]:
    if len(cutoffs) != 2:
        raise input_error(f"ABC needs two cut-offs (A, B), got {cutoffs!r}")
    a = fraction(cutoffs[0], what="the A cut-off")
    b = fraction(cutoffs[1], what="the B cut-off")
    if not a <= b:
        raise input_error(f"ABC cut-offs must grow: A {a} > B {b}",
                         hint="e.g. --cutoffs 0.8,0.95")
    return a, b


def customer_values(rows: ir.Table, *, customer_col: str = "customer_id",
                    value_col: str = "amount") -> ir.Table:
    """Total ``value_col`` per customer: ``customer_id, value`` (exact cents)."""
    for col in (customer_col, value_col):
        if col not in rows.columns:
            raise input_error(f"column {col!r} not found; columns are {', '.join(rows.columns)}")
    return rows.group_by(customer_id=rows[customer_col].cast("string")).aggregate(
        value=money(rows[value_col].sum()))


def abc(values: ir.Table, *, value_col: str = "value", customer_col: str = "customer_id",
        cutoffs: tuple[float, float] = (0.80, 0.95)) -> ir.Table:
    """ABC classes of one row per customer.

    Returns ``customer_id, value, value_rank, share_before, abc_class``; ``value`` is rounded
    to cents, ``value_rank`` is 1 for the most valuable customer.
    """
    a, b = _check_cutoffs(cutoffs)
    t = values.select(customer_id=values[customer_col].cast("string"),
                      value=money(values[value_col]))
    order = [t.value.desc(), t.customer_id]
    total = t.value.sum().over()
    cum = t.value.sum().over(ibis.cumulative_window(order_by=order))
    t = t.mutate(value_rank=ibis.row_number().over(order_by=order) + 1,
                 _before=cum - t.value, _total=total)
    cls = ibis.cases((t._before < t._total * dec(a), "A"),
                     (t._before < t._total * dec(b), "B"), else_="C")
    cls = ibis.ifelse(t._total > 0, cls, "C")
    share = t._before.cast("float64") / t._total.cast("float64").nullif(0)
    return t.select("customer_id", "value", "value_rank", share_before=share, abc_class=cls)


def class_summary(abc_table: ir.Table) -> ir.Table:
    """Per class: customers, value, share of customers and of value."""
    t = abc_table
    g = t.group_by("abc_class").aggregate(customers=t.count(), value=t.value.sum())
    return g.mutate(
        customer_share=g.customers.cast("float64") / g.customers.sum().over(),
        value_share=g.value.cast("float64") / g.value.sum().over().cast("float64").nullif(0),
    ).order_by("abc_class")


def share_of_customers_making(values: ir.Table, share: float = 0.80, *,
                              value_col: str = "value") -> float:
    """Share of customers (0-1) in the smallest top group holding ``share`` of total value."""
    s = dec(fraction(share, what="share"))
    t = values.select(customer_id=values.customer_id.cast("string"), value=money(values[value_col]))
    order = [t.value.desc(), t.customer_id]
    t = t.mutate(_before=t.value.sum().over(ibis.cumulative_window(order_by=order)) - t.value,
                 _total=t.value.sum().over())
    r = t.aggregate(k=(t._before < t._total * s).cast("int64").sum(), n=t.count()).execute()
    n = int(r["n"].iloc[0])
    return 0.0 if n == 0 else float(r["k"].iloc[0] or 0) / n


def gini(values: ir.Table, *, value_col: str = "value") -> float:
    """Gini coefficient of the per-customer values (formula in the module docstring)."""
    t = values.select(customer_id=values.customer_id.cast("string"), value=money(values[value_col]))
    t = t.mutate(i=ibis.row_number().over(order_by=[t.value, t.customer_id]) + 1)
    x = t.value.cast("float64")
    r = t.aggregate(n=t.count(), sx=x.sum(), six=(t.i.cast("float64") * x).sum()).execute()
    n, sx, six = int(r["n"].iloc[0]), r["sx"].iloc[0], r["six"].iloc[0]
    if n == 0 or not sx:
        return 0.0
    return float(2.0 * six / (n * sx) - (n + 1) / n)


def lorenz_curve(values: ir.Table, *, value_col: str = "value", points: int = 200) -> pd.DataFrame:
    """Lorenz curve as at most ``points`` + 1 points ``customer_share, value_share`` (0-1),
    starting at (0, 0); the last point of each of ``points`` equal customer buckets."""
    if points < 1:
        raise input_error("points must be at least 1")
    t = values.select(customer_id=values.customer_id.cast("string"), value=money(values[value_col]))
    order = [t.value, t.customer_id]
    n = t.count().over()
    t = t.mutate(i=ibis.row_number().over(order_by=order) + 1, n=n,
                 cum=t.value.sum().over(ibis.cumulative_window(order_by=order)),
                 total=t.value.sum().over())
    t = t.mutate(bucket=((t.i * points) / t.n).ceil().cast("int64"))
    t = t.mutate(last=t.i.max().over(group_by=t.bucket))
    pts = t.filter(t.i == t.last).select(
        customer_share=t.i.cast("float64") / t.n,
        value_share=t.cum.cast("float64") / t.total.cast("float64").nullif(0),
    ).order_by("customer_share").execute()
    head = pd.DataFrame({"customer_share": [0.0], "value_share": [0.0]})
    return pd.concat([head, pts], ignore_index=True).astype("float64")
