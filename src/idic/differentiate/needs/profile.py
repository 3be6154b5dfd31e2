"""Segment profiles (the ``segments_profile`` table) and names drawn from the strongest traits.

A profile says what a segment needs and is worth, against the base (all determined
customers): size and share; value (mean CLV, value-category mix from the value stage);
category mix and its *lift* (segment share / base share, the usual index of market
research); web share and its lift; top content viewed; pain points (case topics), NPS
(% promoters - % detractors, Reichheld 2003) and preferred channels of contact when those
tables exist. Aggregations run on the engine; the per-segment rows are small.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import pandas as pd

from idic.differentiate.value import sources

if TYPE_CHECKING:
    from idic.workspace import Workspace


def _counts_by(t: ir.Table, col: str, top: int = 3) -> dict[str, list[tuple[str, int]]]:
    df = t.group_by(["segment", col]).aggregate(n=t.count()).to_pandas()
    out: dict[str, list[tuple[str, int]]] = {}
    for seg, g in df.sort_values(["n", col], ascending=[False, True]).groupby("segment"):
        out[str(seg)] = [(str(v), int(n)) for v, n in zip(g[col], g["n"], strict=True)][:top]
    return out


def profiles(ws: Workspace, seg: ir.Table, features: ir.Table,
             names: dict[str, str]) -> pd.DataFrame:
    """One row per segment (``undetermined`` excluded); ``names`` maps category column
    suffixes to category names."""
    seg = seg.filter(seg.segment != "undetermined")
    f = features.join(seg.select("customer_id", "segment"), "customer_id")
    agg: dict[str, ir.Value] = {"size": f.count(), "orders": f.orders.sum(),
                                "web_orders": f.web_orders.sum(),
                                "store_orders": f.store_orders.sum(), "spend": f.spend.sum(),
                                "product_views": f.product_views.sum(), "cases": f.cases.sum(),
                                "price_index": f.price_index.mean(),
                                "nps_promoters": (f.nps >= 9).cast("int64").sum(),
                                "nps_detractors": (f.nps <= 6).cast("int64").sum(),
                                "nps_answers": f.nps.notnull().cast("int64").sum()}
    for n in names:
        agg[f"spend_{n}"] = f[f"spend_{n}"].sum()
        agg[f"views_{n}"] = f[f"views_{n}"].sum()
    by = f.group_by("segment").aggregate(**agg).to_pandas().set_index("segment")
    tot = by.sum(numeric_only=True)
    rows: list[dict[str, Any]] = []
    n_all = float(tot["size"]) or 1.0
    for s, r in by.sort_index().iterrows():
        spend = sum(float(r[f"spend_{n}"]) for n in names) or 1.0
        base_spend = sum(float(tot[f"spend_{n}"]) for n in names) or 1.0
        mix = {names[n]: float(r[f"spend_{n}"]) / spend for n in names}
        base = {names[n]: float(tot[f"spend_{n}"]) / base_spend for n in names}
        lift = {c: (mix[c] / base[c] if base[c] else None) for c in mix}
        views = {names[n]: float(r[f"views_{n}"]) for n in names}
        web = float(r["web_orders"]) / max(float(r["web_orders"] + r["store_orders"]), 1.0)
        bweb = float(tot["web_orders"]) / max(float(tot["web_orders"] + tot["store_orders"]), 1.0)
        na = float(r["nps_answers"])
        rows.append({
            "segment": str(s), "size": int(r["size"]), "share": float(r["size"]) / n_all,
            "orders_per_customer": float(r["orders"]) / float(r["size"]),
            "spend_per_customer": float(r["spend"]) / float(r["size"]),
            "web_share": web, "web_lift": web / bweb if bweb else None,
            "price_index": None if pd.isna(r["price_index"]) else float(r["price_index"]),
            "cases_per_customer": float(r["cases"]) / float(r["size"]),
            "nps": (100.0 * (float(r["nps_promoters"]) - float(r["nps_detractors"])) / na)
            if na else None,
            "nps_answers": int(na),
            "category_mix": json.dumps({k: round(v, 4) for k, v in mix.items()}),
            "category_lift": json.dumps({k: (round(v, 3) if v is not None else None)
                                         for k, v in lift.items()}),
            "top_content": json.dumps([c for c, v in sorted(views.items(), key=lambda x: -x[1])
                                       if v > 0][:3]),
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = _add_value(ws, seg, out)
    out = _add_voice(ws, seg, out)
    out["segment_name"] = segment_names(out)
    return out


def _add_value(ws: Workspace, seg: ir.Table, out: pd.DataFrame) -> pd.DataFrame:
    out["clv_mean"] = None
    out["value_mix"] = "{}"
    if not ws.engine.has_table("value"):
        return out
    v = ws.table("value")
    j = v.join(seg.select("customer_id", "segment"), "customer_id")
    c = j.group_by("segment").aggregate(clv_mean=j.clv.cast("float64").mean(),
                                        actual_mean=j.actual_value.cast("float64").mean()
                                        ).to_pandas().set_index("segment")
    mix = j.group_by(["segment", "value_category"]).aggregate(n=j.count()).to_pandas()
    for i, s in enumerate(out["segment"]):
        if s in c.index:
            val = c.loc[s, "clv_mean"]
            out.loc[i, "clv_mean"] = None if pd.isna(val) else float(val)
        m = mix[mix["segment"] == s]
        tot = float(m["n"].sum()) or 1.0
        out.loc[i, "value_mix"] = json.dumps({str(k): round(float(n) / tot, 4) for k, n in
                                              zip(m["value_category"], m["n"], strict=True)})
    out["clv_mean"] = pd.to_numeric(out["clv_mean"])
    return out


def _add_voice(ws: Workspace, seg: ir.Table, out: pd.DataFrame) -> pd.DataFrame:
    out["pain_points"] = "[]"
    out["preferred_channels"] = "[]"
    s = seg.select("customer_id", "segment").view()
    cases = sources.cases(ws)
    if cases is not None:
        c = cases.select("customer_id", "topic").view()
        j = c.join(s, c.customer_id == s.customer_id).select(c.topic, s.segment)
        j = j.filter(j.topic.notnull())
        top = _counts_by(j, "topic")
        out["pain_points"] = [json.dumps([t for t, _ in top.get(x, [])]) for x in out["segment"]]
    if ws.engine.has_table("events"):
        from idic.interact.journeys.persons import person_events

        tp = person_events(ws.engine, include_anonymous=False)
        tp = tp.select("person_id", "channel").view()
        j = tp.join(s, tp.person_id == s.customer_id)
        j = j.filter(j.channel.notnull()).select("segment", "channel")
        top = _counts_by(j, "channel")
        out["preferred_channels"] = [json.dumps([t for t, _ in top.get(x, [])])
                                     for x in out["segment"]]
    return out


def segment_names(p: pd.DataFrame) -> list[str]:
    """A name from each segment's strongest traits: its top category lifts (above 1.3) and its
    channel lean (web share lift above 1.15: online; below 0.85: in-store)."""
    names = []
    for _, r in p.iterrows():
        lift = {k: v for k, v in json.loads(r["category_lift"]).items() if v is not None}
        top = [k for k, v in sorted(lift.items(), key=lambda x: -x[1]) if v >= 1.3][:2]
        core = " & ".join(t.replace("_", " ").title() for t in top) or "All-round"
        wl = r["web_lift"] or 1.0
        lean = "online" if wl > 1.15 else ("in-store" if wl < 0.85 else "omnichannel")
        names.append(f"{core} shoppers ({lean})")
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} {seen[n]}")
    return out


__all__ = ["profiles", "segment_names"]
