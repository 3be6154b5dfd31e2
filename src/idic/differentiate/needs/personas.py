"""Personas drawn from data: one page per needs segment, as HTML or Markdown.

A persona (Cooper, *The Inmates Are Running the Asylum*, 1999; Pruitt & Adlin, *The Persona
Lifecycle*, 2006) is a document a person reads. Every line here comes from the workspace:
the name from the segment's strongest traits (:func:`profile.segment_names`), size and value
from ``segments_profile``, demographics from the golden records (``customers``: median age,
top countries), motivations from survey comments of the segment's promoters and pain points
from its detractors' comments and case topics, preferred channels from its events, the
typical path from its most frequent journey path (``journeys``), and a scenario assembled
from those facts. Nothing is invented: a missing table leaves its line out.
"""

from __future__ import annotations

import html
import json
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from idic.differentiate.value import sources

if TYPE_CHECKING:
    from idic.workspace import Workspace


def _top(series: pd.Series, n: int = 3) -> list[str]:
    vc = series.dropna().astype(str).value_counts()
    return [f"{k} ({v / vc.sum():.0%})" for k, v in vc.head(n).items()] if len(vc) else []


def persona_facts(ws: Workspace) -> list[dict[str, Any]]:
    """One dict of facts per segment (ordered by size, largest first)."""
    prof = ws.to_pandas("segments_profile")
    seg = ws.to_pandas("segments")[["customer_id", "segment"]]
    facts: list[dict[str, Any]] = []
    cust = None
    if ws.engine.has_table("customers"):
        c = ws.table("customers")
        cust = ws.engine.to_pandas(c.select("customer_id", "birth_date", "country"))
        cust = cust.merge(seg, on="customer_id")
    comments = None
    sv = sources.surveys(ws)
    if sv is not None:
        s = sv.filter(sv.comment.notnull() & (sv.survey == "nps"))
        comments = ws.engine.to_pandas(s.select("customer_id", "score", "comment"))
        comments = comments.merge(seg, on="customer_id")
    paths = None
    if ws.engine.has_table("journeys"):
        j = ws.table("journeys")
        paths = ws.engine.to_pandas(j.select(customer_id=j.person_id, path=j.path))
        paths = paths.merge(seg, on="customer_id")
    today = date.today()
    for r in prof.sort_values("size", ascending=False).to_dict("records"):
        s = r["segment"]
        f: dict[str, Any] = {"segment": s, "name": r["segment_name"], "size": int(r["size"]),
                             "share": float(r["share"]),
                             "orders_per_customer": float(r["orders_per_customer"]),
                             "spend_per_customer": float(r["spend_per_customer"]),
                             "clv_mean": None if pd.isna(r.get("clv_mean")) else
                             float(r["clv_mean"]),
                             "value_mix": json.loads(r.get("value_mix") or "{}"),
                             "category_mix": json.loads(r["category_mix"]),
                             "category_lift": json.loads(r["category_lift"]),
                             "web_share": float(r["web_share"]),
                             "top_content": json.loads(r["top_content"]),
                             "pain_points": json.loads(r.get("pain_points") or "[]"),
                             "preferred_channels": json.loads(r.get("preferred_channels")
                                                              or "[]"),
                             "nps": None if pd.isna(r.get("nps")) else float(r["nps"])}
        if cust is not None:
            cs = cust[cust["segment"] == s]
            b = pd.to_datetime(cs["birth_date"], errors="coerce").dropna()
            ages = [(today.year - d.year) for d in b]
            f["median_age"] = float(pd.Series(ages).median()) if ages else None
            f["countries"] = _top(cs["country"])
        if comments is not None:
            cm = comments[comments["segment"] == s]
            f["motivations"] = _top(cm[cm["score"] >= 9]["comment"], 3)
            f["complaints"] = _top(cm[cm["score"] <= 6]["comment"], 3)
        if paths is not None:
            ps = paths[paths["segment"] == s]["path"].dropna().astype(str)
            ps = ps[ps.str.count(" > ") >= 2]  # a path, not a single touch
            vc = ps.value_counts()
            f["typical_path"] = str(vc.index[0]) if len(vc) else None
        facts.append(f)
    return facts


