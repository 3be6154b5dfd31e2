"""Assign roles (table ``customer_roles``) and measure role migration between two dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from idic.differentiate.roles.rules import Role, holds

SCHEMA = pa.schema([("customer_id", pa.string()), ("role", pa.string()),
                    ("evidence", pa.string()), ("indicators", pa.string()),
                    ("primary_kpi", pa.string()), ("primary_value", pa.float64())])


def _fmt(v: pd.Series) -> pd.Series:
    return pd.to_numeric(v, errors="coerce").map(lambda x: f"{x:g}")


def assign(features: pd.DataFrame, roles: list[Role]) -> pa.Table:
    """One row per (customer, role held) with the evidence and the role's own KPIs (JSON)."""
    parts: list[pd.DataFrame] = []
    for role in roles:
        hit = features[holds(role, features)]
        if hit.empty:
            continue
        ev = pd.Series("", index=hit.index, dtype=object)
        todo = pd.Series(True, index=hit.index)
        for alt in role.when:  # the first alternative that holds is the evidence
            ok = holds(Role(role.name, "", (alt,), ()), hit) & todo.to_numpy()
            if ok.any():
                txt = None
                for c in alt:
                    piece = c.column + "=" + _fmt(hit.loc[ok, c.column]) + f" {c.op} {c.value:g}"
                    txt = piece if txt is None else txt + "; " + piece
                ev[ok] = txt
                todo[ok] = False
        kpis = [k for k in role.kpis if k in features.columns]
        if kpis:
            vals = hit[kpis].apply(pd.to_numeric, errors="coerce").astype(float).round(6)
            lines = vals[sorted(kpis)].to_json(orient="records", lines=True).splitlines()
            first = vals[kpis[0]].where(vals[kpis[0]].notna(), None)
        else:
            lines, first = ["{}"] * len(hit), pd.Series(None, index=hit.index, dtype=object)
        parts.append(pd.DataFrame({
            "customer_id": hit["customer_id"].to_numpy(), "role": role.name,
            "evidence": ev.to_numpy(), "indicators": lines,
            "primary_kpi": kpis[0] if kpis else None,
            "primary_value": pd.to_numeric(first, errors="coerce").to_numpy()}))
    if not parts:
        return SCHEMA.empty_table()
    df = pd.concat(parts, ignore_index=True).sort_values(["customer_id", "role"], kind="stable")
    return pa.Table.from_pandas(df.reset_index(drop=True), schema=SCHEMA, preserve_index=False)


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
