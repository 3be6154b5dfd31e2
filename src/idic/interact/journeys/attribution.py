"""Attribution of conversions to channels.

Input is the common aggregated-path format (one row per distinct path: ``path`` with channels
joined by ``" > "``, ``conversions``, ``nulls``, ``value``), the format of ChannelAttribution
(Altomare & Loris) and of most exports, so results compare with other tools. Every model
returns ``{channel: conversions credited}`` whose sum is the total number of conversions.

* ``first`` / ``last``: all credit to the first / last touch of a converting path.
* ``linear``: one equal share per touch (a channel touched twice gets two shares).
* ``position``: 40% first, 40% last, 20% shared by the touches in between (a path of two
  touches splits 50/50; of one touch gets it all) - the "U-shaped" model.
* ``time_decay``: touch weight ``2 ** (-(t_conversion - t_touch) / half_life)`` with a
  7-day half-life, normalised per journey; needs touch times, so it runs on a workspace
  (:func:`time_decay_credits`).
* ``markov``: first-order Markov chain over ``start``, the channels, ``conversion`` and
  ``null``; the removal effect of channel *c* is ``1 - P_without_c(conversion) /
  P(conversion)``, where removing *c* sends every transition into *c* to ``null``.
  Absorption probabilities are computed exactly, ``B = (I - Q)^-1 R`` (Kemeny & Snell,
  *Finite Markov Chains*, 1960), not by simulation. Credits are removal effects normalised to
  sum to the total conversions (Anderl, Becker, von Wangenheim & Schumann 2016, *Mapping the
  customer journey: Lessons learned from graph-based online attribution modeling*, IJRM 33).
* ``shapley``: Shapley value of the game ``v(S)`` = conversions of paths whose channel set is a
  subset of ``S`` (Shao & Li 2011; Dalessandro et al. 2012). That game is a sum of unanimity
  games, one per path channel set ``T`` weighted by its conversions, so the Shapley value is
  exactly ``sum over T containing c of conversions(T) / |T|`` (Shapley 1953) - no
  enumeration of coalitions needed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import pairwise

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from idic.errors import InputError
from idic.interact.journeys._util import check_choice, input_error

PATH_MODELS = ("first", "last", "linear", "position", "markov", "shapley")
MODELS = (*PATH_MODELS, "time_decay")
SEPARATOR = ">"


def split_path(path: str) -> list[str]:
    """``"a > b > c"`` -> ``["a", "b", "c"]`` (spaces around ``>`` optional)."""
    return [p.strip() for p in str(path).split(SEPARATOR) if p.strip()]


def read_paths(frame: pd.DataFrame, *, origin: str = "paths") -> pd.DataFrame:
    """Validate an aggregated-path frame; ``value`` is optional (0 when missing)."""
    missing = [c for c in ("path", "conversions", "nulls") if c not in frame.columns]
    if missing:
        raise input_error(f"{origin}: missing column(s) {', '.join(missing)}",
                         hint="aggregated paths need columns path, conversions, nulls[, value]")
    df = frame.copy()
    for c in ("conversions", "nulls"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
        if df[c].isna().any() or (df[c] < 0).any():
            bad = int(df.index[df[c].isna() | (df[c] < 0)][0]) + 2
            raise InputError(f"{origin}: line {bad}: column {c} must be a number >= 0")
    if "value" not in df.columns:
        df["value"] = 0.0
    df["value"] = pd.to_numeric(df["value"], errors="coerce").fillna(0.0)
    df["path"] = df["path"].fillna("").astype(str)
    return df[["path", "conversions", "nulls", "value"]]


def _converting(paths: pd.DataFrame) -> Iterable[tuple[list[str], float]]:
    for path, conv in zip(paths["path"], paths["conversions"], strict=True):
        touches = split_path(path)
        if conv > 0 and touches:
            yield touches, float(conv)


def _heuristic(paths: pd.DataFrame, model: str) -> dict[str, float]:
    credit: dict[str, float] = defaultdict(float)
    for touches, conv in _converting(paths):
        n = len(touches)
        if model == "first":
            weights = [1.0] + [0.0] * (n - 1)
        elif model == "last":
            weights = [0.0] * (n - 1) + [1.0]
        elif model == "linear":
            weights = [1.0 / n] * n
        else:  # position (U-shaped 40/20/40)
            if n == 1:
                weights = [1.0]
            elif n == 2:
                weights = [0.5, 0.5]
            else:
                weights = [0.4] + [0.2 / (n - 2)] * (n - 2) + [0.4]
        for ch, w in zip(touches, weights, strict=True):
            credit[ch] += w * conv
    return dict(credit)


def shapley(paths: pd.DataFrame) -> dict[str, float]:
    """Exact Shapley credits (see the module docstring)."""
    credit: dict[str, float] = defaultdict(float)
    for touches, conv in _converting(paths):
        members = sorted(set(touches))
        for ch in members:
            credit[ch] += conv / len(members)
    return dict(credit)


def _conversion_probability(P: np.ndarray, start: int, conv: int, transient: list[int],
                            absorbing: list[int]) -> float:
    Q = P[np.ix_(transient, transient)]
    R = P[np.ix_(transient, absorbing)]
    B = np.linalg.solve(np.eye(len(transient)) - Q, R)
    return float(B[transient.index(start), absorbing.index(conv)])


def removal_effects(paths: pd.DataFrame) -> dict[str, float]:
    """Removal effect of each channel in the first-order absorbing Markov chain."""
    channels = sorted({c for p in paths["path"] for c in split_path(p)})
    if not channels:
        return {}
    idx = {c: i + 1 for i, c in enumerate(channels)}
    start, conv, null = 0, len(channels) + 1, len(channels) + 2
    counts = np.zeros((null + 1, null + 1))
    for path, c, n in zip(paths["path"], paths["conversions"], paths["nulls"], strict=True):
        touches = split_path(path)
        if not touches:
            continue
        states = [start] + [idx[t] for t in touches]
        for a, b in pairwise(states):
            counts[a, b] += c + n
        counts[states[-1], conv] += c
        counts[states[-1], null] += n
    counts[conv, conv] = counts[null, null] = 1.0
    rows = counts.sum(axis=1, keepdims=True)
    P = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    dead = np.where(rows[:, 0] == 0)[0]
    P[dead, null] = 1.0  # states never left (cannot happen with valid paths) absorb to null
    transient = list(range(0, conv))
    absorbing = [conv, null]
    base = _conversion_probability(P, start, conv, transient, absorbing)
    effects: dict[str, float] = {}
    for ch, i in idx.items():
        Pr = P.copy()
        Pr[:, null] += Pr[:, i]  # every transition into the removed channel goes to null
        Pr[:, i] = 0.0
        Pr[i, :] = 0.0
        Pr[i, null] = 1.0
        p = _conversion_probability(Pr, start, conv, transient, absorbing)
        effects[ch] = (1.0 - p / base) if base > 0 else 0.0
    return effects


def markov(paths: pd.DataFrame) -> dict[str, float]:
    """Markov removal-effect credits, normalised to the total conversions."""
    effects = removal_effects(paths)
    total = float(paths["conversions"].sum())
    s = sum(effects.values())
    if s <= 0:
        return {c: 0.0 for c in effects}
    return {c: total * e / s for c, e in effects.items()}


def attribute(paths: pd.DataFrame, model: str = "markov") -> dict[str, float]:
    """Credits per channel under ``model`` (one of :data:`PATH_MODELS`) for aggregated paths."""
    if model == "time_decay":
        raise input_error("time_decay needs the time of every touch",
                         hint="attribute a workspace (--workspace DIR) instead of a paths file")
    check_choice(model, PATH_MODELS, "attribution model")
    paths = read_paths(paths)
    if model == "markov":
        credits = markov(paths)
    elif model == "shapley":
        credits = shapley(paths)
    else:
        credits = _heuristic(paths, model)
    every = {c: 0.0 for p in paths["path"] for c in split_path(p)}
    credits = {**every, **credits}  # every channel of the paths is listed, 0 when uncredited
    return dict(sorted(credits.items(), key=lambda kv: (-kv[1], kv[0])))


def time_decay_credits(touches: ir.Table, half_life_days: float = 7.0) -> ir.Table:
    """Time-decay credits per channel from touch-level data (an Ibis expression).

    ``touches`` has journey_id, channel, touched_at, converted_at (null for journeys that did
    not convert); weights ``2 ** (-(converted_at - touched_at) / half_life)`` are normalised
    within each converting journey, so each conversion hands out exactly one credit.
    """
    t = touches.filter(touches.converted_at.notnull())
    age_days = (t.converted_at.epoch_seconds() - t.touched_at.epoch_seconds()).cast("float64") \
        / 86400.0
    t = t.mutate(_w=ibis.literal(0.5).pow(age_days / float(half_life_days)))
    t = t.mutate(_share=t._w / t._w.sum().over(ibis.window(group_by=t.journey_id)))
    return t.group_by("channel").agg(credit=t._share.sum())


def compare(paths: pd.DataFrame, models: Iterable[str] = PATH_MODELS) -> pd.DataFrame:
    """A channel x model table of credits, for side-by-side charts."""
    out = {m: attribute(paths, m) for m in models}
    return pd.DataFrame(out).fillna(0.0).sort_index()
