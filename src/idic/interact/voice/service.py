"""Complaints and service: enriched cases, service times, the recovery effect as a test.

* ``cases_enriched``: each case with its customer, the sentiment and the text topic of its
  free text, ``first_response_hours`` and ``resolution_hours``, and ``handled``:

  - ``well``: the customer got a remedy (outcome ``resolved``, ``refund``, ``replacement`` or
    ``compensation``) and the case is closed;
  - ``badly``: the complaint was ``rejected`` or left ``unresolved`` (or is still open after
    :data:`OPEN_TOO_LONG_DAYS` days);
  - ``open``: still open, younger than that.

  This is the distributive-justice side of perceived justice (Tax, Brown & Chandrashekaran
  1998: distributive, procedural, interactional); the speed columns are the procedural side.
  The data carries no interactional measure (how the customer was treated), so none is made up.
* **Service times** by channel and by topic: median and 90th percentile of the hours to the
  first response and to resolution.
* **Recovery effect** (the "service recovery paradox", McCollough & Bharadwaj 1992; Peppers &
  Rogers ch. 8): is a complainant handled well more loyal than one handled badly? Retention =
  the customer ordered again within :data:`HORIZON_DAYS` days after the reference date (the
  first complaint; for customers who never complained, their first order), counted only when
  the whole horizon lies before the as-of date. Each group gets a Wilson 95% interval; the
  difference well - badly gets **Newcombe's hybrid score interval** (Newcombe 1998, method
  10). The NPS of each group's answers (after the complaint) is compared with a Wald interval
  on the difference, SE = sqrt(SE1^2 + SE2^2). ``covers_zero`` says when the data cannot tell
  the difference from none.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from idic.interact.voice.scores import Z95, nps_from_counts

if TYPE_CHECKING:
    from idic.workspace import Workspace

WELL = ("resolved", "refund", "replacement", "compensation")
BAD = ("rejected", "unresolved")
OPEN_TOO_LONG_DAYS = 14
HORIZON_DAYS = 180


def customer_ids(ws: Workspace, df: pd.DataFrame, source: str = "source",
                 record: str = "source_customer_id") -> pd.Series:
    """The ``identity_map`` customer of each row (null when identify has not run)."""
    if not (ws.engine.has_table("identity_map") and ws.engine.count("identity_map")):
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    m = ws.table("identity_map").to_pandas()
    key = dict(zip(zip(m["source"], m["source_record_id"], strict=True), m["customer_id"],
                   strict=True))
    return pd.Series([key.get((s, r)) for s, r in zip(df[source], df[record], strict=True)],
                     index=df.index, dtype=object)


def _hours(a: pd.Series, b: pd.Series) -> pd.Series:
    return (pd.to_datetime(b, utc=True) - pd.to_datetime(a, utc=True)).dt.total_seconds() / 3600


def handled(outcome: pd.Series, resolved_at: pd.Series, opened_at: pd.Series,
            as_of: datetime) -> pd.Series:
    """``well`` / ``badly`` / ``open`` per the rule in the module docstring."""
    closed = resolved_at.notna()
    age = (pd.Timestamp(as_of) - pd.to_datetime(opened_at, utc=True)).dt.days
    well = outcome.isin(WELL) & closed
    bad = outcome.isin(BAD) | (~closed & (age > OPEN_TOO_LONG_DAYS))
    return pd.Series(np.where(well, "well", np.where(bad, "badly", "open")), index=outcome.index)


def as_of_of(ws: Workspace) -> datetime:
    """The end of the data: the latest order, case or answer (UTC)."""
    last = []
    for table, col in (("orders", "ordered_at"), ("cases", "opened_at"),
                       ("survey_responses", "responded_at")):
        if ws.engine.has_table(table) and ws.engine.count(table):
            v = ws.table(table)[col].max().to_pyarrow().as_py()
            if v is not None:
                last.append(v if v.tzinfo else v.replace(tzinfo=UTC))
    return max(last) if last else datetime.now(UTC)


def cases_enriched(ws: Workspace, topics_of: dict[str, str | None],
                   scored: dict[str, tuple[str, float]]) -> pd.DataFrame:
    """The ``cases_enriched`` rows (see the module docstring)."""
    c = ws.table("cases").to_pandas()
    as_of = as_of_of(ws)
    c["customer_id"] = customer_ids(ws, c)
    c["sentiment"] = [scored.get(t, ("neutral", 0.0))[0] for t in c["text"]]
    c["sentiment_score"] = [scored.get(t, ("neutral", 0.0))[1] for t in c["text"]]
    c["text_topic"] = [topics_of.get(t) for t in c["text"]]
    c["first_response_hours"] = _hours(c["opened_at"], c["first_response_at"])
    c["resolution_hours"] = _hours(c["opened_at"], c["resolved_at"])
    c["handled"] = handled(c["outcome"], c["resolved_at"], c["opened_at"], as_of)
    if ws.engine.has_table("survey_responses") and "case_id" in ws.table("survey_responses").columns:
        s = ws.table("survey_responses")
        s = s.filter(s.case_id.notnull() & s.score.notnull()).select("case_id", "survey", "score")
        sd = s.to_pandas()
        for kind in ("csat", "ces"):
            k = sd[sd["survey"] == kind].groupby("case_id")["score"].mean()
            c[kind] = c["case_id"].map(k)
    else:
        c["csat"], c["ces"] = np.nan, np.nan
    cols = ["case_id", "source", "source_customer_id", "customer_id", "opened_at",
            "first_response_at", "resolved_at", "channel", "topic", "severity", "outcome",
            "text", "sentiment", "sentiment_score", "text_topic", "first_response_hours",
            "resolution_hours", "handled", "csat", "ces"]
    return c[cols].sort_values("case_id").reset_index(drop=True)


def service_times(ce: pd.DataFrame) -> pd.DataFrame:
    """Median and p90 hours to first response and to resolution, overall / by channel / topic."""
    rows = []
    for dim in ("all", "channel", "topic"):
        groups = [("all", ce)] if dim == "all" else list(ce.groupby(dim, dropna=False))
        for val, g in groups:
            fr, rs = g["first_response_hours"].dropna(), g["resolution_hours"].dropna()
            rows.append({"dimension": dim, "value": "(blank)" if pd.isna(val) else str(val),
                         "cases": len(g),
                         "first_response_median_h": fr.median() if len(fr) else None,
                         "first_response_p90_h": fr.quantile(0.9) if len(fr) else None,
                         "resolution_median_h": rs.median() if len(rs) else None,
                         "resolution_p90_h": rs.quantile(0.9) if len(rs) else None,
                         "resolved_share": float(g["resolved_at"].notna().mean())})
    return pd.DataFrame(rows)


def scores_by_outcome(ce: pd.DataFrame) -> list[dict[str, Any]]:
    """CSAT (share 4-5, mean) and CES (mean) of the answers after each case outcome."""
    rows = []
    for out, g in ce.groupby("outcome"):
        cs, ces = g["csat"].dropna(), g["ces"].dropna()
        rows.append({"outcome": str(out), "cases": len(g), "csat_n": len(cs),
                     "csat": float((cs >= 4).mean()) if len(cs) else None,
                     "csat_mean": float(cs.mean()) if len(cs) else None,
                     "ces_n": len(ces), "ces": float(ces.mean()) if len(ces) else None})
    return rows


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (Wilson 1927)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(c - h, 0.0), min(c + h, 1.0))


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    """p1 - p2 and Newcombe's hybrid score 95% interval (Newcombe 1998, method 10)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lo, hi


