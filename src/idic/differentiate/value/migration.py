"""Migrators: customers whose value category changed between two as-of dates.

Both dates are valued the same way (history only, no CLV prediction, which exists for one
date only), so a move between categories is a change in the customer, not in the method.
A customer with no order yet at the first date comes ``from`` the category ``NEW``.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from idic.differentiate.value._common import input_error
from idic.differentiate.value.model import Inputs, ValueParams, customer_value

NEW = "NEW"


def migrators(inp: Inputs, *, date_from: date, date_to: date,
              params: ValueParams = ValueParams()) -> ir.Table:
    """Per customer at ``date_to``: ``customer_id, category_from, category_to, migrated``."""
    if not date_from < date_to:
        raise input_error(f"the first date ({date_from}) must be before the second ({date_to})")
    plain = Inputs(orders=inp.orders, cases=inp.cases, surveys=inp.surveys,
                   contacts=inp.contacts, clv=None)
    a = customer_value(plain, as_of=date_from, params=params)
    b = customer_value(plain, as_of=date_to, params=params)
    a = a.select("customer_id", _from=a.value_category)
    j = b.left_join(a, "customer_id")
    t = j.select("customer_id", category_from=ibis.coalesce(j._from, NEW),
                 category_to=j.value_category)
    return t.mutate(migrated=t.category_from != t.category_to)


def flows(migr: ir.Table) -> ir.Table:
    """``category_from, category_to, customers`` (the migration flow chart's links)."""
    return migr.group_by("category_from", "category_to").aggregate(
        customers=migr.count()).order_by("category_from", "category_to")
