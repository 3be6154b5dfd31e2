"""Pain points, love points and moments of truth, measured from the data.

For every touchpoint (event name) we compare journeys that contain it with journeys that do
not, on an outcome:

* ``conversion``: the journey ends in a conversion;
* ``retention``: the same, restricted to journeys of existing customers (journeys after a
  first conversion), i.e. whether a customer buys again.

The unit is the journey, or (``unit="session"``, conversion only) the session, which
measures what happens within a visit (a checkout error and that checkout). By default
(``stratify="stage"``) the comparison group is the journeys that reached the
touchpoint's own stage without it (a checkout error is compared with other checkouts, not
with window shoppers). Conversion events themselves are not candidates.

Statistics per touchpoint, from the 2x2 table (exposed/not x outcome/not):

* odds ratio with a Woolf (log) 95% interval, adding 0.5 to every cell when one is zero
  (Haldane-Anscombe);
* lift (risk ratio) with the Katz log interval;
* a two-sided p-value of the log odds ratio (normal approximation);
* ``impact``: outcomes gained (+) or lost (-) by the exposed journeys against the comparison
  rate, ``n_exposed * (rate_exposed - rate_baseline)``.

A touchpoint that is alone (or nearly) in its stage is compared with all journeys instead
(column ``baseline``). A touchpoint found in at least ``step_coverage`` (90%) of the
converting journeys is a ``step`` of the process (a checkout page), not a candidate.

A touchpoint is a **pain point** when its interval lies below 1, a **love point** when above;
the **moments of truth** are the ``top`` touchpoints with the largest absolute log odds
ratio among those (Carlzon 1987, *Moments of Truth*; the seeds: "a specific event or interaction in a
customer journey that significantly impacts their perception and satisfaction"). These are
associations, not causal effects: check them with an experiment before acting.
"""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy.stats import norm

from idic.errors import InputError
from idic.interact.journeys._util import check_choice

OUTCOMES = ("conversion", "retention")
UNITS = ("journey", "session")
Z95 = float(norm.ppf(0.975))


def _unit_key(tp: ir.Table, unit: str) -> ir.Table:
    if unit == "session":
        return tp.mutate(unit_id=tp.journey_id + "/" + tp.session_index.cast("string"))
    return tp.mutate(unit_id=tp.journey_id)


def _journey_outcomes(tp: ir.Table, outcome: str) -> ir.Table:
    j = tp.group_by("unit_id").agg(
        converted=tp.is_conversion.cast("int64").max(),
        journey_index=tp.journey_index.min(),
    )
    if outcome == "retention":
        j = j.filter(j.journey_index >= 1)
    return j


