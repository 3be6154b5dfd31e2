"""The voice part of the customer 360 (:mod:`idic.service.customers360`): the person's case
rows get their sentiment, text topic and handling; survey answers get the sentiment of their
comment; and ``mentions`` lists their public mentions (through the social handles of their
identities) with sentiment. The per-customer summary is the ``customer_voice`` row, which the
360 already shows with the other derived tables."""

from __future__ import annotations

from typing import Any

from idic.interact.voice.sentiment import score_texts

_CASE_COLS = ("sentiment", "sentiment_score", "text_topic", "handled",
              "first_response_hours", "resolution_hours")


def add_voice(ws: Any, out: dict[str, Any], have: set[str], *, recent: int = 20) -> None:
    """Add the voice columns and ``mentions`` to the profile ``out`` in place."""
    from idic.service.customers360 import _rows

    cases = out.get("cases") or []
    if cases and "cases_enriched" in have:
        ce = ws.table("cases_enriched")
        ids = [c["case_id"] for c in cases if c.get("case_id")]
        got = {r["case_id"]: r for r in _rows(ws, ce.filter(ce.case_id.isin(ids))
                                              .select("case_id", *_CASE_COLS))}
        for c in cases:
            extra = got.get(c.get("case_id"), {})
            c.update({k: extra.get(k) for k in _CASE_COLS})
    answers = out.get("survey_responses") or []
    with_text = [a for a in answers if a.get("comment")]
    for a, s in zip(with_text, score_texts([a["comment"] for a in with_text]), strict=True):
        a["sentiment"], a["sentiment_score"] = s.label, round(s.score, 4)
    handles = sorted({str(i["social_handle"]) for i in out.get("identities") or []
                      if i.get("social_handle")})
    if handles and "mentions_scored" in have:
        m = ws.table("mentions_scored")
        out["mentions"] = _rows(ws, m.filter(m.social_handle.isin(handles))
                                .order_by(m.posted_at.desc())
                                .select("mention_id", "posted_at", "social_handle", "text",
                                        "sentiment", "sentiment_score", "engagement"), recent)


__all__ = ["add_voice"]
