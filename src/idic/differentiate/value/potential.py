"""Share of customer (SOC), potential value and unrealised potential.

Definitions (DOMAIN.md section 2; Peppers & Rogers):

- **spend_12m**: the customer's spend with us in the 365 days up to the as-of date.
- **wallet**: the customer's total annual category spend. From the latest ``wallet`` survey
  answer (``category_spend``) on or before the as-of date where given
  (``wallet_source = 'survey'``). Where not given it is **estimated from similar customers**
  (``wallet_source = 'estimated'``): customers are put in cells of similar spend with us
  (one cell for no spend in the last 12 months, five quintile cells of positive spend, the
  quintile rule of RFM); in each cell the *ratio estimator* from the respondents gives
  ``wallet = spend_12m * sum(wallet) / sum(spend_12m)``, and in the no-spend cell the
  respondents' mean wallet. A cell without respondents uses all respondents. Without any
  respondent the wallet is unknown (null). A wallet is never below ``spend_12m``.
- **soc** = ``spend_12m / wallet`` (null when the wallet is unknown or zero).
- **unrealised_potential** = the contribution the customer would add per year at the target
  share, ``max(target_soc * wallet - spend_12m, 0) * margin rate`` (the customer's own
  contribution / revenue where positive, else the default rate), over ``years`` years
  discounted at ``discount_rate`` (annuity factor ``sum_{y=1..years} (1 + d) ** -y``).
- **potential_value** = ``actual_value + unrealised_potential`` (so unrealised potential is
  exactly potential - actual).
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from idic.differentiate.value._common import input_error, rank_score


def spend_12m(orders: ir.Table, *, as_of: date) -> ir.Table:
    """``customer_id, spend_12m`` for customers with an order in the year up to ``as_of``."""
    start = as_of - timedelta(days=364)
    d = orders.ordered_at.date()
    o = orders.filter((d >= start) & (d <= as_of))
    return o.group_by("customer_id").aggregate(spend_12m=o.amount.cast("float64").sum())


def stated_wallets(surveys: ir.Table | None, *, as_of: date) -> ir.Table | None:
    """Latest stated category spend per customer: ``customer_id, stated_wallet``."""
    if surveys is None:
        return None
    s = surveys.filter((surveys.survey == "wallet") & surveys.category_spend.notnull()
                       & (surveys.responded_at.date() <= as_of))
    s = s.mutate(_k=ibis.row_number().over(
        group_by=s.customer_id, order_by=[s.responded_at.desc(), s.response_id.desc()]))
    return s.filter(s._k == 0).select("customer_id",
                                      stated_wallet=s.category_spend.cast("float64"))


def share_of_customer(customers: ir.Table, spend: ir.Table,
                      stated: ir.Table | None) -> ir.Table:
    """``customers`` (with ``customer_id``) + ``spend_12m, wallet, wallet_source, soc``."""
    base = customers.select("customer_id")
    sp = spend.select("customer_id", _sp=spend.spend_12m)
    t = base.left_join(sp, "customer_id").select(
        "customer_id", spend_12m=ibis.coalesce(sp._sp, 0.0))
    if stated is None:
        t = t.mutate(stated_wallet=ibis.null("float64"))
    else:
        w = stated.select("customer_id", _w=stated.stated_wallet)
        t = t.left_join(w, "customer_id").select(*t.columns, stated_wallet=w._w)
    # cells of similar customers: 0 = no spend in the last year, 1..5 = spend quintiles
    v = t.view()
    pos = v.filter(v.spend_12m > 0)
    pos = pos.select("customer_id", _cell=rank_score([pos.spend_12m, pos.customer_id],
                                                      pos.count().over()))
    t = t.left_join(pos, "customer_id").select(*t.columns, cell=ibis.coalesce(pos._cell, 0))
    # respondents' statistics per cell and overall, as windows (no self-join)
    has = t.stated_wallet.notnull()
    sw = t.stated_wallet
    ss = ibis.ifelse(has, t.spend_12m, ibis.null("float64"))
    t = t.mutate(_sw=sw.sum().over(group_by=t.cell), _ss=ss.sum().over(group_by=t.cell),
                 _mw=sw.mean().over(group_by=t.cell), _gsw=sw.sum().over(),
                 _gss=ss.sum().over(), _gmw=sw.mean().over())
    ratio = ibis.coalesce(t._sw / t._ss.nullif(0), t._gsw / t._gss.nullif(0))
    mean = ibis.coalesce(t._mw, t._gmw)
    est = ibis.ifelse(t.spend_12m > 0, t.spend_12m * ratio, mean)
    wallet = ibis.coalesce(t.stated_wallet, est)
    # GREATEST skips nulls on DuckDB and Spark: keep an unknown wallet unknown
    wallet = ibis.ifelse(wallet.isnull(), ibis.null("float64"), ibis.greatest(wallet, t.spend_12m))
    t = t.mutate(
        wallet=wallet,
        wallet_source=ibis.ifelse(t.stated_wallet.notnull(), "survey",
                                  ibis.ifelse(est.notnull(), "estimated", ibis.null("string"))),
    )
    t = t.mutate(soc=t.spend_12m / t.wallet.nullif(0.0))
    return t.select("customer_id", "spend_12m", "wallet", "wallet_source", "soc")


def annuity(years: float, discount_rate: float) -> float:
    """``sum_{y=1..years} (1 + d) ** -y`` (whole years; ``years`` when d = 0)."""
    n = int(years)
    if n < 0:
        raise input_error(f"potential horizon must be >= 0 years, got {years}")
    if discount_rate == 0:
        return float(n)
    return sum((1 + discount_rate) ** -y for y in range(1, n + 1))


def potential(t: ir.Table, *, target_soc: float = 0.5, default_margin_rate: float = 0.30,
              years: int = 3, discount_rate: float = 0.10) -> ir.Table:
    """Add ``potential_value, unrealised_potential`` to a table holding ``actual_value,
    revenue, contribution, spend_12m, wallet`` (see the module docstring)."""
    if not 0 < target_soc <= 1:
        raise input_error(f"target share of customer must be in (0, 1], got {target_soc}")
    rate = ibis.ifelse((t.revenue > 0) & (t.contribution > 0),
                       t.contribution / t.revenue.nullif(0.0), default_margin_rate)
    gap = ibis.greatest(t.wallet * target_soc - t.spend_12m, 0.0)
    unreal = ibis.coalesce(gap * rate * annuity(years, discount_rate), 0.0)
    return t.mutate(unrealised_potential=unreal, potential_value=t.actual_value + unreal)
