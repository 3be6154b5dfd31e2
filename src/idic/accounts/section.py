"""The "B2B accounts" section of the report and dashboard: which companies matter most, how
their contacts were linked, and how much of their value hangs on one person (Peppers & Rogers
ch. 5, "Customer Identification in a B2B Setting": the customer is the company, the
decision is made by several people)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from idic.measure.sections import Number, Section, fmt, guarded

if TYPE_CHECKING:
    from idic.workspace import Workspace

TOP = 10
_LINKED_BY = {"group": "tracker group call", "column": "CRM column", "domain": "e-mail domain"}


def top_accounts_chart(top: pd.DataFrame, currency: str) -> go.Figure:
    """Horizontal bars: revenue of the top accounts, contacts in the hover and the label."""
    names = [f"{r.name or r.account_id} ({int(r.contacts)} contact"
             f"{'s' if int(r.contacts) != 1 else ''})" for r in top.itertuples()]
    fig = go.Figure(go.Bar(x=top.revenue.astype(float), y=names, orientation="h",
                           marker_color="#1f77b4",
                           text=[fmt(v, "money", currency) for v in top.revenue],
                           textposition="auto"))
    lead = top.iloc[0]
    fig.update_layout(
        title=f"{lead['name'] or lead['account_id']} is the largest account: "
              f"{fmt(lead['revenue'], 'money', currency)} from {int(lead['contacts'])} "
              f"contact{'s' if int(lead['contacts']) != 1 else ''}",
        width=1000, height=max(320, 40 * len(top) + 160), font={"size": 13},
        xaxis={"title": f"revenue ({currency})" if currency else "revenue",
               "tickformat": ",.0f"},
        yaxis={"title": "account", "autorange": "reversed", "type": "category"})
    return fig


@guarded("accounts", "B2B accounts")
def accounts(ws: Workspace, *, currency: str = "") -> Section:
    s = Section("accounts", "B2B accounts")
    if not ws.engine.has_table("account_value") or not ws.engine.count("account_value"):
        s.available = False
        s.reason = ("stage not run: load accounts (file or tracker group calls), then "
                    "idic accounts run")
        return s
    v = ws.engine.to_pandas(ws.table("account_value"))
    links = ws.engine.to_pandas(ws.table("account_contacts"))
    s.intro = ("In a business-to-business relationship the customer is the company; its "
               "contacts are the people who buy, use and decide. Orders, value and CLV are "
               "summed over each account's linked contacts.")
    revenue = float(v.revenue.fillna(0).sum())
    s.numbers += [Number("Accounts", f"{len(v):,}"),
                  Number("Linked contacts", f"{len(links):,}"),
                  Number("Account revenue", fmt(revenue, "money", currency))]
    if "clv" in v and v.clv.notna().any():
        s.numbers.append(Number("Account CLV (sum)", fmt(v.clv.sum(), "money", currency)))
    with_rev = v[v.revenue.fillna(0) > 0].sort_values(["revenue", "account_id"],
                                                      ascending=[False, True])
    if not with_rev.empty:
        s.figures.append(top_accounts_chart(with_rev.head(TOP), currency))
    single = v[(v.contacts.fillna(0) == 1) & (v.revenue.fillna(0) > 0)]
    if len(single):
        s.bullets.append(
            f"{len(single):,} account{'s' if len(single) != 1 else ''} with revenue "
            f"({fmt(single.revenue.sum(), 'money', currency)}) rest on a single known "
            "contact: if that person leaves, the relationship has no one else on file.")
    silent = v[v.contacts.fillna(0) > 0]
    silent = silent[silent.revenue.fillna(0) == 0]
    if len(silent):
        s.bullets.append(f"{len(silent):,} account{'s' if len(silent) != 1 else ''} have "
                         "linked contacts but no orders yet.")
    by = links.linked_by.map(_LINKED_BY).fillna(links.linked_by).value_counts()
    s.bullets.append("Contacts linked by " + ", ".join(f"{k}: {n:,}" for k, n in by.items())
                     + " (strongest evidence first: a group call, then a CRM column, then "
                       "the work e-mail domain when configured).")
    cols = {"account_id": "Account", "name": "Name", "industry": "Industry",
            "contacts": "Contacts", "orders": "Orders", "revenue": "Revenue",
            "clv": "CLV", "rfm_segment": "RFM segment", "recency_days": "Days since order"}
    table = with_rev.head(TOP)[[c for c in cols if c in with_rev]].rename(columns=cols)
    for c in ("Revenue", "CLV"):
        if c in table:
            table[c] = [fmt(x, "money", currency) for x in table[c]]
    for c in ("Contacts", "Orders", "Days since order"):
        if c in table:
            table[c] = [fmt(x, "count") for x in table[c]]
    if not table.empty:
        s.tables.append((f"Top {len(table)} accounts by revenue", table))
    return s
