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
from html import escape
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

    def to_dict(self) -> dict[str, Any]:
        def records(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                     for k, v in r.items()} for r in df.to_dict("records")]

        return {"title": self.title, "persons": self.persons,
                "stages": records(self.stages), "touchpoints": records(self.touchpoints),
                "moments": records(self.moments), "opportunities": self.opportunities}


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
    })
    fp = first.execute()
    n_persons = len(fp)
    tps = tp.group_by(["stage", "event"]).agg(
        volume=tp.count(), reach=tp.person_id.nunique(),
        sentiment_score=tp.sentiment_score.cast("float64").mean(),
        channel=tp.channel.min(),
    ).execute()
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
                               "reach": reach, "reach_rate": reach / n_persons if n_persons else 0.0}
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
    return JourneyMap(title, n_persons, stages, touch, mt, _opportunities(stages, mt))


def _opportunities(stages: pd.DataFrame, mt: pd.DataFrame, k: int = 3) -> list[dict[str, Any]]:
    """The ``k`` biggest drop-offs between stages with the pain points that explain them."""
    st = stages.dropna(subset=["conversion_to_next"])
    st = st[st["reach"] > 0].copy()
    if st.empty:
        return []
    st["lost"] = st["reach"] * (1 - st["conversion_to_next"])
    out = []
    for _, r in st.sort_values("lost", ascending=False).head(k).iterrows():
        pains = mt[(mt["stage"] == r["stage"]) & (mt["kind"] == "pain_point")] \
            .sort_values("impact") if not mt.empty else mt
        out.append({
            "stage": r["stage"], "next_stage": r["next_stage"], "lost_persons": int(r["lost"]),
            "drop_off_rate": float(1 - r["conversion_to_next"]),
            "explained_by": [
                {"touchpoint": p["touchpoint"], "odds_ratio": float(p["odds_ratio"]),
                 "impact": float(p["impact"])} for _, p in pains.head(3).iterrows()],
        })
    return out


def render_html(jm: JourneyMap, path: str | Path | None = None, *,
                extra_figures: list[Any] | None = None) -> str:
    """One self-contained HTML page (Plotly inlined, no CDN): map, emotion curve, tables."""
    from idic.charts.journeys import emotion_curve_figure, journey_map_figure

    figs = [journey_map_figure(jm), emotion_curve_figure(jm), *(extra_figures or [])]
    parts = []
    for i, fig in enumerate(figs):
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0),
                                 config={"toImageButtonOptions": {"format": "png", "scale": 2}}))
    opp = "".join(
        f"<li><b>{escape(str(o['stage']))} → {escape(str(o['next_stage']))}</b>: "
        f"{o['lost_persons']} persons lost ({o['drop_off_rate']:.0%})"
        + (" — explained by " + ", ".join(
            f"{escape(str(e['touchpoint']))} (OR {e['odds_ratio']:.2f})" for e in o["explained_by"])
           if o["explained_by"] else "") + "</li>" for o in jm.opportunities)
    table = jm.stages.to_html(index=False, float_format=lambda x: f"{x:.3g}", na_rep="",
                              classes="idic-table", border=0)
    mom = jm.moments.head(20).to_html(index=False, float_format=lambda x: f"{x:.3g}",
                                      na_rep="", classes="idic-table", border=0) \
        if not jm.moments.empty else "<p>No touchpoint with enough journeys to measure.</p>"
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(jm.title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; max-width: 1280px; color: #222; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 17px; margin-top: 28px; }}
.idic-table {{ border-collapse: collapse; font-size: 12px; }}
.idic-table th, .idic-table td {{ padding: 4px 8px; border-bottom: 1px solid #ddd; text-align: left; }}
</style></head><body>
<h1>{escape(jm.title)}</h1>
<p>{jm.persons} persons. Stages as columns; touchpoints with volume, reach, conversion to the
next stage, time, emotion; pain points, love points and moments of truth measured from the data.</p>
{parts[0]}
{''.join(parts[1:])}
<h2>Opportunities</h2><ul>{opp or '<li>none found</li>'}</ul>
<h2>The table behind the map</h2>{table}
<h2>Pain points, love points and moments of truth</h2>{mom}
</body></html>
"""
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
    return html
