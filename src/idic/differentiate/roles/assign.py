"""Assign roles (table ``customer_roles``) and measure role migration between two dates."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from idic.differentiate.roles.rules import Role, evidence, holds

SCHEMA = pa.schema([("customer_id", pa.string()), ("role", pa.string()),
                    ("evidence", pa.string()), ("indicators", pa.string()),
                    ("primary_kpi", pa.string()), ("primary_value", pa.float64())])


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else round(f, 6)


def assign(features: pd.DataFrame, roles: list[Role]) -> pa.Table:
    """One row per (customer, role held) with the evidence and the role's own KPIs (JSON)."""
    rows: list[dict[str, Any]] = []
    for role in roles:
        hit = features[holds(role, features)]
        kpis = [k for k in role.kpis if k in features.columns]
        for _, row in hit.iterrows():
            ind = {k: _num(row[k]) for k in kpis}
            first = kpis[0] if kpis else None
            rows.append({"customer_id": row["customer_id"], "role": role.name,
                         "evidence": evidence(role, row),
                         "indicators": json.dumps(ind, sort_keys=True),
                         "primary_kpi": first,
                         "primary_value": ind.get(first) if first else None})
    rows.sort(key=lambda r: (r["customer_id"], r["role"]))
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def role_sets(features: pd.DataFrame, roles: list[Role]) -> dict[str, np.ndarray]:
    return {r.name: holds(r, features) for r in roles}


def migration(before: pd.DataFrame, after: pd.DataFrame, roles: list[Role]) -> pd.DataFrame:
    """Per role: held before, after, kept, gained, lost; and role-to-role moves (a person who
    gained ``to`` while holding ``from`` before and not after, e.g. fan -> basher: love
    becomes hate). ``before``/``after`` are the features as of two dates."""
    ids = after["customer_id"]
    b = before.set_index("customer_id").reindex(ids).reset_index()
    sb, sa = role_sets(b, roles), role_sets(after.reset_index(drop=True), roles)
    rows = []
    for r in roles:
        x, y = sb[r.name], sa[r.name]
        rows.append({"from_role": r.name, "to_role": r.name, "customers_before": int(x.sum()),
                     "customers_after": int(y.sum()), "kept": int((x & y).sum()),
                     "gained": int((~x & y).sum()), "lost": int((x & ~y).sum())})
    for r1 in roles:
        for r2 in roles:
            if r1.name == r2.name:
                continue
            moved = sb[r1.name] & ~sa[r1.name] & sa[r2.name] & ~sb[r2.name]
            if moved.any():
                rows.append({"from_role": r1.name, "to_role": r2.name,
                             "customers_before": int(sb[r1.name].sum()),
                             "customers_after": int(sa[r2.name].sum()), "kept": 0,
                             "gained": int(moved.sum()), "lost": 0})
    return pd.DataFrame(rows)
