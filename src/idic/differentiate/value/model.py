"""The per-customer value picture: one Ibis expression from the workspace inputs.

:func:`customer_value` joins the pieces of the other modules (actual value, SOC, potential,
value category, dormancy, leading indicators) into one row per customer; the stage writes it
as the ``value`` table and migration compares it at two dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import ibis.expr.types as ir

from idic.differentiate.value import sources
from idic.differentiate.value.actual import CostModel, actual_value, historical_value, round_money
from idic.differentiate.value.categories import value_categories
from idic.differentiate.value.dormancy import dormancy, leading_indicators
from idic.differentiate.value.potential import (
    potential,
    share_of_customer,
    spend_12m,
    stated_wallets,
)
from idic.differentiate.value.rfm import customer_rfm_base

MONEY_COLUMNS = ["revenue", "contribution", "cost_to_serve", "historical_value", "clv",
                 "actual_value", "spend_12m", "wallet", "potential_value",
                 "unrealised_potential"]

CUSTOMER_VALUE_COLUMNS = (
    "customer_id", "orders", "first_order_at", "last_order_at", "recency_days",
    "revenue", "contribution", "cost_to_serve", "historical_value", "clv", "actual_value",
    "spend_12m", "wallet", "wallet_source", "soc", "potential_value", "unrealised_potential",
    "value_category", "expected_ipt_days", "p_alive", "dormant",
    "orders_recent", "orders_previous", "falling_frequency", "channels_recent",
    "channels_previous", "fewer_channels", "recent_complaints", "last_nps", "nps_drop",
)
"""Columns of the ``value`` table."""


@dataclass(frozen=True)
class ValueParams:
    """Every knob of the value stage, with the documented defaults (docs/value.md)."""

    margin_rate: float = 0.30
    discount_rate: float = 0.10
    costs: CostModel = field(default_factory=CostModel)
    target_soc: float = 0.50
    potential_years: int = 3
    abc_cutoffs: tuple[float, float] = (0.80, 0.95)
    mvc_top: float = 0.10
    mgc_top: float = 0.20
    dormancy_factor: float = 1.0
    p_alive_threshold: float = 0.5
    window_days: int = 180


@dataclass
class Inputs:
    """The customer-keyed input tables (None where the workspace has none)."""

    orders: ir.Table
    cases: ir.Table | None = None
    surveys: ir.Table | None = None
    contacts: ir.Table | None = None
    clv: ir.Table | None = None

    @classmethod
    def from_workspace(cls, ws, *, include_clv: bool = True) -> Inputs:
        return cls(orders=sources.orders(ws), cases=sources.cases(ws),
                   surveys=sources.surveys(ws), contacts=sources.service_contacts(ws),
                   clv=sources.clv(ws) if include_clv else None)


def customer_value(inp: Inputs, *, as_of: date, params: ValueParams = ValueParams()) -> ir.Table:
    """One row per customer with an order on or before ``as_of``: columns
    :data:`CUSTOMER_VALUE_COLUMNS` (money rounded to cents)."""
    p = params
    orders = inp.orders
    base, _ = customer_rfm_base(orders, as_of=as_of)
    hist = historical_value(orders, as_of=as_of, margin_rate=p.margin_rate,
                            discount_rate=p.discount_rate, cases=inp.cases,
                            contacts=inp.contacts, costs=p.costs)
    val = actual_value(hist, inp.clv)
    soc = share_of_customer(val, spend_12m(orders, as_of=as_of),
                            stated_wallets(inp.surveys, as_of=as_of))
    t = val.join(soc, "customer_id")
    t = potential(t, target_soc=p.target_soc, default_margin_rate=p.margin_rate,
                  years=p.potential_years, discount_rate=p.discount_rate)
    t = round_money(t, MONEY_COLUMNS)
    t = value_categories(t, mvc_top=p.mvc_top, mgc_top=p.mgc_top)
    b = base.select("customer_id", "last_order_at", "recency_days", "frequency")
    t = t.join(b, "customer_id")
    d = dormancy(t, p_alive=inp.clv, factor=p.dormancy_factor,
                 p_alive_threshold=p.p_alive_threshold)
    li = leading_indicators(orders, as_of=as_of, window_days=p.window_days, cases=inp.cases,
                            surveys=inp.surveys)
    t = t.join(d, "customer_id").join(li, "customer_id")
    return t.select(*CUSTOMER_VALUE_COLUMNS)
