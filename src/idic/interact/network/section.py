"""Report / dashboard section "Roles and networks" (from the network stage's tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from idic.measure.sections import Number, Section

if TYPE_CHECKING:
    from idic.workspace import Workspace

ROLE_ORDER = ("consumer", "customer", "user", "influencer", "fan", "ambassador", "basher")


def _rate(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def network(ws: Workspace, currency: str = "") -> Section:
    """Roles with their KPIs, top referrers by count and by value, Kumar's 2x2, bashers."""
    from idic.charts import network as nc
    from idic.interact.network import bashers, value

    s = Section("network", "Roles and networks", intro=(
        "One person holds several roles at once (consumer, customer, user, influencer, fan, "
        "ambassador, basher; Augmented Customer Strategy, table 6.1). Value beyond purchases: "
        "customer referral value (Kumar, Petersen & Leone 2007), influencer and knowledge "
        "value (stated proxies)."))
    eng = ws.engine
    if not (eng.has_table("network_metrics") and eng.has_table("customer_roles")):
        s.available, s.reason = False, "stage not run: `idic network run` builds it"
        return s
    m = eng.to_pandas(ws.table("network_metrics"))
    r = eng.to_pandas(ws.table("customer_roles"))
    if m.empty:
        s.available, s.reason = False, "no customers in network_metrics"
        return s
    counts = r.groupby("role")["customer_id"].nunique().rename("customers").reset_index()
    order = {k: i for i, k in enumerate(ROLE_ORDER)}
    counts = counts.sort_values("role", key=lambda x: x.map(order).fillna(99))
    is_b = m["customer_id"].isin(set(r.loc[r["role"] == "basher", "customer_id"])).to_numpy()
    m["cases"], m["delivery_delays"] = m["pain_points"], 0
    b = bashers.summary(m, is_b)
    per = r.groupby("customer_id")["role"].nunique()
    s.numbers += [
        Number("Customers", f"{len(m):,}"),
        Number("Referrals", f"{int(m['referrals'].sum()):,}"),
        Number("Referral value", f"{m['referral_value'].sum():,.0f} {currency}".strip()),
        Number("Roles per customer (mean)", f"{per.mean():.2f}"),
        Number("Bashers", f"{b['bashers']:,}", good=False if b["bashers"] else None),
        Number("Bashers' reach (followers)", f"{b['basher_reach']:,}"),
        Number("Basher rate after a pain point", _rate(b["basher_rate_after_pain_point"])),
        Number("Basher rate without", _rate(b["basher_rate_without_pain_point"])),
    ]
    top = value.top_referrers(m, 10)
    if top["by_count"]:
        c0, v0 = top["by_count"][0], top["by_value"][0]
        s.bullets.append(
            f"Top referrer by count: {c0['customer_id']} ({c0['referrals']} referrals, referral "
            f"value {c0['referral_value']:,.0f}); top by value: {v0['customer_id']} "
            f"({v0['referrals']} referrals, {v0['referral_value']:,.0f})"
            + (" - the same person." if top["same_top"] else
               " - rank by value, not by volume."))
        both = ({r["customer_id"] for r in top["by_count"]}
                & {r["customer_id"] for r in top["by_value"]})
        s.bullets.append(f"{len(both)} of the top {len(top['by_count'])} referrers by count are "
                         f"in the top {len(top['by_value'])} by referral value.")
    s.bullets.append(
        f"Love becomes hate: {_rate(b['basher_rate_after_pain_point'])} of the customers who "
        f"posted 3+ mentions and met a pain point (complaint or delayed delivery) are bashers, against "
        f"{_rate(b['basher_rate_without_pain_point'])} of the others; {b['bashers_in_top_clv']} "
        f"basher(s) among the top {b['top_clv_share']:.0%} by CLV.")
    grid = value.targeting_grid(m)
    if len(grid):
        s.figures.append(nc.targeting_grid_figure(grid, currency))
    s.figures.append(nc.roles_figure(counts))
    kpis = []
    for role in counts["role"]:
        ids = set(r.loc[r["role"] == role, "customer_id"])
        d = m[m["customer_id"].isin(ids)]
        kpis.append({"role": role, "customers": len(d),
                     "median CLV": round(float(d["clv"].median()), 2) if d["clv"].notna().any()
                     else np.nan,
                     "referrals": int(d["referrals"].sum()), "mentions": int(d["mentions"].sum()),
                     "mean reach": round(float(d["reach"].mean()), 1),
                     "mean mention sentiment": round(float(d["mention_sentiment"].mean()), 3)
                     if d["mention_sentiment"].notna().any() else np.nan})
    s.tables.append(("Roles and their indicators", pd.DataFrame(kpis)))
    keep = ["customer_id", "referrals", "referred_value", "referral_value", "clv"]
    s.tables.append(("Top referrers by count", pd.DataFrame(top["by_count"])[keep]
                     if top["by_count"] else pd.DataFrame(columns=keep)))
    s.tables.append(("Top referrers by referral value", pd.DataFrame(top["by_value"])[keep]
                     if top["by_value"] else pd.DataFrame(columns=keep)))
    bt = m[is_b].sort_values("reach", ascending=False).head(10)
    s.tables.append(("Bashers by reach", bt[["customer_id", "mentions", "negative_share",
                                             "reach", "clv", "pagerank"]]))
    return s
