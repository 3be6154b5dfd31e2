"""The report / dashboard section "Experiments": the experiments saved in the workspace
(``idic experiment analyze FILE ... --workspace W --name N``), their effects with intervals,
sample-ratio and guardrail alarms. Peppers & Rogers ch. 12: learn what works, one variable
at a time, and judge it on customer value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from idic.measure.sections import Number, Section, guarded

if TYPE_CHECKING:
    from idic.workspace import Workspace

KEY, TITLE = "experiments", "Experiments"


def _verdict(res: dict[str, Any], v: dict[str, Any]) -> str:
    if res["srm"]["mismatch"]:
        return "split broken (SRM): do not trust"
    rel = v.get("relative") or {}
    lo, hi = (rel.get("ci") or [None, None])
    if lo is None or hi is None:
        return "no relative effect (control mean is 0)"
    if lo > 0:
        return "better than control"
    if hi < 0:
        return "worse than control"
    return "no clear difference"


@guarded(KEY, TITLE)
def experiments(ws: Workspace) -> Section:
    """The saved experiments, newest first."""
    from idic.charts.experiments import effects_figure
    from idic.customize.experiments.pilots.section import add_pilots
    from idic.customize.experiments.store import load_results

    s = Section(KEY, TITLE)
    saved = load_results(ws)
    if not saved:
        if add_pilots(ws, s):
            return s
        s.available = False
        s.reason = ("no experiment saved yet: run `idic experiment analyze FILE --variant-col V "
                    "--value-col Y --control NAME --workspace W --name EXPERIMENT`, or plan a "
                    "pilot with `idic pilot plan`")
        return s
    s.intro = ("A/B tests analysed in this workspace: each variant against its control, "
               "with the interval of the effect (Welch's t test; CUPED where a pre-period "
               "measure was given; Bayesian chance to beat control where asked). An interval "
               "that contains 0 is no evidence of a difference.")
    rows, wins, alarms = [], 0, 0
    results = {e["name"]: e["result"] for e in saved}
    for e in saved:
        res = e["result"]
        alarms += bool(res["srm"]["mismatch"])
        prop = res.get("metric_type") == "proportion"
        for variant, v in res["variants"].items():
            if v["is_control"]:
                continue
            a, r = v["absolute"], v["relative"]
            verdict = _verdict(res, v)
            wins += verdict == "better than control"
            eff = (lambda x: f"{x * 100:+.2f} pts") if prop else (lambda x: f"{x:+,.4g}")
            rows.append({
                "Experiment": e["name"], "Metric": res["metric"],
                "Variant": f"{variant} vs {res['control']}",
                "Units": f"{v['n']:,} vs {res['variants'][res['control']]['n']:,}",
                "Effect": eff(a["effect"]) if a["effect"] is not None else "-",
                "Relative (interval)": (f"{r['effect']:+.1%} ({r['ci'][0]:+.1%} to "
                                        f"{r['ci'][1]:+.1%})" if r["effect"] is not None
                                        else "-"),
                "p-value": "-" if a["p_value"] is None else f"{a['p_value']:.4f}",
                "Chance to beat control": ("" if v.get("chance_to_win") is None
                                           else f"{v['chance_to_win']:.1%}"),
                "SRM p": f"{res['srm']['p_value']:.4f}", "Verdict": verdict,
            })
        for col, g in (res.get("guardrails") or {}).items():
            for variant, gv in g["variants"].items():
                if gv["status"] == "harm":
                    s.bullets.append(f"{e['name']}: {variant} harms guardrail {col!r} "
                                     f"({g['direction']}).")
        if res["srm"]["mismatch"]:
            s.bullets.append(f"{e['name']}: sample-ratio mismatch (p = "
                             f"{res['srm']['p_value']:.2g}); the split is not the one planned "
                             "and its effects cannot be trusted.")
    s.numbers += [Number("Experiments", f"{len(saved):,}"),
                  Number("Variants better than control", f"{wins:,}",
                         good=True if wins else None),
                  Number("Sample-ratio alarms", f"{alarms:,}",
                         good=False if alarms else None)]
    s.figures.append(effects_figure(results))
    s.tables.append(("Effects against control", pd.DataFrame(rows)))
    add_pilots(ws, s)
    return s