def recovery_effect(ws: Workspace, ce: pd.DataFrame) -> dict[str, Any]:
    """Retention and NPS of complainants handled well / badly vs never complained."""
    o = ws.table("orders").select("source", "source_customer_id", "ordered_at").to_pandas()
    o["customer_id"] = customer_ids(ws, o)
    o = o.dropna(subset=["customer_id"])
    o["ordered_at"] = pd.to_datetime(o["ordered_at"], utc=True)
    as_of = pd.Timestamp(as_of_of(ws))
    horizon = pd.Timedelta(days=HORIZON_DAYS)
    c = ce.dropna(subset=["customer_id"]).copy()
    c["opened_at"] = pd.to_datetime(c["opened_at"], utc=True)
    first = c.sort_values(["opened_at", "case_id"]).groupby("customer_id").first()
    ref = {cid: (r["opened_at"], r["handled"]) for cid, r in first.iterrows()
           if r["handled"] in ("well", "badly")}
    first_order = o.groupby("customer_id")["ordered_at"].min()
    for cid, t in first_order.items():
        if cid not in first.index:
            ref[cid] = (t, "never")
    ref_df = pd.DataFrame([(k, t, g) for k, (t, g) in ref.items()],
                          columns=["customer_id", "ref", "group"])
    ref_df = ref_df[ref_df["ref"] + horizon <= as_of]
    j = o.merge(ref_df, on="customer_id")
    again = j[(j["ordered_at"] > j["ref"]) & (j["ordered_at"] <= j["ref"] + horizon)]
    ref_df["retained"] = ref_df["customer_id"].isin(set(again["customer_id"]))
    groups: dict[str, dict[str, Any]] = {}
    for g in ("well", "badly", "never"):
        sub = ref_df[ref_df["group"] == g]
        n, k = len(sub), int(sub["retained"].sum())
        lo, hi = wilson(k, n)
        groups[g] = {"customers": n, "retained": k, "retention": k / n if n else None,
                     "ci": [lo, hi]}
    res: dict[str, Any] = {"horizon_days": HORIZON_DAYS, "groups": groups,
                           "method": "Wilson intervals; difference: Newcombe hybrid score"}
    w, b = groups["well"], groups["badly"]
    if w["customers"] and b["customers"]:
        d, lo, hi = newcombe(w["retained"], w["customers"], b["retained"], b["customers"])
        res["retention_difference"] = {"well_minus_badly": d, "ci": [lo, hi],
                                       "covers_zero": lo <= 0 <= hi}
    res["nps"] = _nps_by_group(ws, c, first)
    return res


