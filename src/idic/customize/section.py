"""The "Treatments" section of the report and the audiences/campaigns dashboard page:
customers per treatment with the reason, saved audiences with their members, campaigns with
their lists, and the fairness flags of each audience."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from idic.measure.sections import Number, Section

if TYPE_CHECKING:
    from idic.workspace import Workspace


def treatments(ws: Workspace) -> Section:
    s = Section("treatments", "Treatments",
                intro="Different customers, treated differently: the treatment matrix by "
                      "class (ABC, value category, dormancy), behind consent, restriction "
                      "and objection.")
    eng = ws.engine
    if not eng.has_table("treatments"):
        s.available, s.reason = False, "stage not run: customize (idic run)"
        return s
    t = ws.table("treatments")
    df = eng.to_pandas(t.group_by("treatment", "reason", "purpose").aggregate(
        customers=t.count()).order_by("treatment"))
    n = int(t.customer_id.nunique().execute())
    s.numbers.append(Number("Customers with a treatment", f"{n:,}"))
    s.tables.append(("Customers per treatment", df.rename(columns={"purpose": "consent needed"})))
    return s


def audiences_and_campaigns(ws: Workspace) -> Section:
    from idic.customize import audiences as au
    from idic.customize import campaigns as cp
    from idic.customize.fairness import audience_fairness

    s = Section("audiences", "Audiences and campaigns",
                intro="Saved audiences (rule + consent gate), their fairness flags, and "
                      "campaigns with their treatment and holdout lists.")
    auds = au.all_audiences(ws)
    if not auds:
        s.available, s.reason = False, "no audience yet: `idic audiences create`"
        return s
    rows = []
    for a in auds:
        n = (int(au.members(ws, a.name).count().execute())
             if ws.engine.has_table(au.MEMBERS) else 0)
        flags = audience_fairness(ws, a.name)["flagged"]
        rows.append({"audience": a.name, "version": a.version, "purpose": a.purpose,
                     "channel": a.channel, "members": n, "rule": a.rule,
                     "fairness flags": ", ".join(flags) or "none"})
    s.tables.append(("Audiences", pd.DataFrame(rows)))
    camps = cp.all_campaigns(ws)
    if camps:
        s.tables.append(("Campaigns", pd.DataFrame([{
            "campaign": c.name, "audience": c.audience, "channel": c.channel,
            "sent": c.sent_at.strftime("%Y-%m-%d"), "treatment": c.treatment,
            "holdout": c.holdout_size, "excluded (consent)": c.excluded_by_gate,
            "excluded (caps)": c.excluded_by_cap} for c in camps])))
    return s
