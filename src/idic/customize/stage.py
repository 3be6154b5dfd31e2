"""The customize stage: the profile, then every saved audience refreshed behind the gate.

Runs after the value, needs, voice and network stages (it reads their tables when they
exist) and before measure. Idempotent: the profile is replaced; an audience whose members
did not change records no history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from idic.customize import audiences
from idic.customize.profile import PROFILE_TABLE, write_profile

if TYPE_CHECKING:
    from idic.workspace import Workspace


def run(ws: Workspace, **_opts: Any) -> dict[str, Any]:
    from idic.customize.retention import reapply

    fixed = reapply(ws)  # rectifications survive identify rebuilding ``customers``
    n = write_profile(ws)
    summary: dict[str, Any] = {"tables": [PROFILE_TABLE], "profile_rows": n,
                               "rectifications_applied": fixed}
    if audiences.all_audiences(ws):
        summary["audiences"] = audiences.refresh(ws)
        summary["tables"] += [audiences.MEMBERS, audiences.HISTORY]
    try:
        from idic.customize.treatments import write_treatments
    except ImportError:  # pragma: no cover
        return summary
    summary["treatments"] = write_treatments(ws)
    summary["tables"].append("treatments")
    return summary