def _nps_by_group(ws: Workspace, c: pd.DataFrame, first: pd.DataFrame) -> dict[str, Any]:
    s = ws.table("survey_responses")
    s = s.filter((s.survey == "nps") & s.score.notnull()).select(
        "source", "source_customer_id", "responded_at", "score").to_pandas()
    if s.empty:
        return {}
    s["customer_id"] = customer_ids(ws, s)
    s["responded_at"] = pd.to_datetime(s["responded_at"], utc=True)
    grp = []
    for cid, t in zip(s["customer_id"], s["responded_at"], strict=True):
        if cid is None or cid not in first.index:
            grp.append("never")
        elif t > first.loc[cid, "opened_at"] and first.loc[cid, "handled"] in ("well", "badly"):
            grp.append(first.loc[cid, "handled"])
        else:
            grp.append(None)
    s["group"] = grp
    out: dict[str, Any] = {}
    for g in ("well", "badly", "never"):
        v = s.loc[s["group"] == g, "score"]
        if len(v):
            out[g] = nps_from_counts(int((v >= 9).sum()), int(((v >= 7) & (v < 9)).sum()),
                                     int((v < 7).sum()))
    if "well" in out and "badly" in out:
        d = out["well"]["nps"] - out["badly"]["nps"]
        se = math.hypot(out["well"]["se"], out["badly"]["se"])
        lo, hi = d - Z95 * se, d + Z95 * se
        out["difference"] = {"well_minus_badly": d, "se": se, "ci": [lo, hi],
                             "covers_zero": lo <= 0 <= hi}
    return out


def recovery_rows(rec: dict[str, Any]) -> pa.Table:
    """``recovery_effect`` as a table: one row per group and one per difference."""
    rows = []
    for g, r in rec["groups"].items():
        n = rec.get("nps", {}).get(g)
        rows.append({"row": g, "customers": r["customers"], "retention": r["retention"],
                     "retention_ci_low": r["ci"][0], "retention_ci_high": r["ci"][1],
                     "nps": n["nps"] if n else None, "nps_n": n["n"] if n else None,
                     "nps_ci_low": n["ci"][0] if n else None,
                     "nps_ci_high": n["ci"][1] if n else None, "covers_zero": None})
    d, nd = rec.get("retention_difference"), rec.get("nps", {}).get("difference")
    if d:
        rows.append({"row": "well - badly", "customers": None,
                     "retention": d["well_minus_badly"], "retention_ci_low": d["ci"][0],
                     "retention_ci_high": d["ci"][1],
                     "nps": nd["well_minus_badly"] if nd else None, "nps_n": None,
                     "nps_ci_low": nd["ci"][0] if nd else None,
                     "nps_ci_high": nd["ci"][1] if nd else None,
                     "covers_zero": d["covers_zero"]})
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("row", pa.string()), ("customers", pa.int64()), ("retention", pa.float64()),
        ("retention_ci_low", pa.float64()), ("retention_ci_high", pa.float64()),
        ("nps", pa.float64()), ("nps_n", pa.int64()), ("nps_ci_low", pa.float64()),
        ("nps_ci_high", pa.float64()), ("covers_zero", pa.bool_())]))


__all__ = ["BAD", "HORIZON_DAYS", "WELL", "as_of_of", "cases_enriched", "customer_ids",
           "handled", "newcombe", "recovery_effect", "recovery_rows", "scores_by_outcome",
           "service_times", "wilson"]
