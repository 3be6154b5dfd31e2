"""Pain points, love points and moments of truth, measured from the data.

For every touchpoint (event name) we compare journeys that contain it with journeys that do
not, on an outcome:

* ``conversion``: the journey ends in a conversion;
* ``retention``: the same, restricted to journeys of existing customers (journeys after a
  first conversion), i.e. whether a customer buys again.

The unit is the journey, or (``unit="session"``, conversion only) the session, which
measures what happens within a visit (a checkout error and that checkout). By default
(``stratify="stage"``) the comparison group is the journeys that reached the
touchpoint's own stage *in its own channel* without it (``stratify="stage_channel"``: a
checkout error is compared with other web checkouts, not with window shoppers, and not with
store visits, which convert for other reasons); ``stratify="stage"`` drops the channel.
Conversion events themselves are not candidates. The exposed group is the journeys with the
touchpoint inside that stratum, so both groups come from the same stratum (a stratified
comparison in the sense of Rothman, Greenland & Lash 2008, *Modern Epidemiology*, ch. 15).

Statistics per touchpoint, from the 2x2 table (exposed/not x outcome/not):

* odds ratio with a Woolf (log) 95% interval, adding 0.5 to every cell when one is zero
  (Haldane-Anscombe);
* lift (risk ratio) with the Katz log interval;
* a two-sided p-value of the log odds ratio (normal approximation);
* ``impact``: outcomes gained (+) or lost (-) by the exposed journeys against the comparison
  rate, ``n_exposed * (rate_exposed - rate_baseline)``.

A touchpoint with fewer than ``min_exposed`` comparison journeys in its stage and channel is
compared within its stage, then with all journeys (column ``baseline``); ``impact`` is left
empty when even that comparison group is too small.

**Navigation** events (page, screen and product views, e-mail opens and clicks: the
taxonomy's ``navigation_events``) are how people move, not experiences. Across channels their
association with conversion measures who uses which channel (e-mail readers buy less online
than store visitors), so they are compared only within their own stage and channel, are never
love points, and are pain points only when that comparison, with at least ``min_exposed``
journeys, has its interval below 1. Otherwise their ``kind`` is ``navigation``. Per session
(``unit="session"``) only touchpoints before the purchase are measured: a delivery does not
happen in the session of its order. A touchpoint found in at least ``step_coverage`` (90%) of the
converting journeys is a ``step`` of the process (a checkout page), not a candidate.
**Outbound** messages (e-mails, SMS, pushes sent or delivered: ``outbound_events``) went to the
people the firm chose, so their association with an outcome measures the targeting: their
``kind`` is ``outbound``, never a pain or love point (a holdout measures them).

A touchpoint is a **pain point** when its interval lies below 1 (it lowers the odds of the
outcome), a **love point** when above;
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
from idic.interact.journeys.taxonomy import Taxonomy, load_rules

OUTCOMES = ("conversion", "retention")
UNITS = ("journey", "session")
Z95 = float(norm.ppf(0.975))
STRATA = ("stage_channel", "stage", "none")
SEP = "\x1f"  # stage + SEP + channel: the key of a stage-and-channel stratum


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
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Four small frames: per event (units, converted), per stratum (stage, stage and
    channel, all), event profiles, and per event and stratum the exposed units in it."""
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
    reach_sc = touches.select("unit_id", "stage", "channel").distinct().join(j, "unit_id")
    by_sc = reach_sc.group_by(["stage", "channel"]).agg(n_stage=reach_sc.count(),
                                                       c_stage=reach_sc.converted.sum())
    total = j.aggregate(n_all=j.count(), c_all=j.converted.sum())
    ins = exp.select("unit_id", "event", "converted").join(
        reach_sc.select("unit_id", "stage", "channel"), "unit_id")
    in_sc = ins.group_by(["event", "stage", "channel"]).agg(n_in=ins.count(),
                                                            c_in=ins.converted.sum())
    ins_st = ins.select("unit_id", "event", "converted", "stage").distinct()
    in_st = ins_st.group_by(["event", "stage"]).agg(n_in=ins_st.count(),
                                                    c_in=ins_st.converted.sum())
    profile = touches.group_by(["event", "stage", "channel"]).agg(
        events=touches.count(), sentiment_score=touches.sentiment_score.cast("float64").mean(),
        negative=(touches.sentiment == "negative").cast("int64").sum(),
        positive=(touches.sentiment == "positive").cast("int64").sum())
    ev = by_event.execute()
    st = by_stage.execute()
    sc = by_sc.execute()
    tot = total.execute()
    prof = profile.execute()
    isc, ist = in_sc.execute(), in_st.execute()
    isc["stage"] = isc["stage"].astype(str) + SEP + isc["channel"].astype(str)
    inside = pd.concat([isc[["event", "stage", "n_in", "c_in"]],
                        ist[["event", "stage", "n_in", "c_in"]]], ignore_index=True)
    sc["stage"] = sc["stage"].astype(str) + SEP + sc["channel"].astype(str)
    st = pd.concat([st, sc[["stage", "n_stage", "c_stage"]],
                    pd.DataFrame({"stage": ["__all__"], "n_stage": tot["n_all"],
                                  "c_stage": tot["c_all"]})], ignore_index=True)
    return ev, st, prof, inside.rename(columns={"stage": "_key"})


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


