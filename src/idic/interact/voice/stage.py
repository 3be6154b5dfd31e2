"""The voice stage: NPS with intervals by group, and the sentiment of social mentions.

``run(ws)`` is idempotent (it replaces its tables):

* ``nps_summary``: one row per (``dimension``, ``value``) with ``nps``, ``se``, ``ci_low``,
  ``ci_high``, ``n``, ``promoters``, ``passives``, ``detractors``. Dimensions: ``all``,
  ``month`` (the trend), ``touchpoint``, ``channel`` and, once the identify and value stages
  have run, ``value_category`` (answers tied to customers through ``identity_map``).
* ``mentions_scored``: the ``social`` table's mentions with ``sentiment`` (the scorer's label),
  ``sentiment_score`` in [-1, 1] and ``sentiment_given`` (the source's label, often empty).

The counting runs on the engine (Ibis); the scorer runs in Python once per distinct text, so
the labels are the same on DuckDB and Spark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd
import pyarrow as pa

from idic.interact.voice import scores
from idic.interact.voice.sentiment import score_texts

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from idic.workspace import Workspace

TABLES = ("nps_summary", "mentions_scored", "cases_enriched", "service_times",
          "recovery_effect", "silent_dissatisfied", "avoidable_contacts", "voice_topics",
          "customer_voice", "voice_alerts", "suspicious_reviews")
#: number of topics fitted to complaint texts and to NPS comments
CASE_TOPICS = 8
COMMENT_TOPICS = 4
_NPS_COLS = ("nps", "se", "ci_low", "ci_high", "n", "promoters", "passives", "detractors")


def _has_rows(ws: Workspace, name: str) -> bool:
    return ws.engine.has_table(name) and ws.engine.count(name) > 0


def _nps_rows(t: ir.Table, dimension: str, col: str | None) -> list[dict[str, Any]]:
    res = scores.nps(t, "score", col)
    groups = res["groups"] if col is not None else {"all": res}
    return [{"dimension": dimension, "value": str(k), "nps": r["nps"], "se": r["se"],
             "ci_low": r["ci"][0], "ci_high": r["ci"][1], "n": r["n"],
             "promoters": r["promoters"], "passives": r["passives"],
             "detractors": r["detractors"]} for k, r in groups.items()]


def nps_summary(ws: Workspace) -> pa.Table:
    """The ``nps_summary`` rows of the workspace's NPS answers (empty without answers)."""
    s = ws.table("survey_responses")
    s = s.filter((s.survey == "nps") & s.score.notnull())
    s = s.mutate(month=scores.period_key(s.responded_at, "month"))
    rows: list[dict[str, Any]] = []
    if int(s.count().to_pyarrow().as_py()):
        rows += _nps_rows(s, "all", None)
        for dim in ("month", "touchpoint", "channel"):
            rows += _nps_rows(s, dim, dim)
        if _has_rows(ws, "identity_map") and _has_rows(ws, "value"):
            m, v = ws.table("identity_map"), ws.table("value")
            j = s.join(m, (s.source == m.source) & (s.source_customer_id == m.source_record_id))
            j = j.join(v.select("customer_id", "value_category"), "customer_id")
            rows += _nps_rows(j.select("score", "value_category"), "value_category",
                              "value_category")
    schema = pa.schema([("dimension", pa.string()), ("value", pa.string()),
                        *((c, pa.int64() if c in ("n", "promoters", "passives", "detractors")
                           else pa.float64()) for c in _NPS_COLS)])
    return pa.Table.from_pylist(rows, schema=schema)


def mentions_scored(ws: Workspace) -> ir.Table:
    """The social mentions with the scorer's sentiment (an Ibis expression on the engine)."""
    m = ws.table("social")
    texts = m.select("text").distinct().to_pyarrow().column("text").to_pylist()
    scored = score_texts(texts)
    lookup = pa.table({"_text": pa.array(texts, pa.string()),
                       "_label": pa.array([x.label for x in scored], pa.string()),
                       "_score": pa.array([x.score for x in scored], pa.float64())})
    lk = ws.engine.from_arrow(lookup, "voice_sentiment_lookup")
    j = m.left_join(lk, m.text == lk._text)
    blank = ibis.literal("neutral")
    return j.select("mention_id", "source", "social_handle", "posted_at", "text", "followers",
                    "engagement",
                    sentiment=j._label.fill_null(blank),
                    sentiment_score=j._score.fill_null(0.0),
                    sentiment_given=j.sentiment)


