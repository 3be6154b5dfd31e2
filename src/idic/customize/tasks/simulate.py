"""The demo's reps at work: planted outcomes for the tasks the demo's next best actions made.

``idic demo`` runs every stage, then :func:`simulate_outcomes` plays the reps: from its own
random stream (``rng_for(seed, 16)``, so every generated file stays byte-identical) each
active task is worked with probability :data:`P_WORKED` (the rest stay open) and closed with
an outcome drawn from the planted probabilities of its action (:data:`RESPONSE`,
:data:`NO_ANSWER`, :data:`DECLINED`; failure is the rest) and, on success, a value realised
drawn from a Gamma distribution (shape 2) with the planted mean :data:`VALUE_MEAN`. The
truth goes to ``demo-data/truth/task_outcomes.json``: the measured response rates
(:func:`idic.customize.tasks.outcomes.observed_response`) are checked against it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from idic.customize.tasks import store

if TYPE_CHECKING:
    from idic.workspace import Workspace

STREAM = 16
P_WORKED = 0.8
#: planted P(success) of a worked task, per action
RESPONSE = {"service_recovery": 0.45, "retain": 0.30, "win_back": 0.15, "up_sell": 0.20,
            "cross_sell": 0.25, "reduce_cost_to_serve": 0.35}
NO_ANSWER = 0.25
DECLINED = 0.05
#: planted mean value realised on success (workspace currency)
VALUE_MEAN = {"service_recovery": 120.0, "retain": 150.0, "win_back": 60.0, "up_sell": 200.0,
              "cross_sell": 40.0, "reduce_cost_to_serve": 15.0}
TRUTH_FILE = "truth/task_outcomes.json"
#: the demo's teams (workspace.json ``tasks.members``); sales has nobody: its tasks queue
DEMO_MEMBERS = {"service": ["Ana Silva", "Ben Okoye"],
                "retention": ["Chen Wei", "Dana Müller", "Eli O'Brien"]}


def draw(rng: np.random.Generator, actions: list[str]) -> list[tuple[str | None, float | None]]:
    """For each action: (outcome, value realised), or (None, None) when left open (pure)."""
    out: list[tuple[str | None, float | None]] = []
    for a in actions:
        u_work, u_out, u_val = rng.random(), rng.random(), rng.gamma(2.0, VALUE_MEAN[a] / 2)
        if u_work >= P_WORKED:
            out.append((None, None))
            continue
        p = RESPONSE[a]
        if u_out < p:
            out.append(("success", round(float(u_val), 2)))
        elif u_out < p + NO_ANSWER:
            out.append(("no_answer", None))
        elif u_out < p + NO_ANSWER + DECLINED:
            out.append(("declined", None))
        else:
            out.append(("failure", None))
    return out


def truth() -> dict[str, Any]:
    return {"stream": STREAM, "p_worked": P_WORKED, "response_rate": RESPONSE,
            "no_answer": NO_ANSWER, "declined": DECLINED,
            "failure": {a: round(1 - p - NO_ANSWER - DECLINED, 6) for a, p in RESPONSE.items()},
            "value_mean_on_success": VALUE_MEAN, "value_distribution": "gamma(shape=2)"}


def simulate_outcomes(ws: Workspace, seed: int, data_dir: Path | None = None, *,
                      at: datetime | None = None) -> dict[str, Any]:
    """Close the demo's active tasks with planted outcomes; write the truth file."""
    from idic.datasets.demo_util import rng_for

    rows = store.read_all(ws)  # sorted by task id: the draw does not depend on table order
    act = [r for r in rows if r["status"] in store.ACTIVE]
    now = at or datetime.now(UTC)
    got = draw(rng_for(seed, STREAM), [r["action"] for r in act])
    closed: dict[str, str] = {}
    for r, (outcome, value) in zip(act, got, strict=True):
        if outcome is None:
            continue
        r.update(status="done", outcome=outcome, value_realised=value, closed_at=now,
                 updated_at=now, note="simulated by the demo")
        closed[r["task_id"]] = outcome
    store.write_all(ws, rows)
    t = {**truth(), "closed": closed}
    if data_dir is not None:
        p = Path(data_dir) / TRUTH_FILE
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(t, indent=2, sort_keys=True))
    return {"worked": len(closed), "left_open": len(act) - len(closed),
            "truth_file": TRUTH_FILE if data_dir is not None else None}
