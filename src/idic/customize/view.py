"""What Customize holds on one customer, for the customer 360: audiences they are in,
treatments with reasons, restriction/objection state, remembered preferences."""

from __future__ import annotations

from typing import Any

import ibis


def customer_view(ws, customer_id: str) -> dict[str, Any]:
    from idic.customize import audiences as au
    from idic.customize import rights
    from idic.customize.preferences import PREFERENCES, current_preferences
    from idic.customize.treatments import TREATMENTS

    eng = ws.engine
    cid = ibis.literal(customer_id)
    out: dict[str, Any] = {"rights": rights.state_of(ws, customer_id)}
    if eng.has_table(au.MEMBERS):
        m = ws.table(au.MEMBERS)
        out["audiences"] = sorted(eng.to_arrow(m.filter(m.customer_id == cid).select(
            "audience")).column(0).to_pylist())
    if eng.has_table(TREATMENTS):
        t = ws.table(TREATMENTS)
        out["treatments"] = eng.to_arrow(t.filter(t.customer_id == cid).select(
            "treatment", "reason", "rule").order_by("treatment")).to_pylist()
    if eng.has_table(PREFERENCES):
        p = current_preferences(ws)
        out["preferences"] = {r["key"]: r["value"] for r in eng.to_arrow(
            p.filter(p.customer_id == cid).select("key", "value")).to_pylist()}
    return out
