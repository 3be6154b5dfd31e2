""""What to do next": recommendations built from the workspace's tables, each with the
customers concerned and the value at stake (DOMAIN.md sections 2, 4 and 6).

* **Grow the most growable customers (MGCs)**: value category MGC; value at stake = their
  unrealised potential (potential value - actual value).
* **Retain valuable customers at risk**: MVCs or ABC class A customers with P(alive) below
  0.5, dormant, or buying less often; value at stake = their revenue of the last 12 months
  plus their remaining CLV.
* **Win back dormant customers**: other dormant customers with past revenue; value at stake =
  their average yearly revenue while active (revenue / years between first and last order,
  at least one year).
* **Recover recent complainants**: customers with complaints in the last months (who are
  not already above); value at stake = their CLV.
* **Fix pain points**: touchpoints whose exposure lowers conversion (``moments``, kind
  pain_point; those of negative sentiment when there are any); customers = exposed journeys, value at stake = the conversions lost
  (exposed x (baseline rate - exposed rate)) x the average order value.
* **Serve below-zero customers (BZs) at lower cost**: value at stake = the value they destroy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from idic.workspace import Workspace


def _f(v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if x != x else x


def _value_frame(ws: Workspace) -> pd.DataFrame | None:
    eng = ws.engine
    if not eng.has_table("value"):
        return None
    cv = ws.table("value")
    cols = [c for c in ("customer_id", "value_category", "revenue", "spend_12m", "clv",
                        "p_alive", "dormant", "falling_frequency", "recent_complaints",
                        "unrealised_potential", "actual_value", "first_order_at",
                        "last_order_at") if c in cv.columns]
    df = eng.to_pandas(cv.select(*cols))
    if eng.has_table("abc"):
        a = eng.to_pandas(ws.table("abc").select("customer_id", "abc_class"))
        df = df.merge(a, on="customer_id", how="left")
    for c in ("revenue", "spend_12m", "clv", "unrealised_potential", "actual_value", "p_alive"):
        if c in df.columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    return df


def _flag(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(False, index=df.index)
    return df[col].fillna(False).astype(bool)


def value_actions(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Actions from a ``value`` frame (with ``abc_class`` when known)."""
    out: list[dict[str, Any]] = []
    cat = df.get("value_category", pd.Series("", index=df.index)).fillna("")
    mgc = df[cat == "MGC"]
    if len(mgc):
        out.append({
            "key": "grow_mgc", "title": "Grow the most growable customers (MGCs)",
            "customers": len(mgc), "value_at_stake": _f(mgc["unrealised_potential"].sum()),
            "value_label": "unrealised potential",
            "why": "their spend with us is well below what they spend in the category",
            "how": "cross-sell and up-sell offers; raise share of customer"})
    top = (cat == "MVC") | (df.get("abc_class", pd.Series("", index=df.index)) == "A")
    p = df["p_alive"] if "p_alive" in df.columns else pd.Series(1.0, index=df.index)
    risk = top & ((p.fillna(1.0) < 0.5) | _flag(df, "dormant") | _flag(df, "falling_frequency"))
    at_risk = df[risk]
    if len(at_risk):
        out.append({
            "key": "retain_valuable", "title": "Retain valuable customers at risk",
            "customers": len(at_risk),
            "value_at_stake": _f(at_risk.get("spend_12m", 0).sum()) + _f(at_risk["clv"].sum()),
            "value_label": "12-month revenue + remaining CLV",
            "why": "most valuable (MVC / class A) customers with P(alive) < 0.5, dormant or "
                   "buying less often",
            "how": "personal contact, service recovery, loyalty recognition"})
    dormant = df[_flag(df, "dormant") & ~risk]
    if len(dormant) and {"first_order_at", "last_order_at"} <= set(df.columns):
        years = ((pd.to_datetime(dormant["last_order_at"]) - pd.to_datetime(
            dormant["first_order_at"])).dt.days / 365.25).clip(lower=1.0)
        yearly = (dormant["revenue"].fillna(0.0) / years)
        out.append({
            "key": "win_back", "title": "Win back dormant customers",
            "customers": len(dormant), "value_at_stake": _f(yearly.sum()),
            "value_label": "yearly revenue while active",
            "why": "no purchase for longer than their usual interval",
            "how": "win-back campaign with an incentive; ask why they left"})
    if "recent_complaints" in df.columns:
        comp = df[(df["recent_complaints"].fillna(0) > 0) & ~risk]
        if len(comp):
            out.append({
                "key": "recover_complainants", "title": "Recover customers who complained",
                "customers": len(comp), "value_at_stake": _f(comp["clv"].sum()),
                "value_label": "CLV",
                "why": "recent complaints; well-handled complainants stay, the others leave",
                "how": "check every case is resolved; apologise and compensate"})
    bz = df[cat == "BZ"]
    if len(bz):
        out.append({
            "key": "serve_bz", "title": "Serve below-zero customers (BZs) at lower cost",
            "customers": len(bz), "value_at_stake": -_f(bz["actual_value"].clip(upper=0).sum()),
            "value_label": "value lost",
            "why": "they cost more to serve than they bring",
            "how": "move them to low-cost channels; stop unprofitable offers"})
    return out


def pain_point_actions(moments: pd.DataFrame, average_order_value: float, top: int = 3
                       ) -> list[dict[str, Any]]:
    """Actions from the ``moments`` table: the pain points that cost the most conversions."""
    if moments is None or moments.empty or "kind" not in moments.columns:
        return []
    m = moments[(moments["kind"] == "pain_point") & (moments["outcome"] == "conversion")]
    if "unit" in m.columns:
        m = m[m["unit"] == "journey"]
    if "sentiment" in m.columns and (m["sentiment"] == "negative").any():
        m = m[m["sentiment"] == "negative"]  # felt pain, not mere browsing
    if m.empty:
        return []
    m = m.assign(lost=m["n_exposed"] * (m["rate_baseline"] - m["rate_exposed"]).clip(lower=0))
    m = m.sort_values("lost", ascending=False).head(top)
    return [{
        "key": f"fix_{r.touchpoint}", "title": f"Fix the pain point '{r.touchpoint}'",
        "customers": int(r.n_exposed), "value_at_stake": float(r.lost) * average_order_value,
        "value_label": f"{r.lost:,.0f} conversions lost x average order",
        "why": f"journeys exposed convert at {r.rate_exposed:.0%} vs {r.rate_baseline:.0%} "
               f"(stage {r.stage}, {r.channel})",
        "how": "fix the cause at this touchpoint; follow up exposed customers"}
        for r in m.itertuples()]


def next_actions(ws: Workspace, *, average_order_value: float | None = None
                 ) -> list[dict[str, Any]]:
    """Every action the data supports, the largest value at stake first."""
    acts: list[dict[str, Any]] = []
    df = _value_frame(ws)
    if df is not None and len(df):
        acts += value_actions(df)
    if ws.engine.has_table("moments"):
        if average_order_value is None:
            o = ws.customer_orders()
            average_order_value = _f(o.amount.cast("float64").mean().execute())
        acts += pain_point_actions(ws.engine.to_pandas(ws.table("moments")),
                                   average_order_value)
    return sorted(acts, key=lambda a: -a["value_at_stake"])