def moments(tp: ir.Table, *, outcome: str = "conversion", stratify: str = "stage_channel",
            min_exposed: int = 30, top: int = 5, step_coverage: float = 0.9,
            unit: str = "journey", taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """One row per touchpoint with its effect on ``outcome`` (see the module docstring).

    ``tp`` is the touchpoints expression (:func:`idic.interact.journeys.sessions.touchpoints`)
    or the stored ``touchpoints`` table.
    """
    check_choice(outcome, OUTCOMES, "outcome")
    check_choice(stratify, STRATA, "stratify")
    tax = taxonomy or load_rules()
    check_choice(unit, UNITS, "unit")
    if unit == "session" and outcome == "retention":
        raise InputError("retention is measured per journey, not per session")
    ev, st, prof, inside = exposure_counts(tp, outcome, unit)
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
    df["_nav"] = [tax.is_navigation(e) and s != "negative"
                  for e, s in zip(df["event"], df["sentiment"], strict=True)]
    df["_key"] = _comparison_key(df, st, stratify, min_exposed, inside)
    df = df.merge(st, left_on="_key", right_on="stage", how="left", suffixes=("", "_s"))
    df = df.merge(inside, on=["event", "_key"], how="left")
    # the exposed units inside the stratum (all of them when compared with all journeys)
    whole = df["_key"] == "__all__"
    df["n_in"] = df["n_in"].where(~whole, df["n_exposed"]).fillna(0)
    df["c_in"] = df["c_in"].where(~whole, df["c_exposed"]).fillna(0)
    df = df[df["n_exposed"] >= min_exposed].copy()
    n1 = df["n_in"].astype(float)
    a = df["c_in"].astype(float)
    n0 = (df["n_stage"] - df["n_in"]).clip(lower=0).astype(float)
    c = (df["c_stage"] - df["c_in"]).clip(lower=0).astype(float)
    c = np.minimum(c, n0)
    keep = ((n0 > 0) | df["_nav"]) & (n1 > 0)
    df = df[keep].copy() if keep.any() else df.iloc[0:0].copy()
    if df.empty:
        return pd.DataFrame(columns=cols)
    n1, a = n1[df.index], a[df.index]
    n0, c = n0[df.index], c[df.index]
    stats = two_by_two(a.to_numpy(), (n1 - a).to_numpy(), c.to_numpy(), (n0 - c).to_numpy())
    for k, v in stats.items():
        df[k] = v
    df["n_baseline"] = n0
    df["rate_exposed"] = a / n1
    df["rate_baseline"] = (c / n0).where(n0 > 0)
    df["impact"] = (n1 * (df["rate_exposed"] - df["rate_baseline"])).where(n0 >= min_exposed)
    c_all = float(st.loc[st["stage"] == "__all__", "c_stage"].iloc[0] or 0)
    df["coverage"] = a / c_all if c_all else 0.0
    df["kind"] = np.where(df["coverage"] >= step_coverage, "step",
                          np.where(df["or_high"] < 1, "pain_point",
                                   np.where(df["or_low"] > 1, "love_point", "neutral")))
    # navigation is how people move, not an experience: never a love point, and a pain point
    # only when journeys of its own stage and channel say so (with enough of them)
    nav_pain = (df["kind"] == "pain_point") & (n0 >= min_exposed)
    df["kind"] = np.where(df["_nav"] & (df["kind"] != "step") & ~nav_pain, "navigation",
                          df["kind"])
    # a message the firm sent went to whom it chose: the association is the targeting
    out = np.array([tax.is_outbound(e) for e in df["event"]], dtype=bool)
    df["kind"] = np.where(out & (df["kind"] != "step"), "outbound", df["kind"])
    df["outcome"] = outcome
    df["unit"] = unit
    df["baseline"] = np.where(df["_key"] == "__all__", "all journeys",
                              np.where(df["_key"].str.contains(SEP), "same stage and channel",
                                       "same stage"))
    if unit == "session":  # a session converts before the purchase, not after it
        post = {k for k, v in tax.stage_phase.items() if v == "post-purchase"}
        df = df[~df["stage"].isin(post)]
        a, n1, c, n0 = a[df.index], n1[df.index], c[df.index], n0[df.index]
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


def _comparison_key(df: pd.DataFrame, st: pd.DataFrame, stratify: str,
                    min_exposed: int, inside: pd.DataFrame) -> pd.Series:
    """The stratum each touchpoint is compared within: its stage and channel (journeys that
    reached the same stage in the same channel without it), else its stage, else all journeys
    when the stratum has fewer than ``min_exposed`` journeys without it. Navigation events
    stay in their own stage and channel (across channels the comparison measures who uses
    which channel, not the event)."""
    sizes = st.set_index("stage")["n_stage"]
    n_in = inside.set_index(["event", "_key"])["n_in"]
    stage_key = df["stage"].astype(str)
    sc_key = stage_key + SEP + df["channel"].astype(str)
    all_key = pd.Series("__all__", index=df.index)

    def big(key: pd.Series) -> pd.Series:
        exposed = pd.Series([n_in.get((e, k), 0) for e, k in zip(df["event"], key, strict=True)],
                            index=df.index)
        return (key.map(sizes).fillna(0) - exposed) >= min_exposed

    if stratify == "none":
        return all_key
    if stratify == "stage":
        return stage_key.where(big(stage_key), all_key)
    fallback = stage_key.where(big(stage_key), all_key)
    return sc_key.where(big(sc_key) | df["_nav"], fallback)


def pain_points(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["kind"] == "pain_point"].sort_values("impact")


def love_points(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["kind"] == "love_point"].sort_values("impact", ascending=False)
