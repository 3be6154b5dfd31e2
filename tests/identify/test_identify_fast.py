"""The identify stage's faster paths give exactly the slower paths' results.

Prediction with cheaper level SQL (``fast_levels``), Splink trained and predicting in a
thread beside the identifier graph, term frequencies counted from Arrow: each is checked against the plain way on the demo
data and, where it is a rewrite of SQL, on random and Unicode text.
"""

from __future__ import annotations

import copy

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic.identify import stage
from idic.identify.probabilistic import (
    Matcher,
    fast_levels,
    match_input,
    model_path,
    term_frequency_arrow,
    term_frequency_table,
)
from idic.workspace import Workspace

demo = pytest.importorskip("idic.datasets.demo")

_SETTINGS = {"comparisons": [{"output_column_name": "x", "comparison_levels": [
    {"sql_condition": '"x_l" IS NULL OR "x_r" IS NULL'},
    {"sql_condition": 'levenshtein("x_l", "x_r") <= 1'},
    {"sql_condition": "levenshtein(x_l, y_r) <= 1 AND levenshtein(y_l, x_r) <= 1"},
    {"sql_condition": '(levenshtein("x_l", "x_r") <= 2) AND ("y_l" = "y_r")'},
    {"sql_condition": '("y_l" = "y_r") AND (levenshtein("x_l", "x_r") <= 3)'},
    {"sql_condition": 'levenshtein("x_l", "x_r") <= 0'},
    {"sql_condition": "ELSE"},
]}]}


def _level(settings: dict, rows: list[dict]) -> list[int]:
    levels = settings["comparisons"][0]["comparison_levels"]
    case = " ".join(f"WHEN {lv['sql_condition']} THEN {i}" for i, lv in enumerate(levels[:-1]))
    con = duckdb.connect()
    con.register("t", pa.Table.from_pylist(rows, schema=pa.schema(
        [(c, pa.string()) for c in ("x_l", "x_r", "y_l", "y_r")])))
    return [r[0] for r in con.execute(f"SELECT CASE {case} ELSE 99 END FROM t").fetchall()]


def test_fast_levels_rewrites_the_sql_not_the_model() -> None:
    fast = fast_levels(_SETTINGS)
    got = [lv["sql_condition"] for lv in fast["comparisons"][0]["comparison_levels"]]
    assert got[1] == ('(abs(strlen("x_l") - strlen("x_r")) <= 1 AND '
                      'levenshtein("x_l", "x_r") <= 1)')
    # the equality first, the distance second
    assert got[3].startswith('("y_l" = "y_r") AND ((abs(strlen("x_l")')
    assert got[4].startswith('("y_l" = "y_r") AND ((abs(')
    assert _SETTINGS["comparisons"][0]["comparison_levels"][1]["sql_condition"] == \
        'levenshtein("x_l", "x_r") <= 1'  # the input is not changed


