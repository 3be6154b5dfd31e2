"""The reference loop (the stage before it was vectorised): one Python call of
:func:`idic.customize.nba.decide.choose` per customer. Kept only as a test oracle."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from idic.customize.nba.decide import choose
from idic.customize.nba.priors import measured
from idic.customize.nba.stage import allowed_sets, inputs


def decide_all(ws, *, at: datetime | None = None) -> list[dict[str, Any]]:
    from idic.measure.sections import currency_of

    df = inputs(ws)
    if df is None:
        return []
    priors = measured(ws)
    allowed, profiled = allowed_sets(ws, priors, at=at or datetime.now(UTC))
    cur = currency_of(ws)
    rows = []
    for rec in df.to_dict("records"):
        cid = str(rec["customer_id"])
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v)
               for k, v in rec.items()}
        d = choose(row, {a: cid in s for a, s in allowed.items()}, priors, cur,
                   blocked=cid not in profiled)
        rows.append({"customer_id": cid, "action": d.action,
                     "expected_value": round(float(d.expected_value), 2), "reason": d.reason,
                     "channel": d.channel, "purpose": d.purpose,
                     "alternatives": json.dumps(d.alternatives)})
    return rows
