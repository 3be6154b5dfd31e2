"""A small synthetic shop with planted pain points and a moment of truth (for tests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from .helpers import T0, ev

PLANTED_PAIN_CONVERSION = "Checkout Error"
PLANTED_PAIN_RETENTION = "Delivery Delayed"
PLANTED_LOVE_RETENTION = "Live Chat Resolved"


def shop(n: int = 1500, seed: int = 7) -> list[dict[str, Any]]:
    """Persons browse (channel varies), check out (an error halves conversion), get their order
    delivered (a delay lowers the repurchase odds, a resolved chat raises them) and may buy
    again."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        user = f"u{i:05d}"
        t = T0 + timedelta(hours=float(rng.uniform(0, 24 * 30)))
        for journey in range(2):
            first = rng.choice(["Ad Clicked", "Email Opened", "Social Post Viewed"],
                               p=[0.4, 0.35, 0.25])
            ch = {"Ad Clicked": "web", "Email Opened": "email", "Social Post Viewed": "social"}
            rows.append(ev(user, str(first), t, channel=ch[str(first)]))
            t += timedelta(hours=float(rng.uniform(1, 48)))
            for _ in range(int(rng.integers(1, 4))):
                rows.append(ev(user, "Product Viewed", t, channel="web"))
                t += timedelta(minutes=float(rng.uniform(1, 10)))
            if rng.random() < 0.3:  # leaves at browsing
                break
            rows.append(ev(user, "Checkout Started", t, channel="web"))
            t += timedelta(minutes=2)
            p_buy = 0.8
            if rng.random() < 0.25:
                rows.append(ev(user, PLANTED_PAIN_CONVERSION, t, channel="web"))
                t += timedelta(minutes=1)
                p_buy = 0.4
            if rng.random() >= p_buy:
                break
            store = rng.random() < 0.2
            rows.append(ev(user, "Order Completed", t, channel="store" if store else "web",
                           properties={"revenue": round(float(rng.uniform(20, 120)), 2)}))
            t += timedelta(days=float(rng.uniform(1, 4)))
            p_again = 0.5
            if rng.random() < 0.3:
                rows.append(ev(user, PLANTED_PAIN_RETENTION, t, channel="email"))
                p_again -= 0.3
            else:
                rows.append(ev(user, "Order Delivered", t, channel="email"))
            t += timedelta(hours=5)
            if rng.random() < 0.3:
                rows.append(ev(user, PLANTED_LOVE_RETENTION, t, channel="web"))
                p_again += 0.35
            t += timedelta(days=float(rng.uniform(3, 20)))
            if journey == 1 or rng.random() >= p_again:
                # the customer comes back once more without buying, or not at all
                if rng.random() < 0.8:
                    rows.append(ev(user, "Product Viewed", t, channel="web"))
                break
    return rows
