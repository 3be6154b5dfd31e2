"""A small real workspace for the measure, report and dashboard tests.

Hand-built, deterministic data (no generator): 300 customers over two years with orders,
identities, consents, NPS answers and web/e-mail journeys (with a planted pain point,
"Checkout Error", that lowers conversion); then the stages that exist are run.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from idic.workspace import Workspace

START = datetime(2024, 7, 1, tzinfo=UTC)
DAYS = 730
FIRST_NAMES = ("Ann", "Bob", "Chloe", "Dev", "Eva", "Finn", "Gita", "Hugo", "Ines", "Jon")
LAST_NAMES = ("Lee", "Smith", "Garcia", "Okafor", "Novak", "Berg", "Rossi", "Khan")


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def make_files(out: Path, customers: int = 300, seed: int = 7) -> dict[str, Path]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    ids, orders, events, surveys, consents = [], [], [], [], []
    for i in range(customers):
        cid = f"W-{i:04d}"
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        ids.append({"source": "web", "source_record_id": cid,
                    "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                    "first_name": first, "last_name": last, "city": "Lyon", "country": "FR"})
        consents.append({"source": "web", "source_customer_id": cid,
                         "purpose": "email_marketing", "status": "granted",
                         "recorded_at": (START + timedelta(days=1)).isoformat()})
        # a BG/NBD process: Poisson purchases at a gamma rate, a beta dropout after each
        t = START + timedelta(days=float(rng.uniform(0, DAYS - 30)))
        end = START + timedelta(days=DAYS - 1)
        rate = float(rng.gamma(1.5, 1 / 60))  # purchases per day
        drop = float(rng.beta(2, 4))
        k = 0
        while t <= end and k < 25:
            amount = round(float(rng.gamma(4, 15)), 2)
            pain = rng.random() < 0.25
            j = f"{cid}-{k}"
            base = t - timedelta(hours=2)
            steps = [("Email Opened", "email", "awareness", "neutral"),
                     ("Product Viewed", "web", "consideration", "neutral")]
            if pain:
                steps.append(("Checkout Error", "web", "purchase", "negative"))
            for n, (ev, ch, stage, sent) in enumerate(steps):
                events.append({"message_id": f"m-{j}-{n}", "source": "web", "type": "track",
                               "timestamp": (base + timedelta(minutes=5 * n)).isoformat(),
                               "event": ev, "user_id": cid, "channel": ch, "stage": stage,
                               "sentiment": sent, "properties": "{}"})
            if pain and rng.random() < 0.7:  # the pain point loses the sale
                t += timedelta(days=float(rng.exponential(1 / rate)))
                k += 1
                continue
            events.append({"message_id": f"m-{j}-oc", "source": "web", "type": "track",
                           "timestamp": t.isoformat(), "event": "Order Completed",
                           "user_id": cid, "channel": "web", "stage": "purchase",
                           "sentiment": "positive",
                           "properties": json.dumps({"revenue": amount})})
            orders.append({"order_id": f"O-{j}", "source": "web", "source_customer_id": cid,
                           "ordered_at": t.isoformat(), "amount": f"{amount:.2f}",
                           "currency": "EUR", "channel": "web",
                           "margin": f"{amount * 0.3:.2f}"})
            if rng.random() < 0.3:
                surveys.append({"response_id": f"S-{j}", "source": "web",
                                "source_customer_id": cid,
                                "responded_at": (t + timedelta(days=3)).isoformat(),
                                "survey": "nps", "score": str(int(rng.integers(3, 11)))})
            if rng.random() < drop:
                break
            t += timedelta(days=float(rng.exponential(1 / rate)))
            k += 1
    return {"identities": _write(out / "identities.csv", ids),
            "orders": _write(out / "orders.csv", orders),
            "events": _write(out / "events.csv", events),
            "survey_responses": _write(out / "surveys.csv", surveys),
            "consents": _write(out / "consents.csv", consents)}


STAGE_MODULES = (("clv", "idic.differentiate.value.clv.stage"),
                 ("value", "idic.differentiate.value.stage"),
                 ("journeys", "idic.interact.journeys.stage"),
                 ("measure", "idic.measure.stage"))


def run_stages(ws: Workspace) -> dict[str, str]:
    """Run the stages that exist; a stage another team is still building may fail: the
    report and dashboard must then say "stage not run" rather than crash."""
    import importlib

    done = {}
    for name, module in STAGE_MODULES:
        try:
            importlib.import_module(module).run(ws)
            done[name] = "ok"
        except Exception as exc:
            done[name] = f"failed: {exc}"
    return done


def build_workspace(path: Path, customers: int = 300, seed: int = 7) -> Path:
    files = make_files(path.parent / (path.name + "-data"), customers, seed)
    with Workspace.init(path) as ws:
        for kind, f in files.items():
            ws.ingest(kind, f)
        run_stages(ws)
    return path
