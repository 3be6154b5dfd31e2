"""A checkout A/B test in the demo world, with a known lift in conversion.

Drawn from its own stream (``rng_for(seed, 15)``) after every other file, into one new file
(``checkout_test.csv``), so every other generated file stays byte-identical.

Who is in the test: the web-shop customers who reach the checkout during the last
``TEST_WEEKS`` weeks before the demo's as-of date (alive then; each reaches the checkout with
probability ``1 - exp(-REACH x lambda x TEST_WEEKS)``, ``lambda`` the person's weekly purchase
rate). The unit is the customer (every checkout session of a customer sees the same
checkout): the arm is the deterministic hash assignment shared with campaigns
(:func:`idic.customize.assign.arm_py`, salt ``SALT``, 50/50), so the split is a fair coin per
customer and free of sample-ratio mismatch by construction.

Planted effect (Peppers & Rogers ch. 12: one variable at a time, real randomness, a control):

    P(converted) = 0.05 + 0.75 x (1 - exp(-6 x lambda)) + LIFT x new_checkout

an **absolute lift of 4 points** in conversion and **no effect on order value**: a
converting unit's ``revenue`` is one order drawn from the person's Gamma-Gamma spend
(``Gamma(p, nu)``, :mod:`demo_people`) in both arms, so the revenue lift is only the
conversion lift times the average order value. ``pre_revenue`` is the same person's web
revenue in the ``PRE_WEEKS`` weeks before the test (fewer for a customer acquired
later) (same conversion and spend process,
without the new checkout): the pre-period covariate for CUPED (Deng et al. 2013). The
truth is in ``truth/params.json`` under ``checkout_test``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from idic.customize.assign import arm_py
from idic.datasets.demo_people import GAMMA_GAMMA
from idic.datasets.demo_util import AS_OF_S, WEEK_S

STREAM = 15
FILE = "checkout_test.csv"
SALT = "demo-checkout"
ARMS = ("control", "new_checkout")
WEIGHTS = (0.5, 0.5)
#: the planted absolute lift in conversion of the new checkout
LIFT = 0.04
#: the planted relative effect on order value (none)
ORDER_VALUE_EFFECT = 0.0
BASE, SPREAD, STEEP = 0.05, 0.75, 6.0
TEST_WEEKS, PRE_WEEKS = 8, 26
#: checkout sessions per expected purchase (a visitor reaches checkout more often than buying)
REACH = 3.0


def make_checkout(rng: np.random.Generator, web: np.ndarray, web_rid: pa.Array,
                  lam: np.ndarray, nu: np.ndarray, acquired_s: np.ndarray,
                  churn_s: np.ndarray) -> tuple[pa.Table, dict]:
    """The test's unit rows and its truth. ``web``: who has a web account; ``web_rid``: its
    record id per person; ``lam``, ``nu``: purchase rate (per week) and spend scale;
    ``acquired_s``, ``churn_s``: acquisition and dropout times (-1: alive)."""
    start = AS_OF_S - TEST_WEEKS * WEEK_S
    alive = (churn_s < 0) | (churn_s >= start)
    eligible = web & alive & (acquired_s < start)
    idx = np.flatnonzero(eligible)
    reach = rng.random(idx.size) < 1.0 - np.exp(-REACH * lam[idx] * TEST_WEEKS)
    idx = idx[reach]
    lam_u, nu_u = lam[idx], nu[idx]
    base = BASE + SPREAD * (1.0 - np.exp(-STEEP * lam_u))
    # pre-period: checkout sessions, conversions, revenue (Gamma-Gamma spend per order)
    pre_weeks = np.clip((start - acquired_s[idx]) / WEEK_S, 0.0, PRE_WEEKS)
    pre_sessions = rng.poisson(REACH * lam_u * pre_weeks)
    pre_orders = rng.binomial(pre_sessions, base)
    shape = GAMMA_GAMMA["p"]
    pre_revenue = np.where(pre_orders > 0,
                           rng.gamma(shape * np.maximum(pre_orders, 1), 1.0 / nu_u), 0.0)
    rids = web_rid.take(pa.array(idx, pa.int64())).to_pylist()
    arm = np.array([arm_py(r, SALT, ARMS, WEIGHTS) for r in rids], dtype=object)
    treated = arm == ARMS[1]
    p = base + LIFT * treated
    converted = rng.random(idx.size) < p
    order_value = rng.gamma(shape, 1.0 / nu_u) * (1.0 + ORDER_VALUE_EFFECT * treated)
    revenue = np.where(converted, order_value, 0.0)
    table = pa.table({
        "unit_id": [f"CO-{i + 1:06d}" for i in range(idx.size)],
        "customer": pa.array(rids, pa.string()),
        "variant": pa.array(arm.tolist(), pa.string()),
        "converted": pa.array(converted.astype(np.int64)),
        "revenue": pa.array(np.round(revenue, 2)),
        "pre_revenue": pa.array(np.round(pre_revenue, 2)),
    })
    aov = float((shape / nu_u).mean()) if idx.size else 0.0
    ctrl_rate = float(base.mean()) if idx.size else 0.0
    truth = {
        "stream": STREAM, "file": FILE, "units": int(idx.size), "salt": SALT,
        "arms": list(ARMS), "weights": list(WEIGHTS), "control": ARMS[0],
        "variant_col": "variant", "assignment": "idic.customize.assign.arm_py(customer, salt)",
        "test_weeks": TEST_WEEKS, "pre_weeks": PRE_WEEKS,
        "conversion_lift_absolute": LIFT,
        "conversion_rate_control_expected": round(ctrl_rate, 6),
        "conversion_lift_relative_expected": round(LIFT / ctrl_rate, 6) if ctrl_rate else None,
        "order_value_effect": ORDER_VALUE_EFFECT,
        "order_value_expected": round(aov, 6),
        "revenue_lift_absolute_expected": round(LIFT * aov, 6),
        "model": "P(converted) = 0.05 + 0.75 (1 - exp(-6 lambda)) + 0.04 new_checkout; "
                 "revenue = one Gamma-Gamma order when converted, same in both arms; "
                 "pre_revenue = the person's web revenue in the 26 weeks before the test",
    }
    return table, truth
