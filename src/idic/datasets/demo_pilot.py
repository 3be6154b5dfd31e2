"""A back-dated pilot in the demo world: the incremental orders it caused, with truth.

The pilot ``demo-loyalty-pilot`` starts ``START_WEEKS`` weeks before the demo's as-of date;
``idic demo`` plans it on the workspace (after identify, with the orders up to the start
only: :func:`idic.customize.experiments.pilots.plan.make_plan`, customers, 20% in wave 1,
3 waves, stratified by pre-period value tier and country). Its planted effect: while
alive, every **test** customer buys at ``1 + RATE_LIFT`` times their BG/NBD purchase rate
from the start on. Poisson processes superpose, so the extra orders are drawn on their own,
from their own stream (``rng_for(seed, 17)``), as a Poisson(``RATE_LIFT`` x lambda x alive
weeks after the start) count per test customer, uniform times, Gamma-Gamma spend
(:mod:`demo_people`) and a margin of ``MARGIN_RATE`` of the amount, into one new file
(``pilot_orders.csv``, loaded as orders): every generated file stays byte-identical. The
truth (``truth/pilot.json``) is what the pilot added: its orders, revenue and cash flow, and
the incremental cash flow per test customer that the evaluation's difference-in-differences
should recover. A test customer is the resolved customer of the plan; its latent traits are
those of the true person most of its source records belong to.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from idic.datasets.demo_people import CATEGORIES, GAMMA_GAMMA
from idic.datasets.demo_util import AS_OF_S, DAY_S, WEEK_S

STREAM = 17
FILE = "pilot_orders.csv"
TRUTH_FILE = "truth/pilot.json"
NAME = "demo-loyalty-pilot"
START_WEEKS = 13
SHARE, WAVES = 0.2, 3
STRATIFY = ("value_tier", "country")
#: the planted effect: the test customers' purchase rate rises by half while alive
RATE_LIFT = 0.5
#: margin of a pilot order (share of its amount; the demo's category margins run 12-52%)
MARGIN_RATE = 0.30


def start_s() -> int:
    """The pilot's start (epoch seconds, midnight UTC)."""
    day_after = (AS_OF_S // DAY_S + 1) * DAY_S
    return day_after - START_WEEKS * WEEK_S


def make_pilot_orders(rng: np.random.Generator, test_customers: list[str],
                      records: pd.DataFrame, persons: pd.DataFrame) -> tuple[pa.Table, dict]:
    """The pilot's incremental orders and its truth. ``records``: ``customer_id, source,
    source_record_id, person_id`` of every source record; ``persons``: the truth persons."""
    t0 = start_s()
    rec = records[records.customer_id.isin(set(test_customers))]
    votes = rec.groupby(["customer_id", "person_id"]).size().rename("n").reset_index()
    votes = votes.sort_values(["customer_id", "n", "person_id"], ascending=[True, False, True])
    person = votes.drop_duplicates("customer_id").set_index("customer_id").person_id
    p = persons.set_index("person_id")
    order_src = rec[rec.source.isin(["web", "store"])].sort_values("source_record_id")
    first_rec = order_src.groupby(["customer_id", "source"]).source_record_id.first()
    cats = [f"pref_{c}" for c in CATEGORIES]
    rows: list[dict[str, Any]] = []
    for cid in sorted(test_customers):
        if cid not in person.index:
            continue
        tr = p.loc[person[cid]]
        web_rec, store_rec = first_rec.get((cid, "web")), first_rec.get((cid, "store"))
        if web_rec is None and store_rec is None:
            continue  # no web account nor loyalty card: no channel to order through
        begin = max(t0, int(pd.Timestamp(tr.acquired_at).timestamp()))
        churn = tr.churned_at
        end = AS_OF_S if pd.isna(churn) else min(AS_OF_S, int(pd.Timestamp(churn).timestamp()))
        weeks = max(0.0, (end - begin) / WEEK_S)
        k = int(rng.poisson(RATE_LIFT * float(tr["lambda"]) * weeks))
        if k == 0:
            continue
        times = np.sort(begin + (rng.random(k) * (end - begin)).astype(np.int64))
        amounts = rng.gamma(GAMMA_GAMMA["p"], float(tr.mean_spend) / GAMMA_GAMMA["p"], k)
        web = rng.random(k) < float(tr.web_share)
        cat = CATEGORIES[int(np.argmax([float(tr[c]) for c in cats]))]
        for t, amt, w in zip(times.tolist(), amounts.tolist(), web.tolist(), strict=True):
            src = "web" if (w and web_rec is not None) or store_rec is None else "store"
            amount = round(max(amt, 0.01), 2)
            rows.append({
                "source": src, "source_customer_id": web_rec if src == "web" else store_rec,
                "ordered_at": pd.Timestamp(t, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                "amount": amount, "margin": round(amount * MARGIN_RATE, 2), "channel": src,
                "items": json.dumps([{"sku": f"{cat[:3].upper()}-0001", "category": cat,
                                      "qty": 1, "price": amount}], separators=(",", ":")),
                "customer_id": cid})
    df = pd.DataFrame(rows, columns=["source", "source_customer_id", "ordered_at", "amount",
                                     "margin", "channel", "items", "customer_id"])
    table = pa.table({
        "order_id": [f"PO-{i + 1:06d}" for i in range(len(df))],
        "source": pa.array(df.source.tolist(), pa.string()),
        "source_customer_id": pa.array(df.source_customer_id.tolist(), pa.string()),
        "ordered_at": pa.array(df.ordered_at.tolist(), pa.string()),
        "amount": pa.array([f"{a:.2f}" for a in df.amount], pa.string()),
        "currency": pa.array(["EUR"] * len(df), pa.string()),
        "channel": pa.array(df.channel.tolist(), pa.string()),
        "margin": pa.array([f"{m:.2f}" for m in df.margin], pa.string()),
        "items": pa.array(df["items"].tolist(), pa.string()),
    })
    n_test = len(test_customers)
    cash = float(df.margin.sum()) if len(df) else 0.0
    truth = {
        "name": NAME, "stream": STREAM, "file": FILE, "unit": "customer",
        "start": pd.Timestamp(t0, unit="s", tz="UTC").date().isoformat(),
        "share": SHARE, "waves": WAVES, "stratify": list(STRATIFY),
        "rate_lift": RATE_LIFT, "margin_rate": MARGIN_RATE,
        "effect": "test customers buy at (1 + rate_lift) x their BG/NBD rate while alive "
                  "after the start; the extra orders are in pilot_orders.csv",
        "test_customers": n_test, "customers_with_extra_orders": int(df.customer_id.nunique()),
        "incremental_orders": len(df), "incremental_revenue": round(float(df.amount.sum()), 2),
        "incremental_cash_flow": round(cash, 2),
        "cash_flow_per_test_unit": round(cash / n_test, 6) if n_test else 0.0,
    }
    return table, truth