def exposure_counts(tp: ir.Table, outcome: str = "conversion", unit: str = "journey",
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three small frames: per event (units, converted), per stage, and event profiles."""
    tp = tp.filter(tp.in_lookback) if "in_lookback" in tp.columns else tp
    tp = _unit_key(tp, unit)
    j = _journey_outcomes(tp, outcome)
    touches = tp.filter(~tp.is_conversion)
    exp = touches.select("unit_id", "event").distinct()
    exp = exp.join(j, "unit_id")
    by_event = exp.group_by("event").agg(n_exposed=exp.count(),
                                          c_exposed=exp.converted.sum())
    reach = touches.select("unit_id", "stage").distinct().join(j, "unit_id")
    by_stage = reach.group_by("stage").agg(n_stage=reach.count(), c_stage=reach.converted.sum())
    total = j.aggregate(n_all=j.count(), c_all=j.converted.sum())
    profile = touches.group_by(["event", "stage", "channel"]).agg(
        events=touches.count(), sentiment_score=touches.sentiment_score.cast("float64").mean(),
        negative=(touches.sentiment == "negative").cast("int64").sum(),
        positive=(touches.sentiment == "positive").cast("int64").sum())
    ev = by_event.execute()
    st = by_stage.execute()
    tot = total.execute()
    prof = profile.execute()
    st = pd.concat([st, pd.DataFrame({"stage": ["__all__"], "n_stage": tot["n_all"],
                                      "c_stage": tot["c_all"]})], ignore_index=True)
    return ev, st, prof


def two_by_two(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    """Odds ratio, lift and their 95% intervals for cells a, b (exposed: yes/no outcome) and
    c, d (comparison: yes/no outcome)."""
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    aa, bb, cc, dd = (np.where(zero, x + 0.5, x) for x in (a, b, c, d))
    log_or = np.log(aa * dd / (bb * cc))
    se_or = np.sqrt(1 / aa + 1 / bb + 1 / cc + 1 / dd)
    n1, n0 = aa + bb, cc + dd
    log_rr = np.log((aa / n1) / (cc / n0))
    se_rr = np.sqrt(np.maximum(1 / aa - 1 / n1 + 1 / cc - 1 / n0, 0.0))
    p = 2 * norm.sf(np.abs(log_or / se_or))
    return {
        "odds_ratio": np.exp(log_or), "or_low": np.exp(log_or - Z95 * se_or),
        "or_high": np.exp(log_or + Z95 * se_or),
        "lift": np.exp(log_rr), "lift_low": np.exp(log_rr - Z95 * se_rr),
        "lift_high": np.exp(log_rr + Z95 * se_rr), "p_value": p,
    }


def moments(tp: ir.Table, *, outcome: str = "conversion", stratify: str = "stage",
            min_exposed: int = 30, top: int = 5, step_coverage: float = 0.9,
            unit: str = "journey") -> pd.DataFrame:
    """One row per touchpoint with its effect on ``outcome`` (see the module docstring).

    ``tp`` is the touchpoints expression (:func:`idic.interact.journeys.sessions.touchpoints`)
    or the stored ``touchpoints`` table.
    """
    check_choice(outcome, OUTCOMES, "outcome")
    check_choice(stratify, ("stage", "none"), "stratify")
    check_choice(unit, UNITS, "unit")
    if unit == "session" and outcome == "retention":
        raise InputError("retention is measured per journey, not per session")
    ev, st, prof = exposure_counts(tp, outcome, unit)
    cols = ["touchpoint", "stage", "channel", "sentiment", "sentiment_score", "outcome",
            "n_exposed", "rate_exposed", "n_baseline", "rate_baseline", "odds_ratio", "or_low",
            "or_high", "lift", "lift_low", "lift_high", "p_value", "impact", "kind",
            "moment_of_truth", "baseline", "coverage", "unit"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    # the profile of each touchpoint: its most frequent stage and channel, mean sentiment
    prof = prof.sort_values(["event", "events", "stage", "channel"],
                            ascending=[True, False, True, True])
    main = prof.groupby("event", as_index=False).first()[["event", "stage", "channel"]]
    agg = prof.assign(w=prof["sentiment_score"] * prof["events"]).groupby("event").agg(
        events=("events", "sum"), w=("w", "sum"), neg=("negative", "sum"),
        pos=("positive", "sum"))
    agg["sentiment_score"] = agg["w"] / agg["events"]
    agg["sentiment"] = np.where(agg["neg"] > agg["events"] / 2, "negative",
                                np.where(agg["pos"] > agg["events"] / 2, "positive", "neutral"))
    df = ev.merge(main, on="event", how="left").merge(
        agg[["sentiment_score", "sentiment"]], left_on="event", right_index=True, how="left")
    key = df["stage"] if stratify == "stage" else pd.Series("__all__", index=df.index)
    # a touchpoint that (nearly) alone makes its stage is compared with all journeys
    sizes = st.set_index("stage")["n_stage"]
    small = (key.map(sizes).fillna(0) - df["n_exposed"]) < min_exposed
    df["_key"] = key.where(~small, "__all__")
    df = df.merge(st, left_on="_key", right_on="stage", how="left", suffixes=("", "_s"))
    df = df[df["n_exposed"] >= min_exposed].copy()
    n1 = df["n_exposed"].astype(float)
    a = df["c_exposed"].astype(float)
    n0 = (df["n_stage"] - df["n_exposed"]).clip(lower=0).astype(float)
    c = (df["c_stage"] - df["c_exposed"]).clip(lower=0).astype(float)
    c = np.minimum(c, n0)
    df = df[n0 > 0].copy() if (n0 > 0).any() else df.iloc[0:0].copy()
    if df.empty:
        return pd.DataFrame(columns=cols)
    n1, a = n1[df.index], a[df.index]
    n0, c = n0[df.index], c[df.index]
    stats = two_by_two(a.to_numpy(), (n1 - a).to_numpy(), c.to_numpy(), (n0 - c).to_numpy())
    for k, v in stats.items():
        df[k] = v
    df["n_baseline"] = n0
    df["rate_exposed"] = a / n1
    df["rate_baseline"] = c / n0
    df["impact"] = n1 * (df["rate_exposed"] - df["rate_baseline"])
    c_all = float(st.loc[st["stage"] == "__all__", "c_stage"].iloc[0] or 0)
    df["coverage"] = a / c_all if c_all else 0.0
    df["kind"] = np.where(df["coverage"] >= step_coverage, "step",
                          np.where(df["or_high"] < 1, "pain_point",
                                   np.where(df["or_low"] > 1, "love_point", "neutral")))
    df["outcome"] = outcome
    df["unit"] = unit
    df["baseline"] = np.where(df["_key"] == "__all__", "all journeys", "same stage")
    df = df.rename(columns={"event": "touchpoint"})
    # moments of truth: the strongest effects (|log odds ratio|) among pain and love points
    # whose 2x2 table has no empty cell (an empty cell makes the odds ratio degenerate)
    full = (a > 0) & (a < n1) & (c > 0) & (c < n0)
    sig = df[df["kind"].isin(("pain_point", "love_point")) & full]
    mot = sig.reindex(np.log(sig["odds_ratio"]).abs().sort_values(ascending=False).index) \
        .head(top)
    df["moment_of_truth"] = df.index.isin(mot.index)
    df = df.sort_values(["moment_of_truth", "p_value", "touchpoint"],
                        ascending=[False, True, True])
    return df[cols].reset_index(drop=True)


def pain_points(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["kind"] == "pain_point"].sort_values("impact")


def love_points(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["kind"] == "love_point"].sort_values("impact", ascending=False)
