"""The pilots in the report / dashboard section "Experiments": each saved pilot's plan
(units, waves, balance) and, once evaluated, its return-on-customer and equity-change
difference-in-differences with their intervals (Peppers & Rogers ch. 13: pilot, measure,
then widen the picket fence)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from idic.measure.sections import Number

if TYPE_CHECKING:
    from idic.measure.sections import Section
    from idic.workspace import Workspace


def _interval(e: dict[str, Any] | None, fmt: str) -> str:
    if not e or e.get("did") is None:
        return "-"
    lo, hi = e["ci"]
    if lo is None or hi is None:
        return format(e["did"], fmt)
    return f"{format(e['did'], fmt)} ({format(lo, fmt)} to {format(hi, fmt)})"


def _verdict(ev: dict[str, Any] | None) -> str:
    if ev is None:
        return "not evaluated yet: idic pilot evaluate --name NAME"
    lo, hi = ev["effects"]["value_created_per_unit"]["ci"]
    if lo is None or hi is None:
        return "no interval"
    if lo > 0:
        return "creates value: widen the roll-out"
    if hi < 0:
        return "destroys value: stop"
    return "no clear difference yet"


def add_pilots(ws: Workspace, s: Section) -> bool:
    """Add the saved pilots to ``s``; False when there is none."""
    from idic.customize.experiments.pilots.store import load_pilots

    pilots = load_pilots(ws)
    if not pilots:
        return False
    s.intro = (s.intro + " " if s.intro else "") + (
        "Pilots (picket fence): a treatment rolled out to a balanced, randomly chosen part of "
        "the customers or regions first; judged on return on customer and customer equity, "
        "test against control, as a difference-in-differences against the period before.")
    rows = []
    for p in pilots:
        plan, ev = p["plan"], p["evaluation"]
        eff = (ev or {}).get("effects", {})
        rows.append({
            "Pilot": p["name"], "Unit": plan["unit"], "Start": plan["start"],
            "Units (test vs control)": f"{plan['test_units']:,} vs {plan['control_units']:,}",
            "Waves": plan["waves"],
            "Balance (max |SMD|)": f"{plan['max_abs_smd']:.3f}"
                                   + ("" if plan["balanced"] else " (imbalanced)"),
            "ROC, DiD (interval)": _interval(eff.get("roc"), "+.2%"),
            "Equity change / unit, DiD": _interval(eff.get("equity_change_per_unit"), "+,.2f"),
            "Cash flow / unit, DiD": _interval(eff.get("cash_flow_per_unit"), "+,.2f"),
            "Verdict": _verdict(ev),
        })
    s.numbers.append(Number("Pilots", f"{len(pilots):,}"))
    s.tables.append(("Pilots (picket fence)", pd.DataFrame(rows)))
    newest = pilots[0]
    bal = [{"Covariate": r["covariate"] + (f" = {r['level']}" if r["level"] else ""),
            "Mean, test": _num(r["mean_test"]), "Mean, control": _num(r["mean_control"]),
            "SMD": "-" if r["smd"] is None else f"{r['smd']:+.3f}",
            "Balanced (|SMD| < 0.1)": "yes" if r["balanced"] else "NO"}
           for r in newest["plan"]["balance"]]
    s.tables.append((f"Balance of pilot {newest['name']!r} (standardised mean differences)",
                     pd.DataFrame(bal)))
    return True


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:,.3f}"
