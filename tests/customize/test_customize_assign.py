"""Hash assignment: deterministic, engine-independent, balanced (sample-ratio χ² test)."""

from __future__ import annotations

import ibis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.customize.assign import arm_py, assign, bucket_py, srm_pvalue

ARMS = ["treatment", "holdout"]


def _arms(con, ids, salt, weights):
    t = con.create_table("u", ibis.memtable({"customer_id": ids}), overwrite=True)
    rows = assign(t, salt, ARMS, weights).to_pyarrow().to_pylist()
    return {r["customer_id"]: r["arm"] for r in rows}


def test_100k_split_passes_the_sample_ratio_test_and_matches_python():
    con = ibis.duckdb.connect()
    ids = [f"cus_{i:08x}" for i in range(100_000)]
    got = _arms(con, ids, "campaign-spring", [0.5, 0.5])
    counts = [sum(1 for a in got.values() if a == arm) for arm in ARMS]
    assert srm_pvalue(counts, [0.5, 0.5]) > 0.001
    assert abs(counts[0] - 50_000) < 5 * 158  # 5 standard deviations of Binomial(1e5, .5)
    sample = ids[::997]
    assert all(got[i] == arm_py(i, "campaign-spring", ARMS, [0.5, 0.5]) for i in sample)
    # a 90/10 split with another salt: also balanced, and independent of the first
    other = _arms(con, ids, "campaign-summer", [0.9, 0.1])
    c2 = [sum(1 for a in other.values() if a == arm) for arm in ARMS]
    assert srm_pvalue(c2, [0.9, 0.1]) > 0.001
    both = sum(1 for i in ids if got[i] == "holdout" and other[i] == "holdout")
    assert abs(both - 100_000 * 0.5 * 0.1) < 5 * (100_000 * 0.05 * 0.95) ** 0.5


def test_salt_with_control_characters_is_refused():
    with pytest.raises(ValueError):
        assign(ibis.memtable({"customer_id": ["a"]}), "x\x00", ARMS, [1, 1])


def test_srm_detects_a_broken_split():
    assert srm_pvalue([50_800, 49_200], [0.5, 0.5]) < 0.001


def test_known_bucket_value():
    # sha256("s:u1") = 9d8b4f51... ; first 15 hex digits mod 10,000
    import hashlib

    h = hashlib.sha256(b"s:u1").hexdigest()
    assert bucket_py("u1", "s") == int(h[:15], 16) % 10_000


_CON = ibis.duckdb.connect()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=20, unique=True),
       st.text(st.characters(min_codepoint=32, blacklist_categories=["Cs"]), max_size=10))
def test_engine_equals_python_for_any_ids_and_salt(ids, salt):
    con = _CON
    got = _arms(con, ids, salt, [0.3, 0.7])
    assert got == {i: arm_py(i, salt, ARMS, [0.3, 0.7]) for i in ids}


@pytest.mark.spark
def test_spark_assigns_the_same_arms(spark_workspace):
    ids = [f"cus_{i}" for i in range(300)] + ["ünï", "", "a'b"]
    eng = spark_workspace.engine
    import pyarrow as pa

    t = eng.from_arrow(pa.table({"customer_id": ids}), "assign_ids")
    rows = eng.to_arrow(assign(t, "salt-1", ARMS, [0.5, 0.5])).to_pylist()
    assert {r["customer_id"]: r["arm"] for r in rows} == {
        i: arm_py(i, "salt-1", ARMS, [0.5, 0.5]) for i in ids}


@pytest.mark.spark
def test_spark_audience_behind_the_gate(tmp_path):
    """The audience rule, the consent gate and a restriction on the Spark engine."""
    from idic.customize import audiences, rights
    from idic.workspace import Workspace

    from .conftest import fill

    pytest.importorskip("pyspark")
    ws = Workspace.init(tmp_path / "s", engine="spark")
    try:
        fill(ws)
        rights.record(ws, "c3", "restriction")
        audiences.create(ws, "gb", where="country in ('GB', 'DE') and clv > -10",
                         purpose="email_marketing", channel="email")
        info = audiences.refresh(ws)["gb"]
        got = sorted(ws.engine.to_arrow(audiences.members(ws, "gb")).column(
            "customer_id").to_pylist())
    finally:
        ws.close()
    # matches c1, c3, c4, c5; consent: c1, c3, c4; c3 restricted
    assert (info["matched"], got) == (4, ["c1", "c4"])
