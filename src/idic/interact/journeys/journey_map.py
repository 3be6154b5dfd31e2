"""The customer journey map, drawn from the data.

Journey-map elements per the seeds (persona, scenario, actions, touchpoints, emotions, pain
points, moments of truth, opportunities) and the mapping steps (research, persona, mapping,
touchpoints, emotions & pain points, analysis, action plan). Here the research is the event
data: for a segment or persona, the stages are the columns and every cell is measured -

* per stage: reach (persons), volume (touchpoint events), conversion to the next stage
  (persons who reach the next stage after entering this one), median time to the next stage,
  emotion (mean sentiment score, -1..+1), the top touchpoints, pain points, love points and
  moments of truth (from :mod:`.moments`);
* opportunities: the stages with the biggest drop-off, with the pain points that explain them.

It is a picture first (:func:`render_html`, Plotly figures in one offline HTML page sized
for a PNG export) and the table behind it (:attr:`JourneyMap.stages`,
:attr:`JourneyMap.touchpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from idic.interact.journeys.taxonomy import Taxonomy, load_rules


@dataclass
class JourneyMap:
    """The table behind the map (``stages``, ``touchpoints``, ``moments``, ``opportunities``)."""

    title: str
    persons: int
    stages: pd.DataFrame
    touchpoints: pd.DataFrame
    moments: pd.DataFrame
    opportunities: list[dict[str, Any]] = field(default_factory=list)
    value_per_order: float = 0.0
    channels: pd.DataFrame = field(default_factory=pd.DataFrame)  # stage, channel, volume
    period: tuple[str, str] | None = None  # first and last touch (dates)
    conversion_events: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                     for k, v in r.items()} for r in df.to_dict("records")]

        return {"title": self.title, "persons": self.persons,
                "stages": records(self.stages), "touchpoints": records(self.touchpoints),
                "moments": records(self.moments), "opportunities": self.opportunities,
                "value_per_order": self.value_per_order}


def restrict(tp: ir.Table, persons: ir.Table | None) -> ir.Table:
    """Touchpoints of the persons in ``persons`` (a table with a ``person_id`` column)."""
    if persons is None:
        return tp
    ids = persons.select(person_id=persons.person_id.cast("string")).distinct()
    return tp.semi_join(ids, tp.person_id == ids.person_id)


def build_map(tp: ir.Table, moments_table: pd.DataFrame | None = None, *,
              title: str = "Customer journey map", taxonomy: Taxonomy | None = None,
              top_touchpoints: int = 5) -> JourneyMap:
    """Measure the journey map of the touchpoints ``tp`` (already restricted to a segment)."""
    tax = taxonomy or load_rules()
    order = list(tax.stage_order)
    tp = tp.filter(tp.in_lookback) if "in_lookback" in tp.columns else tp
    first = tp.group_by("person_id").agg(**{
        f"s{i}": ibis.cases((tp.stage == s, tp.timestamp)).min() for i, s in enumerate(order)
    }, _conv_at=ibis.cases((tp.is_conversion, tp.timestamp)).min(),
        _orders=tp.is_conversion.cast("int64").sum())
    fp = first.execute()
    n_persons = len(fp)
    ct = tp.filter(tp.is_conversion)
    conv = ct.aggregate(n=ct.count(), value=ct.value.cast("float64").sum()).execute()
    n_conv = int(conv["n"].iloc[0] or 0) if len(conv) else 0
    value_per_order = float(conv["value"].iloc[0] or 0.0) / n_conv if n_conv else 0.0
    stage_cols = [f"s{i}" for i in range(len(order))]
    firsts = fp[stage_cols].apply(pd.to_datetime, utc=True) if n_persons else fp[stage_cols]
    entry = firsts.idxmin(axis=1, skipna=True) if n_persons and firsts.notna().any().any() \
        else pd.Series(dtype=object)
    tps = tp.group_by(["stage", "event"]).agg(
        volume=tp.count(), reach=tp.person_id.nunique(),
        sentiment_score=tp.sentiment_score.cast("float64").mean(),
    ).execute()
    by_ch = tp.group_by(["stage", "event", "channel"]).agg(n=tp.count()).execute() \
        .sort_values(["stage", "event", "n", "channel"], ascending=[True, True, False, True]) \
        .drop_duplicates(["stage", "event"])
    tps = tps.merge(by_ch[["stage", "event", "channel"]], on=["stage", "event"], how="left")
    # each touchpoint belongs to the stage where most of its touches are
    main = tps.sort_values(["event", "volume", "stage"], ascending=[True, False, True]) \
        .drop_duplicates("event")[["event", "stage"]].rename(columns={"stage": "main_stage"})
    tps = tps.merge(main, on="event", how="left")
    st_tot = tp.group_by("stage").agg(
        volume=tp.count(), emotion=tp.sentiment_score.cast("float64").mean(),
        negative=(tp.sentiment == "negative").cast("int64").sum(),
        positive=(tp.sentiment == "positive").cast("int64").sum(),
    ).execute().set_index("stage")
    mt = moments_table if moments_table is not None else pd.DataFrame(
        columns=["touchpoint", "stage", "kind", "moment_of_truth", "impact", "odds_ratio"])
    rows = []
    for i, stage in enumerate(order):
        t_in = pd.to_datetime(fp[f"s{i}"], utc=True) if n_persons else pd.Series(dtype=float)
        reach = int(t_in.notna().sum()) if n_persons else 0
        row: dict[str, Any] = {"stage": stage, "phase": tax.stage_phase.get(stage),
                               "reach": reach, "reach_rate": reach / n_persons if n_persons else 0.0,
                               "started_here": int((entry == f"s{i}").sum()) if len(entry) else 0}
        row["volume"] = int(st_tot.loc[stage, "volume"]) if stage in st_tot.index else 0
        row["emotion"] = float(st_tot.loc[stage, "emotion"]) if stage in st_tot.index else None
        if i + 1 < len(order) and reach:
            t_next = pd.to_datetime(fp[f"s{i + 1}"], utc=True)
            moved = t_in.notna() & t_next.notna() & (t_next >= t_in)
            row["next_stage"] = order[i + 1]
            row["conversion_to_next"] = float(moved.sum() / reach)
            secs = (t_next[moved] - t_in[moved]).dt.total_seconds()
            row["median_seconds_to_next"] = float(secs.median()) if len(secs) else None
        else:
            row.update(next_stage=None, conversion_to_next=None, median_seconds_to_next=None)
        cell = tps[tps["stage"] == stage].sort_values(["volume", "event"], ascending=[False, True])
        row["top_touchpoints"] = ", ".join(cell["event"].astype(str).head(top_touchpoints))
        m = mt[mt["stage"] == stage]
        row["pain_points"] = ", ".join(m.loc[m["kind"] == "pain_point", "touchpoint"].astype(str))
        row["love_points"] = ", ".join(m.loc[m["kind"] == "love_point", "touchpoint"].astype(str))
        row["moments_of_truth"] = ", ".join(
            m.loc[m["moment_of_truth"].astype(bool), "touchpoint"].astype(str))
        rows.append(row)
    stages = pd.DataFrame(rows)
    touch = tps.rename(columns={"event": "touchpoint"})
    if not mt.empty:
        touch = touch.merge(mt[["touchpoint", "kind", "moment_of_truth", "odds_ratio", "impact"]],
                            on="touchpoint", how="left")
    touch["stage_rank"] = touch["stage"].map({s: i for i, s in enumerate(order)})
    touch = touch.sort_values(["stage_rank", "volume"], ascending=[True, False]) \
        .drop(columns="stage_rank").reset_index(drop=True)
    # the purchase stage leads to an order (not every order has a delivery event); after the
    # order, the next step is a repeat order
    buyers = int((fp["_orders"] > 0).sum()) if n_persons else 0
    once = int((fp["_orders"] == 1).sum()) if n_persons else 0
    extra = {"checkout_to_order": None, "one_time_buyers": once, "buyers": buyers,
             "value_per_order": value_per_order}
    pi = [i for i, st_ in enumerate(order) if tax.stage_phase.get(st_) == "purchase"]
    if pi and n_persons:
        t_in = pd.to_datetime(fp[f"s{pi[0]}"], utc=True)
        t_c = pd.to_datetime(fp["_conv_at"], utc=True)
        entered = int(t_in.notna().sum())
        ordered = int((t_in.notna() & t_c.notna()).sum())
        extra["checkout_to_order"] = (order[pi[0]], entered, ordered)
    jm = JourneyMap(title, n_persons, stages, touch, mt,
                    _opportunities(stages, mt, tax, extra))
    jm.value_per_order = value_per_order
    jm.channels = tp.group_by(["stage", "channel"]).agg(volume=tp.count()).execute()
    span = tp.aggregate(lo=tp.timestamp.min(), hi=tp.timestamp.max()).execute()
    if len(span) and pd.notna(span["lo"].iloc[0]):
        jm.period = (str(pd.Timestamp(span["lo"].iloc[0]).date()),
                     str(pd.Timestamp(span["hi"].iloc[0]).date()))
    names = ct.select("event").distinct().execute()["event"]
    jm.conversion_events = tuple(sorted(str(x) for x in names))
    return jm


def _explained(pains: pd.DataFrame, value_per_order: float) -> list[dict[str, Any]]:
    out = []
    for _, p in pains.iterrows():
        impact = float(p["impact"]) if pd.notna(p["impact"]) else 0.0
        out.append({"touchpoint": str(p["touchpoint"]), "stage": str(p["stage"]),
                    "odds_ratio": float(p["odds_ratio"]), "or_low": float(p["or_low"]),
                    "or_high": float(p["or_high"]), "impact": impact,
                    "value_at_stake": -impact * value_per_order})
    return out


def _opportunities(stages: pd.DataFrame, mt: pd.DataFrame, tax: Taxonomy,
                   extra: dict[str, Any], k: int = 4) -> list[dict[str, Any]]:
    """The biggest drop-offs of the journey with the pain points that explain them.

    Drop-offs: between the stages before the purchase (persons who reached a stage and never
    the next), from the purchase stage to an order, and after the first order to a repeat
    order (one-time buyers). A drop-off is explained by the pain points of its stages (a
    touchpoint whose interval lies below 1, see :mod:`.moments`), never by navigation.
    ``value_at_stake`` of a drop-off: the persons lost times the average order value (what
    one order from each would bring); of a pain point: the orders it loses (``-impact``) times
    the average order value. Associations, not causes: test a fix before counting on it.
    """
    vpo = float(extra.get("value_per_order") or 0.0)
    pains_all = mt[mt["kind"] == "pain_point"].sort_values("impact") if not mt.empty else mt
    out = []
    order = list(stages["stage"])
    for _, r in stages.iterrows():
        if tax.stage_phase.get(r["stage"]) != "pre-purchase" or r["reach"] <= 0 \
                or pd.isna(r["conversion_to_next"]):
            continue
        lost = round(float(r["reach"]) * (1 - float(r["conversion_to_next"])))
        out.append({"stage": r["stage"], "next_stage": r["next_stage"], "lost_persons": lost,
                    "drop_off_rate": float(1 - r["conversion_to_next"]),
                    "value_at_stake": lost * vpo,
                    "explained_by": _explained(
                        pains_all[pains_all["stage"] == r["stage"]].head(3), vpo)})
    cto = extra.get("checkout_to_order")
    if cto and cto[1]:
        stage, entered, ordered = cto
        lost = entered - ordered
        out.append({"stage": stage, "next_stage": "order", "lost_persons": lost,
                    "drop_off_rate": lost / entered, "value_at_stake": lost * vpo,
                    "explained_by": _explained(
                        pains_all[pains_all["stage"] == stage].head(3), vpo)})
    buyers = int(extra.get("buyers") or 0)
    if buyers:
        post = [s for s in order if tax.stage_phase.get(s) == "post-purchase"]
        once = int(extra.get("one_time_buyers") or 0)
        out.append({"stage": "first order", "next_stage": "repeat order", "lost_persons": once,
                    "drop_off_rate": once / buyers, "value_at_stake": once * vpo,
                    "explained_by": _explained(
                        pains_all[pains_all["stage"].isin(post)].head(3), vpo)})
    out.sort(key=lambda o: -o["lost_persons"])
    return out[:k]


def render_html(jm: JourneyMap, path: str | Path | None = None, *,
                persona: str | None = None, scenario: str | None = None,
                currency: str = "") -> str:
    """One self-contained HTML page (no script, nothing from the network): the map
    (:func:`idic.charts.journey_map.map_page`), opportunities and the tables behind it."""
    from idic.charts.journey_map import map_page

    html = map_page(jm, persona=persona, scenario=scenario, currency=currency)
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
    return html
