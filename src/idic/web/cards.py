"""The cards at the top of the customer 360 page (issue 18): what a manager reads at a glance,
built only from what :func:`idic.service.customers360.profile` returned (after masking, so an
analyst's card shows the same pseudonyms as the tables below it). No queries here.

* **Identity**: name, e-mail, phone, city / country and the sources with their record counts
  (``web 2 · store 1``).
* **Value**: RFM segment, ABC class, the value category with a plain-language line (Peppers
  & Rogers, *Managing Customer Experience and Relationships*, ch. 5: MVCs are protected,
  MGCs grown, LMCs served efficiently, BZs served at lower cost), CLV over 12 months in money,
  P(alive) (Fader, Hardie & Lee 2005, BG/NBD) as a percentage with a word, orders in all.
  The words: P(alive) >= 70% "likely active", >= 50% "at risk", below 50% "probably lapsed"
  (50% is the dormancy threshold of :mod:`idic.differentiate.value.dormancy`; 70% is a
  convention of this page, not a result of the model).
* **Needs**, **Roles**, **Voice** (when the stages ran) and **Consents** (purposes as chips).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from idic import format as F

#: value category -> (name, what to do); Peppers & Rogers' four customer value categories
CATEGORY_TEXT = {
    "MVC": ("most valuable customer", "protect"),
    "MGC": ("most growable customer", "grow"),
    "LMC": ("low-maintenance customer", "serve efficiently"),
    "BZ": ("below-zero customer", "serve at lower cost"),
}
ACTIVE_AT, RISK_AT = 0.7, 0.5


def alive_word(p: Any) -> str:
    """P(alive) in a word: likely active / at risk / probably lapsed ("" if unknown)."""
    if p is None or F._missing(p):
        return ""
    x = float(p)
    return "likely active" if x >= ACTIVE_AT else "at risk" if x >= RISK_AT else \
        "probably lapsed"


def category_line(cat: Any) -> str:
    """``MVC — most valuable customer: protect``."""
    if not cat:
        return ""
    name, todo = CATEGORY_TEXT.get(str(cat), ("", ""))
    return f"{cat} — {name}: {todo}" if name else str(cat)


def currency_of(profile: dict[str, Any], default: str = "") -> str:
    """The workspace currency if the page knows it, else the customer's usual order currency."""
    if default:
        return default
    got = Counter(str(o["currency"]) for o in profile.get("orders") or [] if o.get("currency"))
    return got.most_common(1)[0][0] if got else ""


def _first(profile: dict[str, Any], *keys: str) -> Any:
    """The first non-empty ``keys`` value in the value tables (rfm, abc, value, clv)."""
    for key in keys:
        for row in (profile.get("value") or {}).values():
            if row.get(key) not in (None, ""):
                return row[key]
    return None


def customer_cards(profile: dict[str, Any], currency: str = "") -> dict[str, Any]:
    """The cards' content as text, keyed by card (``identity``, ``value``, ``needs``,
    ``roles``, ``voice``, ``consents``); a card with nothing to say is absent."""
    cur = currency_of(profile, currency)
    g = profile.get("golden") or {}
    ids = profile.get("identities") or []
    by_src = Counter(str(i.get("source")) for i in ids if i.get("source"))
    name = " ".join(str(g[k]) for k in ("first_name", "last_name") if g.get(k))
    place = ", ".join(str(g[k]) for k in ("city", "country") if g.get(k))
    out: dict[str, Any] = {"identity": {
        "name": name, "email": g.get("email") or "", "phone": g.get("phone") or "",
        "place": place, "sources": " · ".join(f"{s} {n}" for s, n in sorted(by_src.items())),
        "records": sum(by_src.values())}}
    v = profile.get("value") or {}
    n_orders = profile.get("orders_total", len(profile.get("orders") or []))
    p_alive = _first(profile, "p_alive")
    if v or n_orders:
        rfm = v.get("rfm") or {}
        out["value"] = {
            "rfm_segment": rfm.get("segment") or "",
            "rfm_scores": " ".join(f"{k[0].upper()}{rfm[k]}" for k in ("r_score", "f_score",
                                                                       "m_score")
                                   if rfm.get(k) is not None),
            "abc_class": str(_first(profile, "abc_class") or ""),
            "value_category": str(_first(profile, "value_category") or ""),
            "category_line": category_line(_first(profile, "value_category")),
            "clv": F.money(_first(profile, "clv"), cur) if _first(profile, "clv") is not None
            else "",
            "p_alive": F.percent(p_alive, 0) if p_alive is not None else "",
            "alive_word": alive_word(p_alive),
            "orders": F.count(n_orders),
            "currency": cur}
    needs = profile.get("needs")
    if needs and needs.get("segment") is not None:
        out["needs"] = {
            "segment": str(needs.get("segment_name") or needs.get("segment")),
            "probability": F.percent(needs.get("probability"), 0)
            if needs.get("probability") is not None else "",
            "recommendations": [str(r["item"]) for r in needs.get("recommendations") or []][:3]}
    seg = profile.get("segments") or {}
    roles = [str(r["role"]) for r in seg.get("customer_roles") or [] if r.get("role")]
    if roles:
        out["roles"] = sorted(set(roles))
    cv = (seg.get("customer_voice") or [None])[0]
    if cv or profile.get("cases") or profile.get("mentions"):
        cv = cv or {}
        n_cases = cv.get("n_cases", profile.get("cases_total", len(profile.get("cases") or [])))
        neg = cv.get("negative_mentions", sum(1 for m in profile.get("mentions") or []
                                               if m.get("sentiment") == "negative"))
        out["voice"] = {"nps_group": str(cv.get("nps_group") or ""),
                        "last_nps": F.count(cv.get("last_nps")),
                        "cases": F.count(n_cases), "negative_mentions": F.count(neg),
                        "silent_dissatisfied": bool(cv.get("silent_dissatisfied"))}
    cons = (profile.get("consents") or {}).get("current") or []
    if cons:
        out["consents"] = [{"purpose": str(c.get("purpose")),
                            "granted": c.get("status") == "granted",
                            "status": str(c.get("status") or "")} for c in cons]
    return out


__all__ = ["CATEGORY_TEXT", "alive_word", "category_line", "currency_of", "customer_cards"]
