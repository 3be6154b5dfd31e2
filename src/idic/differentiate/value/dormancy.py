"""Dormancy, churn risk and leading indicators of value change.

Definitions (DOMAIN.md section 2, "churn / dormancy"):

- **expected_ipt_days** (expected inter-purchase time): for a customer with ``k >= 2``
  orders, ``(last order - first order) / (k - 1)`` in days; for a one-order customer, the
  mean of the repeat customers' values (the customer has no rhythm of their own yet).
- **dormant**: where a CLV model gives ``p_alive``, ``p_alive < p_alive_threshold``
  (default 0.5); otherwise ``recency_days > factor * expected_ipt_days`` (default factor 1:
  "no order for longer than their own expected inter-purchase time").
- **Leading indicators** over two windows of ``window_days`` (default 180) ending at the
  as-of date (recent) and just before it (previous):
  ``falling_frequency`` (fewer orders recently than before), ``fewer_channels`` (fewer
  distinct order channels), ``recent_complaints`` (cases opened in the recent window),
  ``nps_drop`` (latest NPS answer lower than the one before, or a detractor 0-6).
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir


def dormancy(base: ir.Table, *, p_alive: ir.Table | None = None, factor: float = 1.0,
             p_alive_threshold: float = 0.5) -> ir.Table:
    """``base`` needs ``customer_id, first_order_at, last_order_at, frequency,
    recency_days``; returns ``customer_id, expected_ipt_days, p_alive, dormant``."""
    span = (base.last_order_at.epoch_seconds() - base.first_order_at.epoch_seconds()) / 86400.0
    own = ibis.ifelse(base.frequency >= 2, span / (base.frequency - 1).cast("float64"),
                      ibis.null("float64"))
    t = base.mutate(_own=own)
    t = t.mutate(expected_ipt_days=ibis.coalesce(t._own, t._own.mean().over()))
    if p_alive is None:
        t = t.mutate(p_alive=ibis.null("float64"))
    else:
        pa_ = p_alive.select("customer_id", _pa=p_alive.p_alive)
        t = t.left_join(pa_, "customer_id").select(*t.columns, p_alive=pa_._pa)
    by_ipt = t.recency_days.cast("float64") > t.expected_ipt_days * factor
    dormant = ibis.ifelse(t.p_alive.notnull(), t.p_alive < p_alive_threshold,
                          ibis.coalesce(by_ipt, False))
    return t.select("customer_id", "expected_ipt_days", "p_alive", dormant=dormant)


def leading_indicators(orders: ir.Table, *, as_of: date, window_days: int = 180,
                       cases: ir.Table | None = None,
                       surveys: ir.Table | None = None) -> ir.Table:
    """Per customer with orders: ``orders_recent, orders_previous, channels_recent,
    channels_previous, falling_frequency, fewer_channels, recent_complaints, last_nps,
    nps_drop``."""
    recent0 = as_of - timedelta(days=window_days - 1)
    prev0 = recent0 - timedelta(days=window_days)
    d = orders.ordered_at.date()
    o = orders.filter((d >= prev0) & (d <= as_of)).mutate(_recent=d >= recent0)
    ch_r = ibis.ifelse(o._recent, o.channel, ibis.null("string"))
    ch_p = ibis.ifelse(o._recent, ibis.null("string"), o.channel)
    win = o.group_by("customer_id").aggregate(
        orders_recent=o._recent.cast("int64").sum(),
        orders_previous=(~o._recent).cast("int64").sum(),
        channels_recent=ch_r.nunique(),
        channels_previous=ch_p.nunique(),
    )
    custs = orders.filter(d <= as_of).select("customer_id").distinct()
    t = custs.left_join(win, "customer_id").select(
        "customer_id",
        orders_recent=ibis.coalesce(win.orders_recent, 0),
        orders_previous=ibis.coalesce(win.orders_previous, 0),
        channels_recent=ibis.coalesce(win.channels_recent, 0),
        channels_previous=ibis.coalesce(win.channels_previous, 0),
    )
    if cases is not None:
        cd = cases.opened_at.date()
        c = cases.filter((cd >= recent0) & (cd <= as_of))
        cc = c.group_by("customer_id").aggregate(_n=c.count())
        t = t.left_join(cc, "customer_id").select(*t.columns,
                                                  recent_complaints=ibis.coalesce(cc._n, 0))
    else:
        t = t.mutate(recent_complaints=ibis.literal(0, "int64"))
    if surveys is not None:
        s = surveys.filter((surveys.survey == "nps") & surveys.score.notnull()
                           & (surveys.responded_at.date() <= as_of))
        s = s.mutate(_k=ibis.row_number().over(
            group_by=s.customer_id, order_by=[s.responded_at.desc(), s.response_id.desc()]))
        s = s.filter(s._k <= 1)
        n = s.group_by("customer_id").aggregate(
            last_nps=s.score.max(where=s._k == 0), prev_nps=s.score.max(where=s._k == 1))
        t = t.left_join(n, "customer_id").select(*t.columns, "last_nps", "prev_nps")
    else:
        t = t.mutate(last_nps=ibis.null("float64"), prev_nps=ibis.null("float64"))
    return t.mutate(
        falling_frequency=t.orders_recent < t.orders_previous,
        fewer_channels=t.channels_recent < t.channels_previous,
        nps_drop=ibis.coalesce((t.last_nps < t.prev_nps) | (t.last_nps <= 6), False),
    ).drop("prev_nps")
