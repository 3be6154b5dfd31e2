"""Candidate actions for one customer, their expected value, and the choice (pure functions).

Each candidate's expected value is ``uplift x value at stake - cost`` (see
:mod:`idic.customize.nba.priors`); the chosen action is the allowed candidate with the
highest positive expected value, else ``dont_contact`` (Peppers & Rogers ch. 12-13; the
"don't contact" option is the seeds' answer to solicitation pressure, N'Goala et al. ch. 13).
What is *allowed* comes from outside (the consent gate, restriction/objection/erasure and the
contact caps of :mod:`idic.customize.gate` and :mod:`idic.customize.pressure`): this module
never turns a disallowed contact into a recommendation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from idic.customize.nba.priors import CONTACT_ACTIONS, WIN_BACK_ORDERS, Prior

#: P(alive) below which a customer counts as lapsed; below AT_RISK as at risk
LAPSED = 0.2
AT_RISK = 0.6


@dataclass(frozen=True)
class Candidate:
    action: str
    value_at_stake: float
    uplift: float
    cost: float
    channel: str | None
    purpose: str | None
    why: str  # the data behind the candidate, in words

    @property
    def expected_value(self) -> float:
        return self.uplift * self.value_at_stake - self.cost


@dataclass
class Decision:
    action: str
    expected_value: float
    reason: str
    channel: str | None = None
    purpose: str | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)


def _f(row: dict[str, Any], key: str) -> float:
    v = row.get(key)
    try:
        x = float(v) if v is not None else math.nan
    except (TypeError, ValueError):
        return math.nan
    return x if math.isfinite(x) else math.nan


def _n(x: float) -> float:
    return 0.0 if math.isnan(x) else x


def money(x: float, currency: str = "") -> str:
    return f"{x:,.0f}{' ' + currency if currency else ''}"


def candidates(row: dict[str, Any], priors: dict[str, Prior], currency: str = ""
               ) -> list[Candidate]:
    """Every action the customer's data makes relevant (before any gate)."""
    p_alive, clv = _f(row, "p_alive"), _f(row, "clv")
    orders, revenue = _n(_f(row, "orders")), _n(_f(row, "revenue"))
    aov = revenue / orders if orders > 0 else 0.0
    complaints = int(_n(_f(row, "recent_complaints")) or _n(_f(row, "n_complaints")))
    silent = bool(row.get("silent_dissatisfied"))
    dormant = bool(row.get("dormant"))
    lapsed = dormant or (not math.isnan(p_alive) and p_alive < LAPSED)
    falling = bool(row.get("falling_frequency")) or bool(row.get("nps_drop"))
    alive = "" if math.isnan(p_alive) else f"P(alive) {p_alive:.2f}"
    out: list[Candidate] = []

    def add(action: str, stake: float, why: str) -> None:
        p = priors[action]
        if stake > 0:
            out.append(Candidate(action, stake, p.uplift, p.cost, p.channel, p.purpose, why))

    if not lapsed and _n(clv) > 0 and ((not math.isnan(p_alive) and p_alive < AT_RISK)
                                        or falling):
        bits = ["" if math.isnan(p_alive) else (f"P(alive) fell to {p_alive:.2f}"
                                                 if p_alive < AT_RISK else alive),
                f"CLV {money(clv, currency)} at stake",
                "falling purchase frequency" if row.get("falling_frequency") else "",
                "NPS dropped" if row.get("nps_drop") else ""]
        add("retain", clv, ", ".join(b for b in bits if b))
    if lapsed and orders > 0:
        stake = WIN_BACK_ORDERS * aov
        why = (f"lapsed ({alive or 'dormant'}), {int(orders)} past orders of "
               f"{money(aov, currency)} on average")
        add("win_back", stake, why)
    score = _n(_f(row, "rec_score"))
    if not lapsed and row.get("rec_item") and aov > 0:
        add("cross_sell", aov * (1.0 + score),
            f"recommended {row['rec_item']} (score {score:.2f}), average order "
            f"{money(aov, currency)}")
    unreal = _n(_f(row, "unrealised_potential"))
    if not lapsed and row.get("value_category") in ("MGC", "MVC") and unreal > 0:
        add("up_sell", unreal, f"{row['value_category']} with unrealised potential "
                               f"{money(unreal, currency)}")
    if complaints > 0 or silent:
        stake = _n(clv) if _n(clv) > 0 else aov
        bits = [f"{complaints} recent complaint{'s' if complaints != 1 else ''}"
                if complaints else "", "silent dissatisfied" if silent else "",
                f"CLV {money(clv, currency)}" if _n(clv) > 0 else ""]
        add("service_recovery", stake, ", ".join(b for b in bits if b))
    cts = _n(_f(row, "cost_to_serve"))
    cases = int(_n(_f(row, "n_cases")))
    if cts > 0 and (row.get("value_category") == "BZ" or cases >= 3):
        why = (f"value category {row.get('value_category') or '-'}, {cases} service cases, "
               f"cost to serve {money(cts, currency)}")
        add("reduce_cost_to_serve", cts, why)
    return out


def _prior_note(p: Prior) -> str:
    if p.measured_by:
        ci = f", CI [{p.ci[0]:.3f}, {p.ci[1]:.3f}]" if p.ci else ""
        return f"uplift {p.uplift:.3f} measured by experiment '{p.measured_by}'{ci}"
    return f"uplift {p.uplift:.3f} is a prior (no experiment yet)"


def choose(row: dict[str, Any], allowed: dict[str, bool], priors: dict[str, Prior],
           currency: str = "", *, blocked: bool = False) -> Decision:
    """The chosen action: the allowed candidate with the highest positive expected value.

    ``allowed[action]`` says whether the gates let the action through for this customer
    (a missing action counts as not allowed); ``blocked`` (restriction, objection, erasure,
    no profiling consent) forces ``dont_contact``."""
    if blocked:
        return Decision("dont_contact", 0.0, "restricted, objected, erased or no profiling "
                        "consent: no action may be taken")
    cands = candidates(row, priors, currency)
    alts: list[dict[str, Any]] = []
    best: Candidate | None = None
    gated: list[str] = []
    for c in sorted(cands, key=lambda c: (-c.expected_value, c.action)):
        ok = bool(allowed.get(c.action, False))
        alts.append({"action": c.action, "expected_value": round(c.expected_value, 2),
                     "allowed": ok})
        if not ok:
            gated.append(c.action)
            continue
        if best is None and c.expected_value > 0:
            best = c
    if best is None:
        if gated:
            why = (f"{', '.join(gated)} not allowed (no consent for the purpose or contact "
                   "cap reached)")
        elif cands:
            why = "no action with a positive expected value"
        else:
            why = "no action relevant to this customer's data"
        return Decision("dont_contact", 0.0, why, alternatives=alts)
    ev = best.expected_value
    reason = (f"{best.action} because {best.why}; EV = {best.uplift:.3f} x "
              f"{money(best.value_at_stake, currency)} - {best.cost:g} = {ev:,.2f}"
              f" ({_prior_note(priors[best.action])})")
    if best.action in CONTACT_ACTIONS and best.channel is None:  # pragma: no cover
        raise AssertionError("a contact action needs a channel")
    return Decision(best.action, ev, reason, best.channel, best.purpose, alts)
