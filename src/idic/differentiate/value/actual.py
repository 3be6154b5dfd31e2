"""Actual (historical) customer value: realised contribution minus cost to serve, at the
as-of date, plus the predicted future value from the CLV models where they exist.

Definitions (DOMAIN.md section 2, "actual lifetime value"; Peppers & Rogers):

- **contribution** of an order = its ``margin`` where known, else ``amount * margin_rate``
  (default 0.30).
- **cost to serve** = ``case_cost`` per complaint/service case + ``return_cost`` per return
  (an order with a negative amount) + ``contact_cost`` per service contact (an event in the
  ``support`` stage). Unit costs are configurable (:class:`CostModel`).
- **historical_value** = the net present value *at the as-of date* of those realised cash
  flows: each flow ``c`` dated ``t`` counts ``c * (1 + d) ** (days(t, as_of) / 365.25)``
  (compounded forward at the annual discount rate ``d``, default 0.10; ``d = 0`` gives the
  plain sum).
- **actual_value** = ``historical_value + clv`` where a CLV prediction exists, else
  ``historical_value``. Money columns are rounded to cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from idic.differentiate.value._common import OUT_MONEY, days_before, input_error


@dataclass(frozen=True)
class CostModel:
    """Unit costs to serve (in the orders' currency)."""

    case_cost: float = 25.0
    return_cost: float = 10.0
    contact_cost: float = 5.0


def margin_ratio(orders: ir.Table) -> float:
    """Total margin / total amount over the orders whose margin is known (1.0 if none).

    The observed contribution rate, used to turn revenue into margin where an order's
    margin is unknown (CLV, customer equity, cash flow from customers).
    """
    import numpy as np

    known = orders.filter(orders.margin.notnull() & orders.amount.notnull())
    agg = known.aggregate(m=known.margin.cast("float64").sum(),
                          a=known.amount.cast("float64").sum()).execute()
    m, a = agg["m"].iloc[0], agg["a"].iloc[0]
    if m is None or a is None or not np.isfinite(m) or not np.isfinite(a) or a <= 0:
        return 1.0
    return float(m / a)


def _growth(as_of: date, ts: ir.TimestampValue, rate: float) -> ir.FloatingValue:
    if rate == 0:
        return ibis.literal(1.0)
    years = days_before(as_of, ts).cast("float64") / 365.25
    return ibis.literal(1.0 + rate) ** years


def historical_value(orders: ir.Table, *, as_of: date, margin_rate: float = 0.30,
                     discount_rate: float = 0.10, cases: ir.Table | None = None,
                     contacts: ir.Table | None = None,
                     costs: CostModel = CostModel()) -> ir.Table:
    """Per customer with an order on or before ``as_of``.

    ``orders``: ``customer_id, ordered_at, amount[, margin]``; ``cases``:
    ``customer_id, opened_at``; ``contacts``: ``customer_id, at``.
    Returns ``customer_id, first_order_at, orders, revenue, contribution, cost_to_serve,
    historical_value`` (money as float64, not yet rounded).
    """
    if not 0 <= margin_rate <= 1:
        raise input_error(f"margin rate must be between 0 and 1, got {margin_rate}")
    if discount_rate <= -1:
        raise input_error(f"discount rate must be above -1, got {discount_rate}")
    o = orders.filter(orders.ordered_at.date() <= as_of)
    amount = o.amount.cast("float64")
    if "margin" in o.columns:
        contrib = ibis.coalesce(o.margin.cast("float64"), amount * margin_rate)
    else:
        contrib = amount * margin_rate
    g = _growth(as_of, o.ordered_at, discount_rate)
    ret = (o.amount < 0).cast("float64") * costs.return_cost
    per = o.group_by("customer_id").aggregate(
        first_order_at=o.ordered_at.min(),
        orders=o.count(),
        revenue=amount.sum(),
        contribution=contrib.sum(),
        _c_npv=(contrib * g).sum(),
        _cost=ret.sum(),
        _cost_npv=(ret * g).sum(),
    )
    extra = []
    if cases is not None:
        c = cases.filter(cases.opened_at.date() <= as_of)
        extra.append(c.select("customer_id", _k=ibis.literal(costs.case_cost),
                              _g=_growth(as_of, c.opened_at, discount_rate)))
    if contacts is not None:
        s = contacts.filter(contacts.at.date() <= as_of)
        extra.append(s.select("customer_id", _k=ibis.literal(costs.contact_cost),
                              _g=_growth(as_of, s.at, discount_rate)))
    if extra:
        u = ibis.union(*extra) if len(extra) > 1 else extra[0]
        svc = u.group_by("customer_id").aggregate(_s=u._k.sum(), _s_npv=(u._k * u._g).sum())
        per = per.left_join(svc, "customer_id").select(
            *[c for c in per.columns],
            _s=ibis.coalesce(svc._s, 0.0), _s_npv=ibis.coalesce(svc._s_npv, 0.0))
    else:
        per = per.mutate(_s=ibis.literal(0.0), _s_npv=ibis.literal(0.0))
    return per.select(
        "customer_id", "first_order_at", "orders", "revenue", "contribution",
        cost_to_serve=per._cost + per._s,
        historical_value=per._c_npv - per._cost_npv - per._s_npv,
    )


def actual_value(history: ir.Table, clv: ir.Table | None = None) -> ir.Table:
    """Add ``clv`` (null without a model) and ``actual_value`` to :func:`historical_value`."""
    if clv is None:
        t = history.mutate(clv=ibis.null("float64"))
    else:
        c = clv.select("customer_id", _clv=clv.clv)
        t = history.left_join(c, "customer_id").select(*history.columns, clv=c._clv)
    return t.mutate(actual_value=t.historical_value + ibis.coalesce(t.clv, 0.0))


def round_money(t: ir.Table, cols: list[str]) -> ir.Table:
    """Round money columns to cents as ``decimal(18, 2)``."""
    return t.mutate(**{c: t[c].cast(OUT_MONEY) for c in cols if c in t.columns})
