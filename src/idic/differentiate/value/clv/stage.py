"""The CLV workspace stage: summarise orders in the engine, fit, score, write table ``clv``.

One row per customer with at least one order on or before the calibration end:
``customer_id, model, frequency, recency, T, monetary_value, p_alive, expected_purchases,
spend_per_purchase, expected_spend, clv, lifetime_value`` — expected purchases / spend over
the horizon, CLV discounted and multiplied by the margin (semantics in
:mod:`idic.differentiate.value.clv.purchase` and docs/clv.md). ``lifetime_value`` is the same
discounted margin over ``lifetime_months`` (default 10 years): the customer's lifetime value
in the sense of Peppers & Rogers, which customer equity sums (the 12-month ``clv`` is the
usual horizon for targeting; a year of margin is not a lifetime).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from idic.differentiate.value.actual import margin_ratio
from idic.differentiate.value.clv.bgnbd import BetaGeoModel
from idic.differentiate.value.clv.gammagamma import GammaGammaModel
from idic.differentiate.value.clv.paretonbd import ParetoNBDModel
from idic.differentiate.value.clv.purchase import DAYS_PER_MONTH, PurchaseModel
from idic.differentiate.value.clv.summary import summarize, unit_days
from idic.errors import ConvergenceError, InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

PURCHASE_MODELS: dict[str, type[PurchaseModel]] = {"bgnbd": BetaGeoModel,
                                                     "paretonbd": ParetoNBDModel}

CLV_SCHEMA = pa.schema([
    ("customer_id", pa.string()), ("model", pa.string()), ("frequency", pa.int64()),
    ("recency", pa.float64()), ("T", pa.float64()), ("monetary_value", pa.float64()),
    ("p_alive", pa.float64()), ("expected_purchases", pa.float64()),
    ("spend_per_purchase", pa.float64()), ("expected_spend", pa.float64()),
    ("clv", pa.float64()), ("lifetime_value", pa.float64()),
])

#: default horizon of ``lifetime_value``, in months
LIFETIME_MONTHS = 120.0


def run(ws: Workspace, *, model: str = "bgnbd", horizon: float = 12.0,
        discount_rate: float = 0.01, time_unit: str = "W", margin: float | None = None,
        calibration_end: Any = None, table: str = "clv",
        lifetime_months: float = LIFETIME_MONTHS) -> dict[str, Any]:
    """Fit ``model`` on ``ws.customer_orders()`` and write the ``clv`` table; returns a summary.

    ``horizon`` and ``lifetime_months`` in months, ``discount_rate`` per month, ``margin`` the share of revenue kept
    (None: the orders' total margin / total amount where margins are known, else 1.0).
    """
    if model not in PURCHASE_MODELS:
        raise InputError(f"the clv stage fits bgnbd or paretonbd, not {model!r}",
                         hint="sbg needs subscription data: use ShiftedBetaGeoModel directly")
    unit_days(time_unit)
    orders = ws.customer_orders()
    summary = summarize(orders, customer_col="customer_id", time_col="ordered_at",
                        amount_col="amount", calibration_end=calibration_end,
                        time_unit=time_unit) if _has_rows(ws, orders) else None
    if summary is None:
        ws.engine.create_table(table, CLV_SCHEMA.empty_table())
        return {"model": model, "params": {}, "log_likelihood": None, "n_customers": 0,
                "total_clv": 0.0, "table": table}
    df = ws.engine.to_arrow(summary).to_pandas().sort_values("customer_id", kind="stable")
    x = df["frequency"].to_numpy(float)
    t_x = df["recency"].to_numpy(float)
    T = df["T"].to_numpy(float)
    m = df["monetary_value"].to_numpy(float)
    pm = PURCHASE_MODELS[model]().fit(x, t_x, T)
    spend_model, spend_info = _fit_spend(x, m)
    if margin is None:
        margin = margin_ratio(ws.customer_orders())
    spend = (spend_model.expected_spend(x, m) if spend_model is not None
             else _fallback_spend(x, m))
    units = horizon * DAYS_PER_MONTH / unit_days(time_unit)
    p_alive = pm.probability_alive(x, t_x, T)
    exp_n = pm.expected_purchases(units, x, t_x, T)
    value = float(margin) * spend * pm.discounted_purchases(
        x, t_x, T, horizon=horizon, discount_rate=discount_rate, time_unit=time_unit)
    lifetime = float(margin) * spend * pm.discounted_purchases(
        x, t_x, T, horizon=lifetime_months, discount_rate=discount_rate, time_unit=time_unit)
    out = pa.table({
        "customer_id": pa.array(df["customer_id"].astype(str).to_numpy()),
        "model": pa.array([model] * len(df)),
        "frequency": pa.array(x.astype(np.int64)),
        "recency": t_x, "T": T, "monetary_value": m, "p_alive": p_alive,
        "expected_purchases": exp_n, "spend_per_purchase": spend,
        "expected_spend": exp_n * spend, "clv": value, "lifetime_value": lifetime,
    }, schema=CLV_SCHEMA)
    ws.engine.create_table(table, out)
    result = {
        "model": model,
        "params": pm.params_,
        "standard_errors": pm.standard_errors_,
        "log_likelihood": pm.log_likelihood_,
        "n_customers": len(df),
        "spend_model": spend_info,
        "time_unit": time_unit.upper(),
        "horizon_months": float(horizon),
        "discount_rate_monthly": float(discount_rate),
        "margin": float(margin),
        "total_clv": float(value.sum()),
        "lifetime_months": float(lifetime_months),
        "total_lifetime_value": float(lifetime.sum()),
        "total_expected_purchases": float(exp_n.sum()),
        "table": table,
    }
    truth = _demo_truth(ws)
    if truth:
        if model in truth:
            result["truth_comparison"] = param_recovery(pm.params_, truth[model])
        if spend_model is not None and "gammagamma" in truth:
            result["spend_model"]["truth_comparison"] = param_recovery(
                spend_model.params_, truth["gammagamma"])
    return result


def _demo_truth(ws: Workspace) -> dict[str, dict[str, float]]:
    """True generator parameters of a demo workspace (``demo-data/truth/params.json``)."""
    import json

    path = getattr(ws, "path", None)
    if path is None or not ws.settings.get("demo"):
        return {}
    f = path / "demo-data" / "truth" / "params.json"
    try:
        params = json.loads(f.read_text())
    except (OSError, ValueError):
        return {}
    out: dict[str, dict[str, float]] = {}
    if isinstance(params.get("bgnbd"), dict):
        out["bgnbd"] = {k: float(v) for k, v in params["bgnbd"].items()
                        if k in ("r", "alpha", "a", "b")}
    gg = params.get("gamma_gamma") or params.get("gammagamma")
    if isinstance(gg, dict):
        out["gammagamma"] = {k: float(v) for k, v in gg.items() if k in ("p", "q", "v")}
    return out


def param_recovery(fitted: dict[str, float], truth: dict[str, float]) -> dict[str, dict]:
    """Fitted vs true parameters with relative errors (for demo data with known truth)."""
    return {k: {"true": float(truth[k]), "fitted": float(fitted[k]),
                "relative_error": float(fitted[k] / truth[k] - 1.0)}
            for k in truth if k in fitted}


def _has_rows(ws: Workspace, orders: Any) -> bool:
    return int(orders.count().execute()) > 0


def _fit_spend(x: np.ndarray, m: np.ndarray) -> tuple[GammaGammaModel | None, dict[str, Any]]:
    """Gamma-Gamma on the repeat buyers; ``None`` (observed means) when it cannot be used."""
    if int(((x > 0) & (m > 0)).sum()) < 10:
        return None, {"model": "observed mean", "reason": "fewer than 10 repeat buyers"}
    try:
        gg = GammaGammaModel().fit(x, m)
    except ConvergenceError as err:
        return None, {"model": "observed mean", "reason": str(err)}
    if gg.params_["q"] <= 1:
        return None, {"model": "observed mean", "reason": "Gamma-Gamma q <= 1 (no finite mean)"}
    return gg, {"model": "gammagamma", "params": gg.params_,
                "log_likelihood": gg.log_likelihood_, "n_customers": gg.n_customers_}


def _fallback_spend(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Observed mean repeat spend; the mean over repeat buyers for those without one."""
    pos = (x > 0) & (m > 0)
    pop = float(m[pos].mean()) if pos.any() else 0.0
    return np.where(pos, m, pop)


