"""The "Voice of the customer" section of the report and of ``/dashboard/voice``.

Reads the voice stage's tables (:mod:`idic.interact.voice.stage`): NPS with its interval and
trend, CSAT/CES by case outcome, complaint topics found from text, service times, the
recovery effect with its interval, silent dissatisfaction, avoidable contacts, the
love-becomes-hate alerts and suspicious reviews.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from idic.measure.sections import Number, Section, fmt

if TYPE_CHECKING:
    from idic.workspace import Workspace


def _df(ws: Workspace, name: str) -> pd.DataFrame | None:
    if not ws.engine.has_table(name):
        return None
    return ws.engine.to_pandas(ws.table(name))


def _pct(v: object) -> str:
    return "" if v is None or v != v else f"{float(v):.1%}"  # type: ignore[arg-type]


def _num(v: object, nd: int = 1) -> str:
    return "" if v is None or v != v else f"{float(v):,.{nd}f}"  # type: ignore[arg-type]


def _nps_trend(ns: pd.DataFrame):
    import plotly.graph_objects as go

    m = ns[ns["dimension"] == "month"].sort_values("value")
    fig = go.Figure(go.Scatter(
        x=m["value"], y=m["nps"], mode="lines+markers", name="NPS",
        error_y={"type": "data", "symmetric": False,
                 "array": m["ci_high"] - m["nps"], "arrayminus": m["nps"] - m["ci_low"]}))
    fig.update_layout(title="NPS by month with 95% intervals", yaxis_title="NPS",
                      xaxis_title="month", height=360)
    return fig


def voice_section(ws: Workspace, currency: str = "") -> Section:
    """The section (unavailable until ``idic voice run`` / the voice stage has run)."""
    s = Section("voice", "Voice of the customer")
    ns = _df(ws, "nps_summary")
    ce = _df(ws, "cases_enriched")
    if ns is None and ce is None:
        s.available, s.reason = False, "stage not run: `idic voice run` builds it"
        return s
    s.intro = ("What customers say: scores with their uncertainty, complaints and how they were "
               "handled, the customers who suffered in silence and the valuable ones turning "
               "against the brand.")
    if ns is not None and len(ns):
        a = ns[ns["dimension"] == "all"]
        if len(a):
            r = a.iloc[0]
            s.numbers.append(Number("NPS", f"{r['nps']:+.1f}",
                                    note=f"95% {r['ci_low']:+.1f} to {r['ci_high']:+.1f}, "
                                    f"n = {int(r['n']):,}"))
        if (ns["dimension"] == "month").sum() >= 2:
            s.figures.append(_nps_trend(ns))
        by = ns[ns["dimension"].isin(["touchpoint", "channel", "value_category"])]
        if len(by):
            s.tables.append(("NPS by touchpoint, channel and value category", pd.DataFrame({
                "by": by["dimension"], "group": by["value"],
                "NPS": by["nps"].map(lambda v: f"{v:+.1f}"),
                "95% interval": [f"{lo:+.1f} to {hi:+.1f}"
                                 for lo, hi in zip(by["ci_low"], by["ci_high"], strict=True)],
                "answers": by["n"].astype(int)})))
    if ce is not None and len(ce):
        s.numbers.append(Number("Complaint cases", f"{len(ce):,}"))
        handled = ce["handled"].value_counts()
        s.numbers.append(Number("Handled badly", _pct(handled.get("badly", 0) / len(ce)),
                                good=None))
        out = ce.groupby("outcome").agg(cases=("case_id", "size"),
                                        csat=("csat", lambda v: (v.dropna() >= 4).mean()),
                                        ces=("ces", "mean")).reset_index()
        s.tables.append(("CSAT and CES after each case outcome", pd.DataFrame({
            "outcome": out["outcome"], "cases": out["cases"],
            "CSAT (share 4-5)": out["csat"].map(_pct), "CES (mean, 1-7)": out["ces"].map(_num)})))
    topics = _df(ws, "voice_topics")
    if topics is not None and len(topics):
        s.tables.append(("Topics found in the text (top terms; no labels used)", pd.DataFrame({
            "text": topics["corpus"], "topic": topics["label"], "texts": topics["size"]})))
    st = _df(ws, "service_times")
    if st is not None and len(st):
        s.tables.append(("Service times (hours): median and 90th percentile", pd.DataFrame({
            "by": st["dimension"], "group": st["value"], "cases": st["cases"],
            "first response, median": st["first_response_median_h"].map(_num),
            "first response, p90": st["first_response_p90_h"].map(_num),
            "resolution, median": st["resolution_median_h"].map(_num),
            "resolution, p90": st["resolution_p90_h"].map(_num)})))
    rec = _df(ws, "recovery_effect")
    if rec is not None and len(rec):
        s.tables.append(("Recovery effect: retention (ordered again within 180 days) and NPS",
                         pd.DataFrame({
                             "group": rec["row"],
                             "customers": rec["customers"].map(
                                 lambda v: "" if v != v or v is None else f"{int(v):,}"),
                             "retention": rec["retention"].map(_pct),
                             "95% interval": [f"{_pct(lo)} to {_pct(hi)}" for lo, hi in zip(
                                 rec["retention_ci_low"], rec["retention_ci_high"],
                                 strict=True)],
                             "NPS": rec["nps"].map(_num)})))
        d = rec[rec["row"] == "well - badly"]
        if len(d):
            r = d.iloc[0]
            verdict = ("the interval covers zero: these data do not show that handling a "
                       "complaint well keeps customers" if r["covers_zero"] else
                       "the interval excludes zero")
            s.bullets.append(
                f"Recovery effect on retention, well minus badly handled: "
                f"{r['retention']:+.1%} (95% {r['retention_ci_low']:+.1%} to "
                f"{r['retention_ci_high']:+.1%}, Newcombe); {verdict}.")
    sd = _df(ws, "silent_dissatisfied")
    if sd is not None:
        s.numbers.append(Number("Silent dissatisfied customers",
                                f"{sd['customer_id'].nunique():,}", good=False))
        s.bullets.append(f"{len(sd):,} delayed orders were never complained about "
                         f"({sd['customer_id'].nunique():,} customers): reach out before "
                         "they leave.")
    av = _df(ws, "avoidable_contacts")
    if av is not None and len(av):
        s.numbers.append(Number("Avoidable contacts", f"{int(av['contacts'].sum()):,}",
                                note=f"cost {fmt(av['cost'].sum(), 'money', 'EUR')} "
                                "(assumed)"))
    al = _df(ws, "voice_alerts")
    if al is not None and len(al):
        s.numbers.append(Number("Love becomes hate", f"{len(al):,}", good=False,
                                note="value at stake "
                                f"{fmt(al['value_at_stake'].sum(), 'money', currency)}"))
        top = al.head(10)
        s.tables.append(("Valuable customers turning against the brand", pd.DataFrame({
            "customer": top["customer_id"], "value category": top["value_category"],
            "value at stake": top["value_at_stake"].map(lambda v: fmt(v, "money", currency)),
            "trigger": top["trigger"]})))
    sr = _df(ws, "suspicious_reviews")
    if sr is not None:
        s.bullets.append(f"{len(sr):,} reviews or mentions flagged as suspicious (bursts, "
                         "duplicate text, rating/text disagreement): a reason to look, not "
                         "proof.")
    return s


__all__ = ["voice_section"]