_text = st.one_of(st.none(), st.text(max_size=12),
                  st.text(alphabet="aeiouéàü日本 -'", max_size=8),
                  st.sampled_from(["", "ann", "anna", "hannah", "é", "e", "日本", "日"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({"x_l": _text, "x_r": _text, "y_l": _text,
                                       "y_r": _text}), min_size=1, max_size=40))
def test_fast_levels_give_the_same_level_on_any_text(rows) -> None:
    """DuckDB's levenshtein counts byte edits: the byte-length guard never rejects a pair
    the distance accepts, multi-byte characters, empty strings and NULL included."""
    assert _level(fast_levels(_SETTINGS), rows) == _level(_SETTINGS, rows)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    out = tmp_path_factory.mktemp("fastdemo")
    demo.generate(out / "data", customers=1200, seed=23)
    return out


def _ws(root, name):
    ws = Workspace.init(root / name)
    ws.ingest("identities", root / "data" / "identities.csv")
    ws.ingest("events", root / "data" / "events.parquet")
    return ws


def _tables(ws) -> dict[str, list]:
    out = {}
    for t in ("identity_map", "identity_links", "customers", "identity_records",
              "identity_supernodes"):
        tab = ws.engine.to_arrow(ws.table(t))
        # (the run id and the time of ingestion differ between two workspaces)
        tab = tab.drop_columns([c for c in ("run_id", "ingested_at") if c in tab.column_names])
        out[t] = sorted(tab.to_pylist(), key=repr)
    return out


def test_threaded_run_equals_the_sequential_run(demo_data, monkeypatch) -> None:
    """Splink trains and predicts in its own thread while the graph is built and the
    records are written: every table, the model and its term frequencies are those of
    the same run in sequence."""
    a = _ws(demo_data, "threaded")
    sa = stage.run(a)
    monkeypatch.setattr(stage._SplinkRun, "THREADED", False)
    b = _ws(demo_data, "sequential")
    sb = stage.run(b)
    assert sa["customers"] == sb["customers"] and sa["model_trained"]
    assert _tables(a) == _tables(b)
    ma = model_path(a.path).read_text().split("\n")
    mb = model_path(b.path).read_text().split("\n")
    assert [x for x in ma if "linker_uid" not in x] == [x for x in mb if "linker_uid" not in x]
    for col in ("first_name", "last_name"):
        ta = pq.read_table(model_path(a.path).parent / f"identify_tf_{col}.parquet")
        tb = pq.read_table(model_path(b.path).parent / f"identify_tf_{col}.parquet")
        assert sorted(ta.to_pylist(), key=repr) == sorted(tb.to_pylist(), key=repr)
    a.close()
    b.close()


def test_fast_prediction_equals_splinks_own_sql(demo_data) -> None:
    """The links of ``Matcher.predict`` (numbered records, cheaper level SQL, no retained
    columns) are the pairs and probabilities of Splink run with the model as saved."""
    from splink import DuckDBAPI, Linker

    ws = _ws(demo_data, "predict")
    stage.run(ws)
    recs = ws.table("identity_records")
    m = Matcher(ws.engine, recs, ws.path)
    fast = m.predict(0.5)
    db = DuckDBAPI(":memory:")
    plain = Linker(db.register(ws.engine.to_arrow(match_input(recs)), table_name="r"),
                   copy.deepcopy(m.settings_dict), log_level=None)
    for col, tab in m.tf_tables.items():
        plain.table_management.register_term_frequency_lookup(
            db.register(tab, table_name=f"tf_{col}"), col)
    ref = plain.inference.predict(threshold_match_probability=0.5,
                                  warning_mode="never").as_pyarrow_table()

    def key(t: pa.Table) -> list[tuple]:
        return sorted(zip(t["rid_l"].to_pylist(), t["rid_r"].to_pylist(),
                          [round(p, 12) for p in t["match_probability"].to_pylist()],
                          strict=True))

    assert fast.num_rows > 500
    assert key(fast) == key(ref)
    ws.close()


@pytest.mark.parametrize("where", ["graph", "records_write"])
def test_failure_beside_the_splink_thread_is_raised_not_hung(demo_data, monkeypatch,
                                                             where) -> None:
    """An error (or Ctrl-C) while the graph is built or the records are written reaches
    the caller; the Splink thread, waiting for its labels or predicting, is released or
    interrupted and ends."""
    import threading

    ws = _ws(demo_data, f"fails-{where}")

    def broken(*_a, **_k):
        raise RuntimeError("graph broke")

    if where == "graph":
        monkeypatch.setattr(stage, "supernodes", broken)
        expected: type[BaseException] = RuntimeError
    else:
        orig = ws.engine.create_table

        def stop(name, *a, **k):
            if name == "identity_records":
                raise KeyboardInterrupt
            return orig(name, *a, **k)

        monkeypatch.setattr(ws.engine, "create_table", stop)
        expected = KeyboardInterrupt
    with pytest.raises(expected):
        stage.run(ws)
    assert not [t for t in threading.enumerate() if t.name.startswith("idic-splink")]
    ws.close()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6),
                          st.sampled_from(["ann", "Ann", "日本", ""])), max_size=60))
def test_term_frequencies_from_arrow_equal_the_engines(values) -> None:
    import ibis

    tab = pa.table({"first_name": pa.array(values, pa.string())})
    con = ibis.duckdb.connect()
    t = con.create_table("t", tab)
    want = sorted(term_frequency_table(t, "first_name").to_pyarrow().to_pylist(), key=repr)
    got = sorted(term_frequency_arrow(tab, "first_name").to_pylist(), key=repr)
    assert got == want


def test_changed_matching_rules_make_the_next_run_a_full_one(demo_data, monkeypatch) -> None:
    """Links kept by an incremental run must be those a full run finds: after an upgrade
    that changes the blocking rules (or the graph's rules), the next run is a full one."""
    from splink import block_on

    from idic.identify import probabilistic

    ws = _ws(demo_data, "rules")
    stage.run(ws)
    again = stage.run(ws)
    assert again["incremental"] and again["matching"] == stage.matching_key(ws.path)
    monkeypatch.setattr(probabilistic, "PREDICT_BLOCKING",
                        [*probabilistic.PREDICT_BLOCKING, block_on("city")])
    changed = stage.run(ws)
    assert not changed["incremental"] and changed["matching"] != again["matching"]
    assert stage.run(ws)["incremental"]  # and incremental again from then on
    monkeypatch.setattr(stage, "GRAPH_VERSION", stage.GRAPH_VERSION + 1)
    assert not stage.run(ws)["incremental"]
    ws.close()
