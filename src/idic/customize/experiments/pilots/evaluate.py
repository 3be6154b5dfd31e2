"""A pilot's evaluation: return on customer and customer-equity change of the test units
against the control units, as a difference-in-differences against the pre-period.

Peppers & Rogers (*Return on Customer*, 2005; *Managing Customer Experience and
Relationships*, ch. 11 and 13) judge a treatment by the value it creates: cash flow in the
period plus the change in customer equity. For each arm (wave 1 = test, the later waves =
control, not treated yet) and each period, with the repo's definitions
(:mod:`idic.measure.roc`, :mod:`idic.measure.equity`):

    ROC = (cash flow + equity at the end - equity at the start) / equity at the start

where equity is the sum of the units' customers' discounted lifetime values, the CLV models
refitted on the orders up to each date (as the measure stage does), and cash flow the
contribution margin of their orders (the order margin, else amount x the observed margin
ratio). The post-period runs from the pilot's start to the latest order; the pre-period is
as long and ends the day before the start. The effect is

    DiD = (post_test - post_control) - (pre_test - pre_control)

for ROC and, per unit, for the equity change, the cash flow and the value created (cash flow
+ equity change). Randomisation makes the pre-period difference zero in expectation; the
difference-in-differences removes what of it chance left (Angrist & Pischke 2009, *Mostly
Harmless Econometrics*, ch. 5). Interval: percentile bootstrap over units, resampled within
each arm (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 13), ``B``
replicates; the p-value is twice the smaller share of replicates on either side of 0.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from idic.customize.experiments.pilots.store import load_plan
from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

#: columns of the per-unit matrix, in order
COLS = ("cf_pre", "cf_post", "eq0", "eq1", "eq2")
EFFECTS = ("roc", "equity_change_per_unit", "cash_flow_per_unit", "value_created_per_unit")
BOOTSTRAP = 2000


def _cash_flow(ws: Workspace, lo: date, hi: date) -> pd.DataFrame:
    """Contribution margin per customer of the orders dated ``lo`` .. ``hi`` (inclusive)."""
    from idic.differentiate.value.actual import margin_ratio

    o = ws.customer_orders()
    ratio = margin_ratio(o)
    d = o.ordered_at.date()
    p = o.filter((d >= ibis.date(lo.isoformat())) & (d <= ibis.date(hi.isoformat())))
    cf = ibis.coalesce(p.margin.cast("float64"), p.amount.cast("float64") * ratio)
    return ws.engine.to_pandas(p.group_by("customer_id").agg(cf=cf.sum()))


def _equity(ws: Workspace, at: date, latest: date) -> pd.DataFrame:
    """Lifetime value per customer fitted on the orders up to ``at`` (the ``clv`` table
    itself when it was fitted up to ``at``)."""
    from idic.measure.equity import equity_column
    from idic.measure.stage import _clv_snapshot

    if at >= latest and ws.engine.has_table("clv"):
        t = ws.table("clv")
        if equity_column(t) != "clv" and int(t.count().execute()):
            return ws.engine.to_pandas(t.select("customer_id", clv=t[equity_column(t)]))
    df = _clv_snapshot(ws, at, "_pilot_clv", keep=False)
    if df is None:
        raise InputError("cannot fit the CLV models for the equity of the pilot's units",
                         hint="the pilot is judged on customer equity: run `idic run` first")
    return df


def unit_matrix(ws: Workspace, plan: dict[str, Any], units: pd.DataFrame, *,
                pre: tuple[date, date], post: tuple[date, date]) -> pd.DataFrame:
    """Per unit: cash flow pre/post and equity at the pre-period's start, at the pilot's
    start and at the end (``COLS``), with its ``arm``."""
    latest = post[1]
    parts = {"cf_pre": _cash_flow(ws, *pre), "cf_post": _cash_flow(ws, *post),
             "eq0": _equity(ws, pre[0] - timedelta(days=1), latest),
             "eq1": _equity(ws, post[0] - timedelta(days=1), latest),
             "eq2": _equity(ws, latest, latest)}
    if plan["unit"] == "customer":
        base = units[["unit_id", "arm"]].rename(columns={"unit_id": "customer_id"})
        base["unit_id"] = base.customer_id
    else:
        cust = ws.table("customers")
        col = plan.get("region_col") or "city"
        c = ws.engine.to_pandas(cust.select("customer_id", region=cust[col].cast("string")))
        c["unit_id"] = c.region.fillna("").str.strip().replace("", "(unknown)")
        base = c.merge(units[["unit_id", "arm"]], on="unit_id", how="inner")
    for key, df in parts.items():
        val = "cf" if key.startswith("cf") else "clv"
        base = base.merge(df[["customer_id", val]].rename(columns={val: key}),
                          on="customer_id", how="left")
    for key in COLS:
        base[key] = pd.to_numeric(base[key], errors="coerce").fillna(0.0).astype(float)
    out = base.groupby(["unit_id", "arm"], as_index=False)[list(COLS)].sum()
    return out.sort_values("unit_id").reset_index(drop=True)


def _metrics(s: np.ndarray, n: np.ndarray | float) -> dict[str, np.ndarray]:
    """Per-period metrics from column sums ``s`` (..., 5) of ``n`` units."""
    cf_pre, cf_post, eq0, eq1, eq2 = (s[..., i] for i in range(5))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "roc_pre": np.where(eq0 > 0, (cf_pre + eq1 - eq0) / eq0, np.nan),
            "roc_post": np.where(eq1 > 0, (cf_post + eq2 - eq1) / eq1, np.nan),
            "equity_change_per_unit_pre": (eq1 - eq0) / n,
            "equity_change_per_unit_post": (eq2 - eq1) / n,
            "cash_flow_per_unit_pre": cf_pre / n, "cash_flow_per_unit_post": cf_post / n,
            "value_created_per_unit_pre": (cf_pre + eq1 - eq0) / n,
            "value_created_per_unit_post": (cf_post + eq2 - eq1) / n,
        }


def _did(t: dict[str, np.ndarray], c: dict[str, np.ndarray], key: str) -> np.ndarray:
    return (t[f"{key}_post"] - c[f"{key}_post"]) - (t[f"{key}_pre"] - c[f"{key}_pre"])


def _boot_sums(x: np.ndarray, b: int, rng: np.random.Generator) -> np.ndarray:
    """``b`` bootstrap column sums of the rows of ``x`` (resampled with replacement)."""
    n = len(x)
    out = np.empty((b, x.shape[1]))
    step = max(1, 4_000_000 // max(n, 1))
    for lo in range(0, b, step):
        k = min(step, b - lo)
        w = rng.multinomial(n, np.full(n, 1.0 / n), size=k)
        out[lo:lo + k] = w @ x
    return out


def evaluate(ws: Workspace, name: str, *, boot: int = BOOTSTRAP, seed: int = 0,
             alpha: float = 0.05) -> dict[str, Any]:
    """Evaluate the saved pilot ``name`` on the workspace's orders (see the module doc)."""
    plan, units = load_plan(ws, name)
    from idic.customize.experiments.pilots.plan import latest_order_day

    start: date = plan["start"]
    end = latest_order_day(ws)
    if end is None or end < start:
        raise InputError(f"pilot {name!r} starts on {start.isoformat()} and no order is dated "
                         f"on or after it yet", hint="evaluate once orders after the start "
                         "are loaded")
    days = (end - start).days + 1
    pre = (start - timedelta(days=days), start - timedelta(days=1))
    post = (start, end)
    m = unit_matrix(ws, plan, units, pre=pre, post=post)
    arms = {a: m[m.arm == a][list(COLS)].to_numpy(float) for a in ("test", "control")}
    if any(len(x) == 0 for x in arms.values()):
        raise InputError(f"pilot {name!r}: an arm has no unit with customers")
    point = {a: _metrics(x.sum(axis=0), len(x)) for a, x in arms.items()}
    rng = np.random.default_rng(seed)
    bs = {a: _metrics(_boot_sums(x, boot, rng), len(x)) for a, x in arms.items()}
    effects: dict[str, Any] = {}
    for key in EFFECTS:
        pre_k, post_k = f"{key}_pre", f"{key}_post"
        d = float(_did(point["test"], point["control"], key))
        reps = _did(bs["test"], bs["control"], key)
        reps = reps[np.isfinite(reps)]
        lo, hi = (np.quantile(reps, [alpha / 2, 1 - alpha / 2]).tolist() if len(reps)
                  else [None, None])
        p = (min(1.0, 2 * min((reps <= 0).mean(), (reps >= 0).mean())) if len(reps)
             else None)
        effects[key] = {
            "did": _f(d), "ci": [_f(lo), _f(hi)], "p_value": _f(p),
            "post_difference": _f(point["test"][post_k] - point["control"][post_k]),
            "pre_difference": _f(point["test"][pre_k] - point["control"][pre_k]),
        }
    arms_out: dict[str, Any] = {}
    for a, x in arms.items():
        s = x.sum(axis=0)
        arms_out[a] = {"units": len(x), "cash_flow_pre": _f(s[0]),
                       "cash_flow_post": _f(s[1]), "equity_pre_start": _f(s[2]), "equity_start": _f(s[3]),
                       "equity_end": _f(s[4]), "roc_pre": _f(point[a]["roc_pre"]),
                       "roc_post": _f(point[a]["roc_post"])}
    return {
        "name": name, "unit": plan["unit"], "start": start.isoformat(), "end": end.isoformat(),
        "days": days, "pre_period": [pre[0].isoformat(), pre[1].isoformat()],
        "post_period": [post[0].isoformat(), post[1].isoformat()],
        "arms": arms_out, "effects": effects, "alpha": alpha,
        "bootstrap": {"replicates": boot, "seed": seed,
                      "method": "percentile; units resampled within each arm"},
    }


def _f(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None
