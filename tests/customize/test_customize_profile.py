from __future__ import annotations

import pyarrow as pa

from idic.customize.profile import CORE_COLUMNS, build_profile, write_profile


def _rows(ws, t):
    return {r["customer_id"]: r for r in ws.engine.to_arrow(t).to_pylist()}


def test_profile_core_columns_from_stage_tables(tiny):
    p = build_profile(tiny, as_of=__import__("datetime").date(2026, 6, 1))
    assert list(p.columns[:len(CORE_COLUMNS)]) == list(CORE_COLUMNS)
    rows = _rows(tiny, p)
    assert len(rows) == 6
    assert rows["c1"]["abc_class"] == "A" and rows["c1"]["rfm_segment"] == "Champions"
    assert rows["c1"]["clv"] == 1200.5 and rows["c1"]["value_category"] == "MVC"
    assert rows["c4"]["country"] == "DE" and rows["c6"]["clv"] is None
    # age at 2026-06-01: born 1990-06-01 -> 36; 2005-12-31 -> 20; 1950-01-01 -> 76
    assert (rows["c1"]["age"], rows["c4"]["age"], rows["c2"]["age"]) == (36, 20, 76)
    assert (rows["c1"]["age_band"], rows["c4"]["age_band"], rows["c2"]["age_band"]) == (
        "35-44", "under 25", "65+")
    # consent state per purpose: c2 withdrew, c5 granted and withdrew at the same instant
    assert [rows[c]["consent_email_marketing"] for c in ("c1", "c2", "c5", "c6")] == [
        True, False, False, False]


def test_profile_picks_up_optional_tables(tiny):
    eng = tiny.engine
    eng.create_table("segments", pa.table({"customer_id": ["c1", "c2"], "segment": ["s1", "s2"],
                                           "probability": [0.9, 0.7]}))
    eng.create_table("customer_roles", pa.table({"customer_id": ["c1", "c1", "c3"],
                                                 "role": ["ambassador", "Fan Club", "basher"]}))
    eng.create_table("customer_voice", pa.table({"customer_id": ["c1"], "last_nps": [10.0],
                                                 "n_complaints": [0],
                                                 "silent_dissatisfied": [False]}))
    eng.create_table("network_metrics", pa.table({"customer_id": ["c3"], "pagerank": [0.2],
                                                  "referrals": [4]}))
    assert write_profile(tiny) == 6
    rows = _rows(tiny, tiny.table("customer_profile"))
    assert rows["c1"]["segment"] == "s1" and rows["c1"]["segment_probability"] == 0.9
    assert rows["c1"]["role_ambassador"] and rows["c1"]["role_fan_club"]
    assert not rows["c2"]["role_basher"] and rows["c3"]["role_basher"]
    assert rows["c1"]["last_nps"] == 10.0 and rows["c3"]["referrals"] == 4
    assert rows["c4"]["segment"] is None


def test_profile_on_demo_matches_value_tables(small_demo):
    from idic.workspace import Workspace

    with Workspace.open(small_demo) as ws:
        p = ws.table("customer_profile") if ws.engine.has_table("customer_profile") \
            else build_profile(ws)
        n_customers = ws.engine.count("customers")
        assert int(p.count().execute()) == n_customers
        a = ws.table("abc")
        j = p.join(a, "customer_id")
        bad = j.filter(j.abc_class != j.abc_class_right).count().execute()
        assert int(j.count().execute()) == ws.engine.count("abc") and int(bad) == 0
        assert "email" not in p.columns and "first_name" not in p.columns


def test_remembered_preferences_are_on_the_profile(tiny):
    from idic.customize.preferences import remember
    from idic.customize.where import parse_for

    remember(tiny, "c1", "contact_channel", "email")
    remember(tiny, "c1", "Contact_Channel", "sms")  # the latest statement wins
    remember(tiny, "c2", "size", "M")
    p = build_profile(tiny)
    rows = _rows(tiny, p)
    assert rows["c1"]["pref_contact_channel"] == "sms" and rows["c2"]["pref_size"] == "M"
    r = parse_for("pref_contact_channel = 'sms'", p)
    assert tiny.engine.to_arrow(r.filter(p).select("customer_id")).column(0).to_pylist() == ["c1"]


def test_empty_workspace_profile(workspace):
    assert write_profile(workspace) == 0
    assert "ibis_pandas_memtable" not in " ".join(workspace.tables())
