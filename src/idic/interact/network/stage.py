"""The network stage: referral and social graphs, network metrics, roles, bashers.

``run(ws)`` is idempotent (it replaces its tables):

* ``network_edges``: the referral and mention edges between resolved customers and strangers
  (:mod:`.graphs`);
* ``network_metrics``: one row per customer: ``pagerank``, ``referrals``, ``referral_value``,
  degrees, chains, reach, engagement, share of voice, sentiment, values (:mod:`.metrics`);
* ``customer_roles``: one row per customer and role held, with evidence and the role's KPIs
  (:mod:`idic.differentiate.roles`).

Needs ``referrals`` or ``social`` rows (``run()`` checks) and ``customers`` (identify).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from idic.customize.gate import withhold_blocked
from idic.differentiate.roles.assign import assign
from idic.differentiate.roles.rules import load_rules, parse_rules
from idic.interact.network import bashers, graphs, value
from idic.interact.network.metrics import build, load_config

if TYPE_CHECKING:
    from idic.workspace import Workspace

TABLES = ("network_edges", "network_metrics", "customer_roles")
METRIC_COLUMNS = (
    "customer_id", "pagerank", "referrals", "referral_value", "referred_value", "clv",
    "influencer_value", "knowledge_value", "in_degree", "out_degree",
    "referral_depth", "descendants", "mentioned_by", "reach", "mentions", "engagement",
    "engagement_rate", "share_of_voice", "mention_sentiment", "positive_mentions",
    "negative_mentions", "negative_share", "negative_engagement", "pain_points")
_INT = {"referrals", "in_degree", "out_degree", "referral_depth", "descendants",
        "mentioned_by", "reach", "mentions", "positive_mentions", "negative_mentions",
        "pain_points"}


def features(ws: Workspace, as_of: Any = None, cfg: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """Per-customer indicators (metrics + activity + value KPIs) as of a date (None: all)."""
    cfg = cfg or load_config(ws)
    out = build(ws, cfg, as_of)
    df = out["metrics"]
    if graphs.has_rows(ws, "value"):
        v = ws.table("value")
        v = v.select("customer_id", turnover=v.revenue.cast("float64")).to_pyarrow().to_pandas()
        df = df.merge(v, on="customer_id", how="left")
    else:
        df["turnover"] = np.nan
    df["basket"] = np.where(df["orders"] > 0, df["turnover"] / df["orders"].clip(lower=1),
                            np.nan)
    out["metrics"] = df
    return out


def metrics_table(df: pd.DataFrame) -> pa.Table:
    cols = {}
    for c in METRIC_COLUMNS:
        s = df[c]
        if c == "customer_id":
            cols[c] = pa.array(s.where(s.notna(), None).tolist(), pa.string())
        elif c in _INT:
            cols[c] = pa.array(s.fillna(0).astype("int64").to_numpy())
        else:
            cols[c] = pa.array(s.astype(float).round(10).to_numpy(), pa.float64(),
                               from_pandas=True)
    return pa.table(cols).sort_by("customer_id")


def run(ws: Workspace) -> dict[str, Any]:
    """Build the network tables; return counts, top referrers, bashers and truth checks."""
    with graphs.memo_rows():
        return _run(ws)


def _run(ws: Workspace) -> dict[str, Any]:
    eng = ws.engine
    if not (graphs.has_rows(ws, "referrals") or graphs.has_rows(ws, "social")):
        return {"skipped": "no rows in referrals or social"}
    if not graphs.has_rows(ws, "customers"):
        return {"skipped": "no customers: run identify first"}
    cfg = load_config(ws)
    out = features(ws, None, cfg)
    df = out["metrics"]
    roles = parse_rules(load_rules(ws.path), set(df.columns))
    eng.create_table("network_edges", out["edges"])
    eng.create_table("network_metrics", metrics_table(df))
    role_rows = assign(df, roles)
    eng.create_table("customer_roles", role_rows)
    withheld = withhold_blocked(ws, ("network_metrics", "customer_roles"))
    held = pd.Series(role_rows.column("role").to_pylist()).value_counts()
    basher = df["customer_id"].isin(
        set(role_rows.filter(pa.compute.equal(role_rows.column("role"), "basher"))
            .column("customer_id").to_pylist())).to_numpy()
    summary: dict[str, Any] = {
        "tables": list(TABLES),
        "network_edges": out["edges"].num_rows,
        "network_metrics": len(df),
        "customer_roles": role_rows.num_rows,
        "roles": {k: int(v) for k, v in held.items()},
        "referrals_resolved": len(out["refs"]),
        "referrals_between_customers": int((out["refs"]["referrer_customer"]
                                            & out["refs"]["referred_customer"]).sum()),
        "self_referrals_dropped": graphs.self_referrals(ws),
        "referral_value": dict(cfg["referral_value"]),  # the variant and its assumptions
        "top_referrers": value.top_referrers(df, 5),
        "bashers": bashers.summary(df, basher),
        "withheld": withheld,  # rows of restricted/objecting/erased customers not kept
    }
    if ws.settings.get("demo") and graphs.has_rows(ws, "identity_map"):
        id_map = ws.table("identity_map").to_pyarrow().to_pandas()
        tc = bashers.truth_comparison(ws.path, id_map, df, basher)
        if tc is not None:  # flat, so that `idic demo` prints it on one line
            summary["truth_comparison"] = {
                f"basher_{k}": v for k, v in tc.items() if not isinstance(v, dict)}
    return summary
