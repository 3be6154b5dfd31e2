"""The report / dashboard section "Follow-up tasks": active tasks per owner, overdue ones,
and the measured response rate of each action worked by people with its Wilson interval
(Peppers & Rogers ch. 13: be proactive; follow up accurately and learn from the outcome)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pandas as pd

from idic.measure.sections import Number, Section, guarded

if TYPE_CHECKING:
    from idic.workspace import Workspace

KEY, TITLE = "tasks", "Follow-up tasks"


def per_owner(ws: Workspace, at: datetime | None = None) -> pd.DataFrame:
    """``owner, active, overdue, high_priority`` over open and assigned tasks."""
    from idic.customize.tasks.store import ACTIVE, TABLE

    t = ws.table(TABLE)
    t = t.filter(t.status.isin(ACTIVE))
    now = at or datetime.now(UTC)
    df = ws.engine.to_pandas(t.group_by("owner").aggregate(
        active=t.count(), overdue=(t.due_at < now).sum(),
        high_priority=(t.priority == "high").sum()).order_by("owner"))
    for c in ("active", "overdue", "high_priority"):
        df[c] = df[c].fillna(0).astype(int)
    return df


@guarded(KEY, TITLE)
def tasks_section(ws: Workspace) -> Section:
    from idic.charts.tasks import owners_figure, response_figure
    from idic.customize.tasks.outcomes import observed_response
    from idic.customize.tasks.store import TABLE

    s = Section(KEY, TITLE)
    if not ws.engine.has_table(TABLE):
        s.available, s.reason = False, "stage not run: tasks (idic run or idic tasks run)"
        return s
    s.intro = ("Next best actions that need a person (a call to a valuable customer at risk, "
               "service recovery, the B2B account owner) become tasks with an owner and a "
               "due date; the outcomes people record give each action a measured response "
               "rate (successes / closed tasks, 95% Wilson interval).")
    t = ws.table(TABLE)
    st = ws.engine.to_pandas(t.group_by("status").aggregate(n=t.count()))
    by = dict(zip(st["status"], st["n"].astype(int), strict=True))
    own = per_owner(ws)
    s.numbers.append(Number("Active tasks", f"{by.get('open', 0) + by.get('assigned', 0):,}",
                            note=f"{by.get('open', 0):,} in a team queue"))
    s.numbers.append(Number("Overdue", f"{int(own['overdue'].sum()):,}",
                            good=False if int(own["overdue"].sum()) else None))
    s.numbers.append(Number("Closed by people", f"{by.get('done', 0):,}",
                            note=f"{by.get('cancelled', 0):,} cancelled by the stage"))
    obs = observed_response(ws)
    if not own.empty:
        s.figures.append(owners_figure(own))
        s.tables.append(("Active tasks per owner", own))
    if obs:
        s.figures.append(response_figure(obs))
        s.tables.append(("Outcomes per action", pd.DataFrame([{
            "action": a, "closed": o["closed"], "success": o["success"],
            "response_rate": o["response_rate"],
            "interval": f"{o['ci'][0]:.1%} - {o['ci'][1]:.1%}",
            "reached": f"{o['reach_rate']:.1%} of closed tasks",
            "value_realised": o["value_realised"]}
            for a, o in obs.items()])))
    else:
        s.bullets.append("No task closed yet: close them with `idic tasks close TASK_ID "
                         "--outcome success|failure|no_answer|declined`.")
    return s
