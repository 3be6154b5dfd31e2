"""How well the moments analysis finds effects planted in data with ground truth.

The demo generator plants pain points and moments of truth (``truth/params.json``:
``pain_points`` and ``moments_of_truth``, each with the ``effect`` it has: on conversion or
on retention). :func:`planted_effects` looks each one up in the ``moments`` table and reports
the strongest evidence found for it (smallest p-value on that outcome, over journeys and
sessions): a planted pain point is found when the upper end of the odds ratio's 95%
confidence interval is below 1, a moment of truth when the lower end is above 1.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def _outcome(effect: str) -> str:
    return "retention" if "retention" in effect else "conversion"


def planted_effects(moments: pd.DataFrame, truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{touchpoint: {planted, outcome, found, odds_ratio, or_low, or_high, unit, p_value}}``
    for every planted pain point and moment of truth of ``truth`` (the demo's params)."""
    out: dict[str, dict[str, Any]] = {}
    planted = [("pain point", k, v) for k, v in truth.get("pain_points", {}).items()]
    planted += [("moment of truth", k, v) for k, v in truth.get("moments_of_truth", {}).items()]
    for kind, name, spec in planted:
        outcome = _outcome(str(spec.get("effect", "")))
        rows = moments[(moments.touchpoint == name) & (moments.outcome == outcome)]
        if rows.empty:
            out[name] = {"planted": kind, "outcome": outcome, "found": False}
            continue
        best = rows.sort_values(["p_value", "n_exposed"], ascending=[True, False]).iloc[0]
        found = (best.or_high < 1.0) if kind == "pain point" else (best.or_low > 1.0)
        out[name] = {"planted": kind, "outcome": outcome, "found": bool(found),
                     "odds_ratio": float(best.odds_ratio), "or_low": float(best.or_low),
                     "or_high": float(best.or_high), "unit": str(best.unit),
                     "p_value": float(best.p_value)}
    return out