def run(ws: Workspace) -> dict[str, Any]:
    """Build ``nps_summary`` and ``mentions_scored``; return the overall scores and agreement."""
    eng = ws.engine
    summary: dict[str, Any] = {}
    if _has_rows(ws, "survey_responses"):
        ns = nps_summary(ws)
        eng.create_table("nps_summary", ns)
        overall = [r for r in ns.to_pylist() if r["dimension"] == "all"]
        summary["nps"] = overall[0] if overall else None
        s = ws.table("survey_responses")
        for kind in ("csat", "ces"):
            k = s.filter((s.survey == kind) & s.score.notnull())
            if int(k.count().to_pyarrow().as_py()):
                summary[kind] = getattr(scores, kind)(k, "score")
        summary["nps_summary"] = eng.count("nps_summary")
    if _has_rows(ws, "social"):
        eng.create_table("mentions_scored", mentions_scored(ws))
        ms = ws.table("mentions_scored")
        lab = ms.filter(ms.sentiment_given.notnull() & (ms.sentiment_given != ""))
        agg = lab.aggregate(n=lab.count(), hit=(lab.sentiment == lab.sentiment_given).sum(),
                            neg=(lab.sentiment_given == "negative").sum(),
                            neg_hit=((lab.sentiment_given == "negative")
                                     & (lab.sentiment == "negative")).sum()
                            ).to_pyarrow().to_pylist()[0]
        counts = ms.group_by("sentiment").aggregate(n=ms.count()).to_pyarrow().to_pylist()
        summary["mentions_scored"] = eng.count("mentions_scored")
        summary["sentiment"] = {r["sentiment"]: int(r["n"]) for r in counts}
        n, neg = int(agg["n"] or 0), int(agg["neg"] or 0)
        summary["labelled_mentions"] = n
        summary["accuracy_on_labelled"] = int(agg["hit"] or 0) / n if n else None
        summary["negative_recall_on_labelled"] = int(agg["neg_hit"] or 0) / neg if neg else None
    summary.update(_complaints(ws))
    from idic.interact.voice.reviews import suspicious_reviews

    if _has_rows(ws, "social") or _has_rows(ws, "events"):
        sr = suspicious_reviews(ws)
        _put(ws, "suspicious_reviews", sr.astype({"rating": "float64"}))
        summary["suspicious_reviews"] = len(sr)
    return summary


def _put(ws: Workspace, name: str, df: pd.DataFrame | pa.Table) -> None:
    t = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
    ws.engine.create_table(name, t)


def _complaints(ws: Workspace) -> dict[str, Any]:
    """Topics, cases_enriched, service times, recovery effect, silent dissatisfaction,
    avoidable contacts, customer_voice and the love-becomes-hate alerts."""
    from idic.interact.voice import customers, service, silent, topics

    res: dict[str, Any] = {}
    has_cases = _has_rows(ws, "cases")
    has_surveys = _has_rows(ws, "survey_responses")
    topic_rows: list[dict[str, Any]] = []
    case_topic: dict[str, str | None] = {}
    if has_cases:
        texts = ws.table("cases").select("text", "topic").to_pyarrow()
        tx = texts.column("text").to_pylist()
        fit = topics.fit_topics(tx, CASE_TOPICS)
        case_topic = {t: fit.label_of(t) for t in fit.assignment}
        topic_rows += [{"corpus": "cases", "topic": j, "label": lab, "size": n}
                       for j, (lab, n) in enumerate(zip(fit.labels, fit.sizes, strict=True))]
        given = texts.column("topic").to_pylist()
        pairs = [(fit.assignment.get(t or "", -1), g) for t, g in zip(tx, given, strict=True)
                 if g]
        if pairs:
            res["case_topic_agreement"] = topics.agreement([a for a, _ in pairs],
                                                           [g for _, g in pairs])
    if has_surveys:
        s = ws.table("survey_responses")
        com = s.filter(s.comment.notnull()).select("comment").to_pyarrow().column(0).to_pylist()
        if com:
            fit = topics.fit_topics(com, COMMENT_TOPICS)
            topic_rows += [{"corpus": "nps comments", "topic": j, "label": lab, "size": n}
                           for j, (lab, n) in enumerate(zip(fit.labels, fit.sizes,
                                                            strict=True))]
    if topic_rows:
        _put(ws, "voice_topics", pa.Table.from_pylist(topic_rows))
    if not has_cases:
        return res
    texts = sorted({t for t in ws.table("cases").select("text").to_pyarrow().column(0)
                    .to_pylist() if t})
    scored = {t: (x.label, x.score) for t, x in zip(texts, score_texts(texts), strict=True)}
    ce = service.cases_enriched(ws, case_topic, scored)
    _put(ws, "cases_enriched", ce)
    _put(ws, "service_times", service.service_times(ce))
    res["cases_enriched"] = len(ce)
    res["handled"] = {k: int(v) for k, v in ce["handled"].value_counts().items()}
    res["scores_by_outcome"] = service.scores_by_outcome(ce)
    if _has_rows(ws, "orders") and has_surveys:
        rec = service.recovery_effect(ws, ce)
        _put(ws, "recovery_effect", service.recovery_rows(rec))
        res["recovery_effect"] = rec
    sd = silent.silent_dissatisfied(ws, ce)
    _put(ws, "silent_dissatisfied", sd)
    av = silent.avoidable_contacts(ce)
    _put(ws, "avoidable_contacts", av)
    res.update(silent.summary(sd, av, ce))
    ms = (ws.table("mentions_scored").to_pandas() if _has_rows(ws, "mentions_scored")
          else pd.DataFrame(columns=["social_handle", "posted_at", "sentiment",
                                     "sentiment_score"]))
    if has_surveys:
        cv = customers.customer_voice(ws, ce, sd, ms)
        _put(ws, "customer_voice", cv)
        res["customer_voice"] = len(cv)
        al = customers.love_becomes_hate(ws, cv, ms)
        _put(ws, "voice_alerts", al)
        res["voice_alerts"] = len(al)
        res["value_at_stake"] = float(al["value_at_stake"].sum()) if len(al) else 0.0
    return res