def _scenario(f: dict[str, Any]) -> str:
    cats = sorted(f["category_mix"].items(), key=lambda x: -x[1])[:2]
    where = "online" if f["web_share"] >= 0.6 else ("in a store" if f["web_share"] < 0.45
                                                     else "online or in a store")
    first = f["top_content"][0] if f["top_content"] else cats[0][0]
    s = (f"Looks at {first} most, buys mostly {cats[0][0]} ({cats[0][1]:.0%} of spend) and "
         f"{cats[1][0]} ({cats[1][1]:.0%}) {where}, about {f['orders_per_customer']:.1f} "
         f"orders and {f['spend_per_customer']:,.0f} in spend so far.")
    if f.get("typical_path"):
        s += f" A typical journey: {f['typical_path']}."
    if f["pain_points"]:
        s += f" What goes wrong most: {f['pain_points'][0]}."
    return s


def _lines(f: dict[str, Any]) -> list[tuple[str, str]]:
    mix = ", ".join(f"{k} {v:.0%}" for k, v in sorted(f["category_mix"].items(),
                                                       key=lambda x: -x[1])[:4])
    lift = ", ".join(f"{k} x{v:.1f}" for k, v in sorted(
        ((k, v) for k, v in f["category_lift"].items() if v and v >= 1.1),
        key=lambda x: -x[1])[:3]) or "no category"
    rows = [("Size", f"{f['size']:,} customers ({f['share']:.0%} of those segmented)"),
            ("Value", (f"mean CLV {f['clv_mean']:,.2f}; " if f["clv_mean"] is not None else "")
             + f"{f['orders_per_customer']:.1f} orders, {f['spend_per_customer']:,.2f} spend "
             "per customer; value categories "
             + ", ".join(f"{k} {v:.0%}" for k, v in sorted(f["value_mix"].items(),
                                                         key=lambda x: -x[1])[:3])),
            ("Needs", f"buys {mix}; over-indexes on {lift}"),
            ("Channel", f"{f['web_share']:.0%} of orders online; contacts through "
             + (", ".join(f["preferred_channels"]) or "-"))]
    if f.get("median_age") is not None:
        rows.append(("Demographics", f"median age {f['median_age']:.0f}; "
                     + ", ".join(f.get("countries") or [])))
    if f.get("motivations"):
        rows.append(("Motivations (promoters say)", "; ".join(f["motivations"])))
    if f.get("typical_path"):
        rows.append(("Typical path", f["typical_path"]))
    pains = []
    if f["pain_points"]:
        pains.append("complaints about " + ", ".join(f["pain_points"]))
    if f.get("complaints"):
        pains.append("detractors say " + "; ".join(f["complaints"]))
    if pains:
        rows.append(("Pain points", "; ".join(pains)))
    if f["nps"] is not None:
        rows.append(("NPS", f"{f['nps']:+.0f}"))
    rows.append(("Content viewed", ", ".join(f["top_content"]) or "-"))
    rows.append(("Scenario", _scenario(f)))
    return rows


def to_markdown(facts: list[dict[str, Any]]) -> str:
    out = ["# Personas (drawn from the workspace's data)", ""]
    for f in facts:
        out += [f"## {f['name']} ({f['segment']})", ""]
        out += [f"- **{k}**: {v}" for k, v in _lines(f)]
        out.append("")
    return "\n".join(out)


_CSS = """body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
.p{background:#fff;max-width:820px;margin:24px auto;padding:24px 32px;border-radius:10px;
box-shadow:0 1px 4px #0002;page-break-after:always}
h1{max-width:820px;margin:24px auto 0}h2{margin:0 0 4px}.s{color:#667;margin:0 0 16px}
dt{font-weight:600;margin-top:10px}dd{margin:2px 0 0 0}"""


def to_html(facts: list[dict[str, Any]]) -> str:
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Personas</title>",
             f"<style>{_CSS}</style></head><body><h1>Personas</h1>"]
    for f in facts:
        parts.append(f"<section class='p'><h2>{e(f['name'])}</h2>"
                     f"<p class='s'>segment {e(f['segment'])}</p><dl>")
        parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _lines(f)]
        parts.append("</dl></section>")
    parts.append("</body></html>")
    return "".join(parts)


__all__ = ["persona_facts", "to_html", "to_markdown"]
