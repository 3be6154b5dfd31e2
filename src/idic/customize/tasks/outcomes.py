"""Outcomes fed back: the measured response rate of each action worked by people.

Over the ``done`` tasks of an action (cancelled tasks were never worked and do not count):

* ``response_rate`` = tasks closed ``success`` / tasks closed, with the Wilson score 95%
  interval (Wilson 1927; :func:`idic.interact.voice.service.wilson`), which keeps its
  coverage near 95% for small counts and rates near 0 or 1 where the normal (Wald) interval
  does not (Brown, Cai & DasGupta 2001, *Interval Estimation for a Binomial Proportion*);
* ``reach_rate`` = tasks where the customer was reached (every outcome but ``no_answer``) /
  tasks closed, with its Wilson interval; ``response_rate_reached`` = successes / reached;
* ``value_realised``: the sum and the mean per closed task of the value people recorded.

This is the response rate *of the treated*: it includes customers who would have responded
without the call. It bounds next best action's uplift from above (uplift = response of the
treated - response of comparable untreated customers), it is not the uplift; see
docs/tasks.md for how next best action can use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from idic.customize.tasks import store
from idic.customize.tasks.validate import OUTCOMES, REACHED
from idic.interact.voice.service import wilson

if TYPE_CHECKING:
    from idic.workspace import Workspace

METHOD = "Wilson score interval, 95%"


def _ci(k: int, n: int) -> list[float]:
    return [round(x, 6) for x in wilson(k, n)]


def summarise(counts: dict[str, dict[str, int]], values: dict[str, float] | None = None
              ) -> dict[str, dict[str, Any]]:
    """Rates and intervals from ``{action: {outcome: count}}`` (pure)."""
    out: dict[str, dict[str, Any]] = {}
    for action in sorted(counts):
        c = {o: int(counts[action].get(o, 0)) for o in OUTCOMES}
        n = sum(c.values())
        if n == 0:
            continue
        k = c["success"]
        reached = sum(c[o] for o in REACHED)
        total = float((values or {}).get(action, 0.0))
        out[action] = {
            "closed": n, "success": k, "reached": reached, "outcomes": c,
            "response_rate": k / n, "ci": _ci(k, n),
            "reach_rate": reached / n, "reach_ci": _ci(reached, n),
            "response_rate_reached": k / reached if reached else None,
            "value_realised": round(total, 2), "value_per_task": round(total / n, 2),
            "method": METHOD}
    return out


def observed_response(ws: Workspace) -> dict[str, dict[str, Any]]:
    """``{action: {"closed", "success", "response_rate", "ci": [lo, hi], "reached",
    "reach_rate", "reach_ci", "response_rate_reached", "outcomes", "value_realised",
    "value_per_task", "method"}}`` over the closed (``done``) tasks; an action nobody closed
    a task of is absent."""
    eng = ws.engine
    if not eng.has_table(store.TABLE):
        return {}
    t = ws.table(store.TABLE)
    t = t.filter(t.status == "done")
    g = eng.to_pandas(t.group_by("action", "outcome").aggregate(
        n=t.count(), value=t.value_realised.sum()))
    counts: dict[str, dict[str, int]] = {}
    values: dict[str, float] = {}
    for r in g.itertuples(index=False):
        counts.setdefault(r.action, {})[r.outcome] = int(r.n)
        v = r.value
        values[r.action] = values.get(r.action, 0.0) + (0.0 if v is None or v != v
                                                        else float(v))
    return summarise(counts, values)
