"""An incremental identify run gives the tables a full run gives (issue 12, item 5).

The 1,000-customer demo: 90% of its identity records and events are resolved, then the
rest arrive with a few re-ingested (changed) records and a few erased ones. The same
workspace state is resolved twice, incrementally and by a full re-score with the same
model: identity map (customer ids included), golden records, links, super-nodes, the
prepared records and the run's lineage must be equal.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zlib

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from idic.identify.probabilistic import model_path
from idic.identify.stage import run
from idic.workspace import Workspace


def _late(t: pa.Table, cols: list[str], share: int = 10) -> pa.Array:
    keys = [":".join(str(v) for v in row) for row in zip(*[t[c].to_pylist() for c in cols],
                                                          strict=True)]
    return pa.array([zlib.crc32(k.encode()) % share == 0 for k in keys])


def _stamp(t: pa.Table, at: dt.datetime) -> pa.Table:
    i = t.column_names.index("_ingested_at")
    return t.set_column(i, "_ingested_at", pa.array([at] * t.num_rows, t.schema.field(i).type))


def _rows(ws: Workspace, name: str, drop: tuple[str, ...] = ()) -> list[tuple]:
    t = ws.engine.to_arrow(ws.table(name))
    t = t.select([c for c in t.column_names if c not in drop])
    return sorted(tuple(r.values()) for r in t.to_pylist())


@pytest.fixture(scope="module")
def resolved_twice(small_demo, tmp_path_factory):
    """(incremental workspace, full-run workspace, their summaries, base map, batch)."""
    src = Workspace.open(small_demo, read_only=True)
    ident = src.engine.to_arrow(src.table("identities"))
    events = src.engine.to_arrow(src.table("events"))
    src.close()
    root = tmp_path_factory.mktemp("incremental")
    t0 = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    late = _late(ident, ["source", "source_record_id"])
    base, batch = ident.filter(pc.invert(late)), ident.filter(late)
    ev_late = _late(events, ["event_id"] if "event_id" in events.column_names
                    else ["source", "anonymous_id", "timestamp"])
    ws = Workspace.init(root / "inc")
    model_path(ws.path).parent.mkdir(parents=True)
    shutil.copy(model_path(small_demo), model_path(ws.path))  # one model for both runs
    ws.engine.append("identities", _stamp(base, t0))
    ws.engine.append("events", _stamp(events.filter(pc.invert(ev_late)), t0))
    first = run(ws)
    assert not first["incremental"]
    base_map = ws.engine.to_arrow(ws.table("identity_map"))
    ws.close()
    shutil.copytree(root / "inc", root / "full")
    # the batch: the late 10%, five earlier records re-ingested with another first name
    # and e-mail, and three earlier records erased
    now = dt.datetime.now(dt.UTC)
    changed = base.slice(10, 5)
    changed = changed.set_column(changed.column_names.index("first_name"), "first_name",
                                 pa.array(["Zebulon"] * 5))
    changed = changed.set_column(changed.column_names.index("email"), "email",
                                 pa.array([f"zeb{i}@example.com" for i in range(5)]))
    erased = base.slice(40, 3).column("source_record_id").to_pylist()
    out = {}
    for name in ("inc", "full"):
        w = Workspace.open(root / name)
        w.engine.append("identities", _stamp(pa.concat_tables([batch, changed]), now))
        w.engine.append("events", _stamp(events.filter(ev_late), now))
        w.engine.delete_where("identities", lambda t: t.source_record_id.isin(erased))
        out[name] = (w, run(w, full=name == "full"))
    yield out["inc"][0], out["full"][0], out["inc"][1], out["full"][1], base_map, \
        batch.num_rows + 5
    for w, _ in out.values():
        w.close()


def test_incremental_run_scores_only_the_batch(resolved_twice) -> None:
    inc, _, s_inc, s_full, _, n_batch = resolved_twice
    assert s_inc["incremental"] and not s_full["incremental"]
    assert s_inc["scored_records"] == n_batch  # new and re-ingested records only
    assert s_inc["records"] == s_full["records"] == inc.engine.count("identity_map")
    assert s_inc["customers"] == s_full["customers"]
    for k in ("created", "merged", "split", "identifier_links", "probabilistic_links",
              "supernodes"):
        assert s_inc[k] == s_full[k], k


def test_incremental_run_equals_a_full_run(resolved_twice) -> None:
    inc, full, *_ = resolved_twice
    # same partition and the same persistent ids
    assert _rows(inc, "identity_map") == _rows(full, "identity_map")
    assert _rows(inc, "customers") == _rows(full, "customers")
    assert _rows(inc, "identity_supernodes") == _rows(full, "identity_supernodes")
    assert _rows(inc, "identity_records") == _rows(full, "identity_records")
    # the same links with the same weights (term frequencies are the model's)
    assert _rows(inc, "identity_links", ("run_id",)) == \
        _rows(full, "identity_links", ("run_id",))
    # the run's lineage: the same ids created, merged and split
    def last_run_events(ws: Workspace) -> list[tuple]:
        lin = ws.engine.to_arrow(ws.table("identity_lineage")).to_pylist()
        last = max(r["at"] for r in lin)
        return sorted((r["event"], r["customer_id"], r["other_customer_id"], r["n_records"])
                      for r in lin if r["at"] == last)
    assert last_run_events(inc) == last_run_events(full)


def test_untouched_customers_keep_their_ids(resolved_twice) -> None:
    inc, _, s_inc, _, base_map, _ = resolved_twice
    after = {(r["source"], r["source_record_id"]): r["customer_id"]
             for r in inc.engine.to_arrow(inc.table("identity_map")).to_pylist()}
    before = base_map.to_pylist()
    kept = sum(after.get((r["source"], r["source_record_id"])) == r["customer_id"]
               for r in before)
    assert kept / len(before) >= 0.97
    assert s_inc["created"] > 0  # the batch brought new people


def test_a_run_with_nothing_new_changes_nothing(resolved_twice) -> None:
    inc, *_ = resolved_twice
    before = _rows(inc, "identity_map"), _rows(inc, "customers")
    s = run(inc)
    assert s["incremental"] and s["scored_records"] == 0
    assert s["created"] == s["merged"] == s["split"] == 0
    assert (_rows(inc, "identity_map"), _rows(inc, "customers")) == before
