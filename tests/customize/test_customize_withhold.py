"""A restriction (GDPR art. 18) or an objection (art. 21) takes a customer out of every
per-customer profiling table at once, and the stages keep them out when they run again;
lifting it brings them back at the next run. Other customers' rows are untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from idic.customize import rights
from idic.customize.gate import PROFILING_TABLES, withhold_blocked
from idic.workspace import Workspace


@pytest.fixture
def ws(small_demo: Path, tmp_path: Path):
    w = Workspace.open(Path(shutil.copytree(small_demo, tmp_path / "ws")))
    yield w
    w.close()


def _rows(ws, table: str, cid: str) -> int:
    t = ws.table(table)
    return int(t.filter(t.customer_id == cid).count().execute())


def _profiled_in_all(ws) -> str:
    """A customer with a row in segments, network_metrics and customer_roles."""
    s, m, r = ws.table("segments"), ws.table("network_metrics"), ws.table("customer_roles")
    j = s.select("customer_id").intersect(m.select("customer_id")).intersect(
        r.select("customer_id"))
    return j.order_by("customer_id").limit(1).to_pyarrow().column(0)[0].as_py()


@pytest.mark.parametrize("right", ["objection", "restriction"])
def test_block_withholds_profiling_rows_at_once_and_after_reruns(ws, right: str) -> None:
    from idic.differentiate.needs import stage as needs
    from idic.interact.network import stage as network

    cid = _profiled_in_all(ws)
    before = {t: ws.engine.count(t) for t in PROFILING_TABLES if ws.engine.has_table(t)}
    mine = {t: _rows(ws, t, cid) for t in before}
    assert mine["segments"] == 1 and mine["network_metrics"] == 1

    row = rights.record(ws, cid, right, reason="test")
    # exactly this customer's rows went, from every profiling table, nothing else
    assert row["withheld"] == {t: n for t, n in mine.items()}
    for t, n in before.items():
        assert ws.engine.count(t) == n - mine[t], t
        assert _rows(ws, t, cid) == 0, t
    assert withhold_blocked(ws) == dict.fromkeys(before, 0)  # idempotent

    needs.run(ws)
    network.run(ws)
    for t in ("needs_features", "segments", "recommendations", "network_metrics",
              "customer_roles"):
        assert _rows(ws, t, cid) == 0, t
    assert ws.engine.count("segments") == before["segments"] - 1

    rights.record(ws, cid, right, status="lifted")
    needs.run(ws)
    network.run(ws)
    assert _rows(ws, "segments", cid) == 1 and _rows(ws, "network_metrics", cid) == 1


def test_withhold_without_any_block_removes_nothing(ws) -> None:
    before = {t: ws.engine.count(t) for t in PROFILING_TABLES if ws.engine.has_table(t)}
    assert withhold_blocked(ws) == {}
    assert {t: ws.engine.count(t) for t in before} == before


def test_objection_cancels_open_tasks_at_once_and_keeps_closed_ones(ws) -> None:
    t = ws.table("tasks")
    active = t.filter(t.status.isin(["open", "assigned"]))
    cid = active.order_by("task_id").limit(1).to_pyarrow()["customer_id"][0].as_py()
    mine = ws.engine.to_pandas(t.filter(t.customer_id == cid))
    n_active = int(mine.status.isin(["open", "assigned"]).sum())
    others = ws.engine.to_pandas(t.filter(t.customer_id != cid)).sort_values("task_id")
    assert n_active >= 1
    row = rights.record(ws, cid, "objection")
    assert row["tasks_cancelled"] == n_active
    after = ws.engine.to_pandas(t.filter(t.customer_id == cid)).set_index("task_id")
    for r in mine.itertuples():
        got = after.loc[r.task_id]
        if r.status in ("open", "assigned"):
            assert got.status == "cancelled" and got.status_reason == "objection recorded"
        else:
            assert got.status == r.status  # history kept
    rest = ws.engine.to_pandas(t.filter(t.customer_id != cid)).sort_values("task_id")
    assert rest.status.tolist() == others.status.tolist()
