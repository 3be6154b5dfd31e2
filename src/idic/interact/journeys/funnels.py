"""Funnels: how many persons get through ordered steps within a conversion window.

Conventions (the product-analytics ones, e.g. PostHog/Amplitude funnels):

* An **attempt** starts at a first-step event at ``t0``; a step counts when it happens at or
  before ``t0 + window`` (the boundary is inclusive) and not before the previous step
  (equal timestamps count as in order).
* **One attempt per person**: the one that reaches the furthest step within the window; among
  those, the earliest. Incomplete attempts count for the steps they reached only.
* Modes: ``ordered`` (other events may happen between steps), ``strict`` (the steps are
  consecutive touchpoints of the person, nothing in between), ``unordered`` (the steps in any
  order; an attempt starts at any step event and step *k* counts persons that did *k* of the
  steps within the window).
* **Exclusion steps**: an attempt in which an exclusion event happens after its first step and
  no later than its last reached step is discarded.

Ordered attempts are found greedily (each step at its earliest possible time, which reaches
the furthest), with one window function per step over the step events and one equality join
per step; no as-of join, so it compiles to DuckDB and Spark alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from idic.engine import Engine
from idic.errors import InputError
from idic.interact.journeys._util import check_choice, input_error, parse_duration, split_list
from idic.interact.journeys.persons import TOUCH_TYPES, person_events
from idic.suggest import unknown_name

MODES = ("ordered", "strict", "unordered")


@dataclass
class FunnelResult:
    """Counts and timings per step; ``breakdown`` maps a label to its own step list."""

    steps: list[dict[str, Any]]
    mode: str
    window_seconds: float
    breakdown_by: str | None = None
    breakdown: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"steps": self.steps, "mode": self.mode,
                             "window_seconds": self.window_seconds}
        if self.breakdown_by:
            d["breakdown_by"] = self.breakdown_by
            d["breakdown"] = self.breakdown
        return d

    def to_frame(self) -> pd.DataFrame:
        rows = [{"breakdown": None, **s} for s in self.steps]
        for label, steps in self.breakdown.items():
            rows += [{"breakdown": label, **s} for s in steps]
        return pd.DataFrame(rows)


def _step_index(ev: ir.Table, steps: list[str], exclude: list[str]) -> ir.IntegerValue:
    branches = [(ev.event == s, i + 1) for i, s in enumerate(steps)]
    branches += [(ev.event == x, 0) for x in exclude]
    return ibis.cases(*branches, else_=ibis.null("int16")).cast("int16")


def _following(ev: ir.Table):
    return ibis.window(group_by=ev.person_id, order_by=[ev.ts, ev.step], preceding=0,
                       following=None)


def _ordered(ev: ir.Table, steps: list[str], exclude: list[str], window: int,
             breakdown: str | None) -> ir.Table:
    n = len(steps)
    se = ev.filter(ev.event.isin(steps + exclude))
    cols = {"person_id": se.person_id, "ts": se.timestamp, "step": _step_index(se, steps, exclude)}
    rows = se.select(**cols, bd=se[breakdown].cast("string") if breakdown else ibis.null("string"))
    rows = rows.group_by(["person_id", "ts", "step"]).agg(bd=rows.bd.min())
    w = _following(rows)
    nxt = {f"n{k}": ibis.cases((rows.step == k, rows.ts)).min().over(w) for k in range(2, n + 1)}
    nxt["nx"] = ibis.cases((rows.step == 0, rows.ts)).min().over(w)
    rows = rows.mutate(**nxt)
    a = rows.filter(rows.step == 1)
    a = a.select(person_id="person_id", bd="bd", nx="nx", t1="ts",
                 **({"t2": a.n2} if n >= 2 else {}))
    for k in range(2, n):
        r = rows.filter(rows.step == k).select(
            _p="person_id", _t="ts", _n=f"n{k + 1}")
        a = a.left_join(r, [a.person_id == r._p, a[f"t{k}"] == r._t]).select(
            a, **{f"t{k + 1}": r._n})
    return _choose(a, n, window)


def _choose(a: ir.Table, n: int, window: int) -> ir.Table:
    """Cut the attempts at the window, drop excluded ones, keep one per person."""
    deadline = a.t1 + ibis.interval(seconds=window)
    ok = {f"ok{k}": (a[f"t{k}"] <= deadline).fill_null(False) for k in range(2, n + 1)}
    a = a.mutate(**ok)
    reached = ibis.literal(1, type="int16")
    for k in range(2, n + 1):
        reached = reached + a[f"ok{k}"].cast("int16")
    a = a.mutate(reached=reached)
    last = ibis.cases(*[(a.reached == k, a[f"t{k}"]) for k in range(2, n + 1)], else_=a.t1) \
        if n > 1 else a.t1
    a = a.filter(~(a.nx <= last).fill_null(False))
    rank = ibis.row_number().over(group_by=a.person_id,
                                  order_by=[ibis.desc(a.reached), a.t1, a.bd])
    a = a.mutate(_rank=rank)
    a = a.filter(a._rank == 0)
    keep = {f"t{k}": ibis.cases((a[f"ok{k}"], a[f"t{k}"]), else_=ibis.null("timestamp"))
            for k in range(2, n + 1)}
    return a.select("person_id", "bd", "reached", "t1", **keep)


def _strict(ev: ir.Table, steps: list[str], window: int, breakdown: str | None) -> ir.Table:
    n = len(steps)
    ev = ev.select(person_id="person_id", ts="timestamp", event="event", mid="message_id",
                   bd=ev[breakdown].cast("string") if breakdown else ibis.null("string"))
    w = ibis.window(group_by=ev.person_id, order_by=[ev.ts, ev.mid])
    leads = {}
    for j in range(1, n):
        leads[f"e{j + 1}"] = ev.event.lead(j).over(w)
        leads[f"t{j + 1}"] = ev.ts.lead(j).over(w)
    ev = ev.mutate(**leads)
    a = ev.filter(ev.event == steps[0])
    chain = ibis.literal(True)
    cols: dict[str, ir.Value] = {}
    for k in range(2, n + 1):
        chain = chain & (a[f"e{k}"] == steps[k - 1]).fill_null(False)
        cols[f"t{k}"] = ibis.cases((chain, a[f"t{k}"]), else_=ibis.null("timestamp"))
    a = a.select(person_id="person_id", bd="bd", t1="ts", nx=ibis.null("timestamp"), **cols)
    return _choose(a, n, window)


def _unordered(ev: ir.Table, steps: list[str], exclude: list[str], window: int,
               breakdown: str | None) -> ir.Table:
    n = len(steps)
    se = ev.filter(ev.event.isin(steps + exclude))
    rows = se.select(person_id=se.person_id, ts=se.timestamp,
                     step=_step_index(se, steps, exclude),
                     bd=se[breakdown].cast("string") if breakdown else ibis.null("string"))
    rows = rows.group_by(["person_id", "ts", "step"]).agg(bd=rows.bd.min())
    w = _following(rows)
    nxt = {f"n{k}": ibis.cases((rows.step == k, rows.ts)).min().over(w) for k in range(1, n + 1)}
    nxt["nx"] = ibis.cases((rows.step == 0, rows.ts)).min().over(w)
    rows = rows.mutate(**nxt)
    a = rows.filter(rows.step > 0)
    deadline = a.ts + ibis.interval(seconds=window)
    inwin = {f"u{k}": ibis.cases((a[f"n{k}"] <= deadline, a[f"n{k}"]),
                                 else_=ibis.null("timestamp")) for k in range(1, n + 1)}
    a = a.mutate(**inwin)
    reached = ibis.literal(0, type="int16")
    for k in range(1, n + 1):
        reached = reached + a[f"u{k}"].notnull().cast("int16")
    last = ibis.greatest(*[a[f"u{k}"] for k in range(1, n + 1)]) if n > 1 else a.u1
    a = a.mutate(reached=reached, _last=last)
    a = a.filter(~(a.nx <= a._last).fill_null(False))
    rank = ibis.row_number().over(group_by=a.person_id,
                                  order_by=[ibis.desc(a.reached), a.ts, a.bd])
    a = a.mutate(_rank=rank).filter(lambda t: t._rank == 0)
    return a.select("person_id", "bd", "reached", t0="ts",
                    **{f"u{k}": f"u{k}" for k in range(1, n + 1)})


def check_events(engine: Engine, steps: list[str], exclude: list[str],
                 events: ir.Table | None = None) -> None:
    """Every step and exclusion event must be an event name of the touchpoints: a typo
    ("Add To Cart" for "Added To Cart") is an error naming the closest names, not zeros."""
    src = events if events is not None else engine.table("events")
    if events is None:
        src = src.filter(src.type.isin(TOUCH_TYPES))
    known = set(engine.to_pandas(src.select("event").distinct())["event"].dropna())
    for given_in, names in (("the funnel steps", steps), ("the exclusion steps", exclude)):
        for name in names:
            if name not in known:
                raise unknown_name("event", name, known, given_in=given_in,
                                   none_hint="load events first: idic ingest events FILE")


def funnel_attempts(engine: Engine, steps: list[str] | str, window: str | float = "14d", *,
                    mode: str = "ordered", exclude: list[str] | str | None = None,
                    breakdown: str | None = None, events: ir.Table | None = None) -> ir.Table:
    """One row per person: the chosen attempt (``reached`` and the time of each step).

    ``events`` defaults to the workspace's touchpoints with resolved persons; it needs the
    columns person_id, event, timestamp, message_id (and ``breakdown`` when given).
    """
    steps = split_list(steps)
    exclude = split_list(exclude)
    check_choice(mode, MODES, "funnel mode")
    if len(steps) < 1:
        raise input_error("a funnel needs at least one step", hint='--steps "E1,E2,E3"')
    if len(set(steps)) != len(steps):
        raise InputError(f"funnel steps must be distinct events, got {steps}")
    if set(steps) & set(exclude):
        raise InputError("an exclusion step cannot also be a funnel step")
    seconds = round(parse_duration(window, what="conversion window"))
    check_events(engine, steps, exclude, events)
    if events is None:
        ev = person_events(engine, names=None if mode == "strict" else steps + exclude)
    else:
        ev = events
    if breakdown is not None and breakdown not in ev.columns:
        raise unknown_name("breakdown column", breakdown,
                           [c for c in ev.columns if not c.startswith("_")],
                           given_in="the events")
    if mode == "ordered":
        return _ordered(ev, steps, exclude, seconds, breakdown)
    if mode == "strict":
        return _strict(ev, steps, seconds, breakdown)
    return _unordered(ev, steps, exclude, seconds, breakdown)


def _step_times(df: pd.DataFrame, n: int, mode: str) -> np.ndarray:
    """Seconds of each reached step since the attempt start, shape (persons, n), NaN if not."""
    if mode == "unordered":
        cols = [f"u{k}" for k in range(1, n + 1)]
        start = df["t0"]
    else:
        cols = ["t1"] + [f"t{k}" for k in range(2, n + 1)]
        start = df["t1"]
    out = np.full((len(df), n), np.nan)
    for i, c in enumerate(cols):
        out[:, i] = (pd.to_datetime(df[c], utc=True) - pd.to_datetime(start, utc=True)) \
            .dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    if mode == "unordered":
        out = np.sort(out, axis=1)  # NaN sort last: k-th completed step in time order
    return out


def summarise(df: pd.DataFrame, steps: list[str], mode: str) -> list[dict[str, Any]]:
    """Per-step counts, conversion and drop-off rates, median/mean seconds from previous."""
    n = len(steps)
    if len(df):  # a fixed row order makes float sums identical on every engine
        df = df.sort_values("person_id", kind="stable")
    reached = df["reached"].to_numpy(dtype=int) if len(df) else np.zeros(0, dtype=int)
    times = _step_times(df, n, mode) if len(df) else np.zeros((0, n))
    out: list[dict[str, Any]] = []
    first = int((reached >= 1).sum())
    prev_count = None
    for k in range(1, n + 1):
        mask = reached >= k
        count = int(mask.sum())
        row: dict[str, Any] = {"step": k, "event": steps[k - 1], "count": count}
        row["conversion_rate"] = (count / first) if first else 0.0
        if prev_count is None:
            row.update(step_conversion_rate=1.0 if count else 0.0, drop_off=0, drop_off_rate=0.0,
                       median_seconds_from_previous=None, mean_seconds_from_previous=None)
        else:
            d = times[mask, k - 1] - times[mask, k - 2]
            row.update(
                step_conversion_rate=(count / prev_count) if prev_count else 0.0,
                drop_off=prev_count - count,
                drop_off_rate=((prev_count - count) / prev_count) if prev_count else 0.0,
                median_seconds_from_previous=round(float(np.median(d)), 6) if count else None,
                mean_seconds_from_previous=round(float(np.mean(d)), 6) if count else None,
            )
        out.append(row)
        prev_count = count
    return out


def funnel(engine: Engine, steps: list[str] | str, window: str | float = "14d", *,
           mode: str = "ordered", exclude: list[str] | str | None = None,
           breakdown: str | None = None, segments: ir.Table | None = None,
           events: ir.Table | None = None) -> FunnelResult:
    """Run a funnel (see the module docstring for the conventions).

    ``breakdown`` names an event column (``channel``, ``source``, ...) taken from the first
    step; ``segments`` is a table ``(person_id, segment)`` (a segment or persona assignment)
    to break down by instead.
    """
    steps_l = split_list(steps)
    attempts = funnel_attempts(engine, steps_l, window, mode=mode, exclude=exclude,
                               breakdown=None if segments is not None else breakdown,
                               events=events)
    by = breakdown
    if segments is not None:
        seg = segments.select(person_id=segments.person_id.cast("string"),
                              _seg=segments.segment.cast("string"))
        attempts = attempts.left_join(seg, attempts.person_id == seg.person_id) \
            .select(attempts, seg._seg).mutate(bd=lambda t: t._seg).drop("_seg")
        by = "segment"
    # Arrow then pandas: much faster than Ibis' own pandas conversion for per-person rows
    df = engine.to_arrow(attempts).to_pandas()
    seconds = parse_duration(window, what="conversion window")
    result = FunnelResult(summarise(df, steps_l, mode), mode, seconds, breakdown_by=by)
    if by:
        labels = df["bd"].fillna("(none)")
        for label in sorted(labels.unique()):
            result.breakdown[str(label)] = summarise(df[labels == label], steps_l, mode)
    return result
