"""Planted effects looked up in a moments table (idic.interact.journeys.quality)."""

import pandas as pd

from idic.interact.journeys.quality import planted_effects

TRUTH = {
    "pain_points": {"Checkout Error": {"effect": "conversion of checkout sessions"},
                    "Delivery Delayed": {"effect": "retention after the order"}},
    "moments_of_truth": {"Live Chat Resolved": {"effect": "conversion of checkout sessions"},
                         "Gift Wrap": {"effect": "conversion"}},
}


def _row(tp, outcome, unit, or_, lo, hi, p, n=100):
    return {"touchpoint": tp, "outcome": outcome, "unit": unit, "odds_ratio": or_,
            "or_low": lo, "or_high": hi, "p_value": p, "n_exposed": n}


def test_strongest_evidence_on_the_planted_outcome_decides() -> None:
    m = pd.DataFrame([
        # weak journey-level evidence, strong session-level evidence: the session row wins
        _row("Checkout Error", "conversion", "journey", 0.9, 0.7, 1.1, 0.3),
        _row("Checkout Error", "conversion", "session", 0.1, 0.05, 0.2, 1e-20),
        # a retention effect is judged on retention rows only
        _row("Delivery Delayed", "conversion", "journey", 0.2, 0.1, 0.3, 1e-30),
        _row("Delivery Delayed", "retention", "journey", 0.8, 0.5, 1.3, 0.4),
        _row("Live Chat Resolved", "conversion", "journey", 12.0, 9.0, 16.0, 1e-40),
    ])
    got = planted_effects(m, TRUTH)
    assert got["Checkout Error"]["found"] and got["Checkout Error"]["unit"] == "session"
    assert got["Checkout Error"]["odds_ratio"] == 0.1
    assert got["Delivery Delayed"]["outcome"] == "retention"
    assert not got["Delivery Delayed"]["found"]          # CI [0.5, 1.3] includes 1
    assert got["Live Chat Resolved"]["found"]
    assert got["Gift Wrap"] == {"planted": "moment of truth", "outcome": "conversion",
                                "found": False}
