"""The "Next best action" section of the report: customers and expected value per action,
where the uplift came from (prior or experiment), and a few example reasons
(Peppers & Rogers ch. 12-13)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from idic.measure.sections import Number, Section, currency_of, fmt

if TYPE_CHECKING:
    from idic.workspace import Workspace


def next_best_action(ws: Workspace) -> Section:
    from idic.customize.nba.priors import measured
    from idic.customize.nba.stage import TABLE

    s = Section("nba", "Next best action",
                intro="One action per customer: the allowed action with the highest expected "
                      "value (uplift x value at stake - cost), behind the consent gate, "
                      "restrictions, objections and contact caps.")
    eng = ws.engine
    if not eng.has_table(TABLE):
        s.available, s.reason = False, "stage not run: nba (idic run or idic nba run)"
        return s
    t = ws.table(TABLE)
    df = eng.to_pandas(t.group_by("action").aggregate(
        customers=t.count(), expected_value=t.expected_value.sum()).order_by("action"))
    n = int(df.customers.sum()) if len(df) else 0
    contact = int(df[df.action != "dont_contact"].customers.sum()) if len(df) else 0
    s.numbers.append(Number("Customers with an action", f"{contact:,} of {n:,}"))
    s.numbers.append(Number("Total expected value",
                            fmt(df.expected_value.sum(), "money", currency_of(ws))))
    s.tables.append(("Customers and expected value per action", df))
    pri = measured(ws)
    s.tables.append(("Uplift used per action", pd.DataFrame([{
        "action": p.action, "uplift": p.uplift, "cost": p.cost,
        "source": f"experiment {p.measured_by}" if p.measured_by else p.source}
        for p in pri.values()])))
    if "uplift_source" in t.columns:
        chosen = t.filter(t.action != "dont_contact")
        s.tables.append(("Where the chosen actions' uplifts came from (measured_model: "
                         "per customer, from a campaign's uplift model)", eng.to_pandas(
                             chosen.group_by(["action", "uplift_source"]).aggregate(
                                 customers=chosen.count()).order_by(["action",
                                                                     "uplift_source"]))))
    ex = eng.to_pandas(t.filter(t.action != "dont_contact").order_by(
        t.expected_value.desc()).select("action", "reason").limit(5))
    s.bullets.extend(ex.reason.tolist())
    return s
