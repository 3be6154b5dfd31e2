"""Fairness report: who is selected (or excluded) by group, against the whole base.

For an audience, a campaign or a treatment, the selection rate of each group of an attribute
(age band, gender where present, country) divided by the selection rate of the whole base;
a ratio outside the band (default 0.8-1.25, the "four-fifths rule" of the US Uniform
Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D), 1978, and its reciprocal) is
flagged for a person to look at. The exclusion rate (matched the rule but held back by the
consent gate) is reported the same way. Selection by value is legitimate differentiation;
the report is there so that it does not become discrimination unseen (the "dark side" of
CRM: favouritism and discrimination, N'Goala et al., *Augmented Customer Strategy*, ch. 14).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from idic.customize.profile import profile

ATTRIBUTES = ("age_band", "gender", "country")
BAND = (0.8, 1.25)
MIN_GROUP = 20  # smaller groups are reported but not flagged (too noisy)


def fairness(ws, selected: ir.Table, *, excluded: ir.Table | None = None,
             band: tuple[float, float] = BAND, attributes: tuple[str, ...] = ATTRIBUTES,
             min_group: int = MIN_GROUP) -> dict[str, Any]:
    """Rates and ratios per group of each attribute present on the profile."""
    p = profile(ws)
    sel = selected.select("customer_id").distinct().mutate(_sel=ibis.literal(1))
    t = p.left_join(sel, "customer_id").drop("customer_id_right")
    cols = {"_s": t._sel.fill_null(0)}
    if excluded is not None:
        ex = excluded.select("customer_id").distinct().mutate(_exc=ibis.literal(1))
        t = t.left_join(ex, "customer_id").drop("customer_id_right")
        cols["_x"] = t._exc.fill_null(0)
    t = t.mutate(**cols)
    total = ws.engine.to_arrow(t.aggregate(n=t.count(), s=t._s.sum(),
                                           **({"x": t._x.sum()} if excluded is not None
                                              else {}))).to_pylist()[0]
    n, s = int(total["n"]), int(total["s"] or 0)
    base_rate = s / n if n else None
    x_rate = (int(total.get("x") or 0) / n) if excluded is not None and n else None
    out: dict[str, Any] = {"customers": n, "selected": s, "selection_rate": base_rate,
                           "exclusion_rate": x_rate, "band": list(band), "groups": []}
    for attr in attributes:
        if attr not in p.columns:
            continue
        g = t.group_by(grp=t[attr].cast("string").fill_null("(unknown)")).aggregate(
            n=t.count(), s=t._s.sum(), **({"x": t._x.sum()} if excluded is not None else {}))
        for r in ws.engine.to_arrow(g.order_by("grp")).to_pylist():
            gn, gs = int(r["n"]), int(r["s"] or 0)
            rate = gs / gn if gn else None
            ratio = rate / base_rate if rate is not None and base_rate else None
            row = {"attribute": attr, "group": r["grp"], "customers": gn, "selected": gs,
                   "selection_rate": rate, "ratio": ratio}
            if excluded is not None:
                xr = int(r["x"] or 0) / gn if gn else None
                row["exclusion_rate"] = xr
                row["exclusion_ratio"] = xr / x_rate if xr is not None and x_rate else None
            ratios = [v for v in (row["ratio"], row.get("exclusion_ratio")) if v is not None]
            row["flagged"] = bool(gn >= min_group and any(v < band[0] or v > band[1]
                                                         for v in ratios))
            out["groups"].append(row)
    out["flagged"] = [f"{r['attribute']}={r['group']}" for r in out["groups"] if r["flagged"]]
    return out


def audience_fairness(ws, name: str, **kw: Any) -> dict[str, Any]:
    from idic.customize import audiences as au

    aud = au.get(ws, name)
    matched = au.matches(ws, aud).select("customer_id")
    members = au.members_expr(ws, aud)
    res = fairness(ws, members, excluded=matched.anti_join(members, "customer_id"), **kw)
    return {"audience": name, **res}
