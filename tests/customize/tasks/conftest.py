"""A hand-made workspace for tasks: next best actions, value categories, a B2B account and a
consent ledger for seven customers (c3, c4 and c7 fail a gate the action needs)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from idic.workspace import Workspace

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
IDS = ["c1", "c2", "c3", "c4", "c5", "c6", "c7"]
#: (action, channel, purpose) of each customer's next best action
NBA = {"c1": ("retain", "email", "email_marketing"),
       "c2": ("service_recovery", "call_centre", None),
       "c3": ("retain", "email", "email_marketing"),  # no profiling consent
       "c4": ("retain", "email", "email_marketing"),  # e-mail consent withdrawn
       "c5": ("cross_sell", "email", "personalisation"),  # B2B contact of ACC-1
       "c6": ("cross_sell", "email", "personalisation"),  # no rule asks for a person
       "c7": ("win_back", "email", "email_marketing")}  # objects (art. 21), see test
CATEGORY = {"c1": "MVC", "c2": "LMC", "c3": "MVC", "c4": "MGC", "c5": "LMC", "c6": "LMC",
            "c7": "MGC"}


def set_nba(ws: Workspace, nba: dict[str, tuple[str, str | None, str | None]],
            ev: dict[str, float] | None = None) -> None:
    ids = sorted(nba)
    ws.engine.create_table("next_best_action", pa.table({
        "customer_id": ids, "action": [nba[c][0] for c in ids],
        "expected_value": [float((ev or {}).get(c, 10.0 + i)) for i, c in enumerate(ids)],
        "reason": [f"{nba[c][0]} because test {c}" for c in ids],
        "channel": pa.array([nba[c][1] for c in ids], pa.string()),
        "purpose": pa.array([nba[c][2] for c in ids], pa.string()),
        "uplift_source": ["prior"] * len(ids), "alternatives": ["[]"] * len(ids)}))


def _consents() -> pa.Table:
    rows = []
    for c in IDS:
        purposes = ["profiling", "email_marketing", "personalisation"]
        if c == "c3":
            purposes.remove("profiling")
        for p in purposes:
            rows.append((c, p, "granted", datetime(2026, 1, 1, tzinfo=UTC)))
    rows.append(("c4", "email_marketing", "withdrawn", datetime(2026, 2, 1, tzinfo=UTC)))
    return pa.table({
        "source": ["idic"] * len(rows), "source_customer_id": [r[0] for r in rows],
        "purpose": [r[1] for r in rows], "status": [r[2] for r in rows],
        "recorded_at": [r[3] for r in rows], "proof": pa.array([None] * len(rows), pa.string()),
        "channel": ["web"] * len(rows)})


def fill(ws: Workspace) -> None:
    from idic.customize import rights

    eng = ws.engine
    eng.create_table("customers", pa.table({
        "customer_id": IDS, "first_name": [f"First{c}" for c in IDS],
        "last_name": [f"Last{c}" for c in IDS], "email": [f"{c}@example.org" for c in IDS],
        "phone": [f"+4470000000{i}" for i in range(len(IDS))], "city": ["Leeds"] * len(IDS)}))
    eng.create_table("value", pa.table({
        "customer_id": IDS, "value_category": [CATEGORY[c] for c in IDS],
        "clv": [100.0 * (i + 1) for i in range(len(IDS))]}))
    eng.create_table("accounts", pa.table({"account_id": ["ACC-1", "ACC-2"],
                                           "owner": ["Priya Shah", "Tom Becker"]}))
    eng.create_table("account_contacts", pa.table({"customer_id": ["c5"],
                                                   "account_id": ["ACC-1"]}))
    eng.create_table("consents", _consents())
    rights.record(ws, "c7", "objection", at=datetime(2026, 2, 2, tzinfo=UTC))
    set_nba(ws, NBA)  # (a next best action still naming c7: the gates must stop it)


@pytest.fixture
def tws(tmp_path) -> Iterator[Workspace]:
    ws = Workspace.init(tmp_path / "tasks-ws")
    ws.settings["tasks"] = {"members": {"retention": ["Chen Wei", "Dana Müller"]}}
    fill(ws)
    yield ws
    ws.close()


@pytest.fixture
def tws_path(tmp_path):
    """The same workspace, closed (for the CLI and the API), with tasks made at T0."""
    import json

    from idic.customize.tasks import stage
    from idic.workspace import SETTINGS_FILE

    path = tmp_path / "tasks-ws"
    ws = Workspace.init(path)
    ws.settings["tasks"] = {"members": {"retention": ["Chen Wei", "Dana Müller"]}}
    (path / SETTINGS_FILE).write_text(json.dumps(ws.settings, indent=2))
    fill(ws)
    stage.run(ws, at=T0)
    ws.close()
    return path
