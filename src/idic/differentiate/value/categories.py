"""Customer value categories (Peppers & Rogers): MVC, MGC, LMC, BZ.

Definitions, applied in this order of precedence (the first rule that holds wins):

1. **BZ** (below zero): ``actual_value < 0`` -- the customer costs more than they bring.
2. **MVC** (most valuable): among the other customers, sorted by ``actual_value`` descending
   (ties by ``customer_id``), those with fewer than ``mvc_top * n`` customers before them
   (default ``mvc_top = 0.10``: the top 10% of non-BZ customers, i.e. ``ceil(0.10 * n)``).
3. **MGC** (most growable): among the same ``n`` non-BZ customers sorted by
   ``unrealised_potential`` descending, those with fewer than ``mgc_top * n`` before them
   (default 0.20) and a positive unrealised potential, unless already MVC.
4. **LMC** (low maintenance): everyone else -- serve efficiently.

The cut-offs are compared exactly (decimal shares), so every engine draws the same lines.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from idic.differentiate.value._common import dec, fraction

CATEGORIES = ("MVC", "MGC", "LMC", "BZ")


def value_categories(t: ir.Table, *, mvc_top: float = 0.10, mgc_top: float = 0.20) -> ir.Table:
    """Add ``value_category`` to a table with ``customer_id, actual_value,
    unrealised_potential``."""
    a = dec(fraction(mvc_top, what="mvc_top"))
    g = dec(fraction(mgc_top, what="mgc_top"))
    v = t.view()
    ok = v.filter(v.actual_value >= 0)
    n = ok.count().over()
    ranked = ok.select(
        "customer_id",
        _ra=ibis.row_number().over(order_by=[ok.actual_value.desc(), ok.customer_id]),
        _ru=ibis.row_number().over(order_by=[ok.unrealised_potential.desc(), ok.customer_id]),
        _n=n,
    )
    j = t.left_join(ranked, "customer_id").select(*t.columns, "_ra", "_ru", "_n")
    cat = ibis.cases(
        (j.actual_value < 0, "BZ"),
        (j._ra < j._n * a, "MVC"),
        ((j._ru < j._n * g) & (j.unrealised_potential > 0), "MGC"),
        else_="LMC",
    )
    return j.mutate(value_category=cat).drop("_ra", "_ru", "_n")


def category_summary(t: ir.Table) -> ir.Table:
    """Per category: customers, actual value and unrealised potential (sums)."""
    g = t.group_by("value_category").aggregate(
        customers=t.count(), actual_value=t.actual_value.sum(),
        unrealised_potential=t.unrealised_potential.sum())
    return g.order_by("value_category")
