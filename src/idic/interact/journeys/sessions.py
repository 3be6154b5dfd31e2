"""Touchpoints, sessions and journeys per person.

* **touchpoint**: a track/page/screen event of a resolved person, with its taxonomy
  (:mod:`.taxonomy`).
* **session**: a run of a person's touchpoints in one channel with no gap longer than
  ``session_gap`` (30 minutes by default, the web-analytics convention); a change of channel
  starts a new session, so an omnichannel trajectory is a sequence of sessions.
* **journey**: a person's touchpoints up to and including a conversion (the next touchpoint
  starts a new journey), keeping those within ``lookback`` before the journey's end; the
  touchpoints after the last conversion form an open (non-converting) journey.

All functions return Ibis expressions (ordered sequences are built by collecting structs and
sorting them, which is portable to Spark).
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from idic.engine import Engine
from idic.interact.journeys._util import parse_duration
from idic.interact.journeys.persons import person_events
from idic.interact.journeys.taxonomy import Taxonomy, classify, load_rules, value_of

PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class JourneySpec:
    """How touchpoints are cut into sessions and journeys (serialisable settings)."""

    session_gap: str | float = "30m"
    lookback: str | float = "30d"
    conversion_events: tuple[str, ...] = ()
    include_anonymous: bool = True

    @property
    def gap_seconds(self) -> float:
        return parse_duration(self.session_gap, what="session gap")

    @property
    def lookback_seconds(self) -> float:
        return parse_duration(self.lookback, what="lookback")


def touchpoints(engine: Engine, spec: JourneySpec | None = None,
                taxonomy: Taxonomy | None = None, events: ir.Table | None = None) -> ir.Table:
    """One row per touchpoint with person, taxonomy, session and journey.

    Columns: message_id, person_id, source, timestamp, event, stage, phase, channel,
    channel_kind, creator, owner, sentiment, sentiment_score, is_conversion, value, session_index,
    journey_index, journey_id, in_lookback.
    """
    spec = spec or JourneySpec()
    tax = (taxonomy or load_rules()).with_conversions(list(spec.conversion_events))
    ev = person_events(engine, events, include_anonymous=spec.include_anonymous)
    ev = classify(ev, tax)
    ev = ev.mutate(value=ibis.cases((ev.is_conversion, value_of(ev, tax)),
                                    else_=ibis.null("float64")))
    ev = ev.select("message_id", "person_id", "source", "timestamp", "event", "stage", "phase",
                   "channel", "channel_kind", "creator", "owner", "sentiment", "sentiment_score",
                   "is_conversion", "value")
    order = [ev.timestamp, ev.message_id]
    w = ibis.window(group_by=ev.person_id, order_by=order)
    prev_ts = ev.timestamp.lag().over(w)
    prev_ch = ev.channel.lag().over(w)
    gap = ibis.interval(seconds=int(spec.gap_seconds))
    new_session = ibis.cases(
        (prev_ts.isnull(), 1),
        (ev.timestamp > prev_ts + gap, 1),
        (ev.channel != prev_ch, 1),
        else_=0,
    )
    conv = ev.is_conversion.cast("int32")
    ev = ev.mutate(_new=new_session, _conv=conv)
    cum = ibis.cumulative_window(group_by=ev.person_id, order_by=[ev.timestamp, ev.message_id])
    ev = ev.mutate(session_index=ev._new.sum().over(cum).cast("int64"),
                   journey_index=(ev._conv.sum().over(cum) - ev._conv).cast("int64"))
    ev = ev.mutate(journey_id=ev.person_id + "#" + ev.journey_index.cast("string"))
    jw = ibis.window(group_by=[ev.person_id, ev.journey_index])
    end = ev.timestamp.max().over(jw)
    ev = ev.mutate(in_lookback=ev.timestamp >= end - ibis.interval(seconds=int(spec.lookback_seconds)))
    return ev.drop("_new", "_conv")


def journeys(tp: ir.Table) -> ir.Table:
    """One row per journey: person_id, journey_id, journey_index, started_at, ended_at,
    converted, value, n_touches (sessions), n_events, path (session channels joined by " > "),
    first_channel, last_channel.
    """
    tp = tp.filter(tp.in_lookback)
    touches = tp.group_by(["person_id", "journey_index", "session_index"]).agg(
        channel=tp.channel.min(),
        started_at=tp.timestamp.min(),
        ended_at=tp.timestamp.max(),
        converted=tp.is_conversion.cast("int32").max(),
        value=tp.value.sum(),
        n_events=tp.count(),
    )
    seq = ibis.struct({"t": touches.started_at, "s": touches.session_index,
                       "c": touches.channel}).collect()
    j = touches.group_by(["person_id", "journey_index"]).agg(
        started_at=touches.started_at.min(),
        ended_at=touches.ended_at.max(),
        converted=touches.converted.max(),
        value=touches.value.sum(),
        n_touches=touches.count(),
        n_events=touches.n_events.sum(),
        _seq=seq,
    )
    ordered = j._seq.sort()
    j = j.mutate(journey_id=j.person_id + "#" + j.journey_index.cast("string"),
                 path=ordered.map(lambda s: s.c).join(PATH_SEPARATOR),
                 first_channel=ordered[0].c,
                 last_channel=ordered[j._seq.length() - 1].c)
    j = j.drop("_seq").mutate(converted=j.converted == 1, value=j.value.fill_null(0.0))
    return j.relocate("journey_id", "person_id", "journey_index")


def aggregate_paths(jr: ir.Table) -> ir.Table:
    """The common aggregated-path format: ``path, conversions, nulls, value``.

    This is the input format of ChannelAttribution (Altomare & Loris) and similar tools.
    """
    conv = jr.converted.cast("int64")
    return jr.group_by("path").agg(
        conversions=conv.sum().cast("int64"),
        nulls=(1 - conv).sum().cast("int64"),
        value=jr.value.sum().cast("float64"),
    ).order_by([ibis.desc("conversions"), ibis.desc("nulls"), "path"])
