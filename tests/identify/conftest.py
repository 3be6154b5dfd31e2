"""Helpers for identify tests: write canonical identity rows straight into a workspace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyarrow as pa
import pytest

from idic.datasets.febrl import IDENTITY_COLUMNS, _schema

SCHEMA = _schema().remove(_schema().get_field_index("entity_id"))


def identity_rows(rows: list[dict]) -> pa.Table:
    """Arrow identities from partial dicts (missing columns are null)."""
    full = []
    for r in rows:
        r = dict(r)
        if isinstance(r.get("birth_date"), str):
            r["birth_date"] = dt.date.fromisoformat(r["birth_date"])
        for k in ("first_seen", "last_seen"):
            if isinstance(r.get(k), str):
                r[k] = dt.datetime.fromisoformat(r[k]).replace(tzinfo=dt.UTC)
        full.append({c: r.get(c) for c in IDENTITY_COLUMNS})
    return pa.Table.from_pylist(full, schema=SCHEMA)


@pytest.fixture
def add_identities() -> Callable:
    def add(ws, rows: list[dict] | pa.Table) -> None:
        tab = rows if isinstance(rows, pa.Table) else identity_rows(rows)
        ws.engine.append("identities", tab)

    return add


@pytest.fixture(scope="session")
def febrl3_ws(tmp_path_factory):
    """A workspace with FEBRL3 resolved once by the default model (shared, read-only use)."""
    from idic.datasets.febrl import load_febrl
    from idic.identify.stage import run
    from idic.workspace import Workspace

    t = load_febrl("febrl3")
    ws = Workspace.init(tmp_path_factory.mktemp("febrl3") / "ws")
    ws.engine.append("identities", t.drop(["entity_id"]))
    summary = run(ws)
    yield ws, t, summary
    ws.close()
