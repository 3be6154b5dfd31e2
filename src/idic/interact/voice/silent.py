"""Silent dissatisfaction and avoidable ("dumb") contacts.

Most unhappy customers never complain (TARP's studies for the US Office of Consumer Affairs,
quoted in Peppers & Rogers, *Managing Customer Experience and Relationships*, ch. 8: "96% of
customers with complaints do not voice them directly"); a firm that waits for complaints
sees few of the customers it hurt.

* ``silent_dissatisfied``: one row per **delayed order** (a ``Delivery Delayed`` event naming
  the order) whose customer opened no ``late delivery`` case about it. A late-delivery case
  answers the customer's latest not-yet-answered delayed order placed :data:`MIN_DAYS` to
  :data:`MATCH_DAYS` days before it, one case per order. An order whose delay is not in
  the data yet (its ``Delivery Delayed`` event comes after the as-of date) is not counted.
* **Avoidable contacts** (Price & Jaffe, *The Best Service is No Service*, 2008: contacts that
  should not have been needed): cases whose topic is a failure the firm caused and could have
  prevented or announced (:data:`AVOIDABLE_TOPICS`), with a cost per contact by channel
  (:data:`CONTACT_COST`; assumptions in EUR, to be replaced with the firm's own costs:
  ``run(ws, contact_costs={...})``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from idic.interact.voice.service import customer_ids

if TYPE_CHECKING:
    from idic.workspace import Workspace

MATCH_DAYS = 30
#: a late delivery is noticed only once the parcel is overdue: a case answers orders placed
#: at least this many days before it
MIN_DAYS = 3
LATE_TOPIC = "late delivery"
#: failures the firm causes; a contact about them is a symptom ("where is my order?")
AVOIDABLE_TOPICS = ("late delivery", "damaged item", "wrong item", "billing error",
                    "website problem", "refund request")
#: assumed cost of handling one contact, EUR, by channel (replace with your own)
CONTACT_COST = {"call_centre": 6.0, "email": 4.0, "web": 3.0, "app": 3.0, "store": 5.0}
DEFAULT_COST = 4.0


def delayed_orders(ws: Workspace) -> pd.DataFrame:
    """Orders with a ``Delivery Delayed`` event: order_id, customer_id, ordered_at, days_late."""
    if not (ws.engine.has_table("events") and ws.engine.has_table("orders")):
        return pd.DataFrame(columns=["order_id", "customer_id", "ordered_at", "days_late"])
    e = ws.table("events")
    e = e.filter(e.event == "Delivery Delayed").select("properties", "timestamp").to_pandas()
    rows = []
    for p, t in zip(e["properties"], e["timestamp"], strict=True):
        try:
            d = json.loads(p) if isinstance(p, str) else (p or {})
        except ValueError:
            continue
        if isinstance(d, dict) and d.get("order_id"):
            rows.append((str(d["order_id"]), d.get("days_late"), t))
    ev = pd.DataFrame(rows, columns=["order_id", "days_late", "delayed_at"])
    ev = ev.drop_duplicates("order_id")
    o = ws.table("orders").select("order_id", "source", "source_customer_id",
                                  "ordered_at").to_pandas()
    o = o.merge(ev, on="order_id")
    o["customer_id"] = customer_ids(ws, o)
    o["ordered_at"] = pd.to_datetime(o["ordered_at"], utc=True)
    return o[["order_id", "customer_id", "ordered_at", "days_late"]].dropna(
        subset=["customer_id"])


def silent_dissatisfied(ws: Workspace, ce: pd.DataFrame) -> pd.DataFrame:
    """Delayed orders without a late-delivery case (see the module docstring)."""
    d = delayed_orders(ws)
    late = ce[(ce["topic"] == LATE_TOPIC) & ce["customer_id"].notna()].copy()
    late["opened_at"] = pd.to_datetime(late["opened_at"], utc=True)
    matched: set[str] = set()
    by_cust = {k: g.sort_values("ordered_at") for k, g in d.groupby("customer_id")}
    for cid, t in sorted(zip(late["customer_id"], late["opened_at"], strict=True),
                         key=lambda x: (x[1], x[0])):
        g = by_cust.get(cid)
        if g is None:
            continue
        cand = g[(g["ordered_at"] <= t - pd.Timedelta(days=MIN_DAYS))
                 & (g["ordered_at"] >= t - pd.Timedelta(days=MATCH_DAYS))
                 & ~g["order_id"].isin(matched)]
        if len(cand):
            matched.add(str(cand["order_id"].iloc[-1]))
    s = d[~d["order_id"].isin(matched)].copy()
    any_case = set(ce["customer_id"].dropna())
    s["complained_otherwise"] = s["customer_id"].isin(any_case)
    return s.sort_values(["customer_id", "ordered_at"]).reset_index(drop=True)


def avoidable_contacts(ce: pd.DataFrame,
                       costs: dict[str, float] | None = None) -> pd.DataFrame:
    """Avoidable contacts by topic and channel, with their cost."""
    cost = {**CONTACT_COST, **(costs or {})}
    a = ce[ce["topic"].isin(AVOIDABLE_TOPICS)]
    g = a.groupby(["topic", "channel"], dropna=False).size().reset_index(name="contacts")
    g["channel"] = g["channel"].fillna("(blank)")
    g["cost_per_contact"] = [cost.get(c, DEFAULT_COST) for c in g["channel"]]
    g["cost"] = g["contacts"] * g["cost_per_contact"]
    return g.sort_values(["cost", "topic"], ascending=[False, True]).reset_index(drop=True)


def summary(sd: pd.DataFrame, av: pd.DataFrame, ce: pd.DataFrame) -> dict[str, Any]:
    return {"silent_delayed_orders": len(sd),
            "silent_customers": int(sd["customer_id"].nunique()),
            "avoidable_contacts": int(av["contacts"].sum()),
            "avoidable_share_of_cases": float(av["contacts"].sum() / len(ce)) if len(ce) else None,
            "avoidable_cost": float(av["cost"].sum())}


__all__ = ["AVOIDABLE_TOPICS", "CONTACT_COST", "avoidable_contacts", "delayed_orders",
           "silent_dissatisfied", "summary"]
