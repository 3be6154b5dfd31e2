"""Treatments by class (with reasons, behind the gate) and the fairness report."""

from __future__ import annotations

import ibis
import pytest

from idic.customize import rights
from idic.customize.fairness import fairness
from idic.customize.treatments import write_treatments
from idic.errors import InputError


def _by_customer(ws):
    rows = ws.engine.to_arrow(ws.table("treatments")).to_pylist()
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["customer_id"], set()).add(r["treatment"])
        assert r["reason"] and r["rule"]
    return out


def test_default_matrix_by_class_and_consent(tiny):
    counts = write_treatments(tiny)
    got = _by_customer(tiny)
    # A customers c1, c2: hotline and faster delivery; the event invitation needs a
    # profiling consent nobody gave; BZ c4, c6: lower cost to serve; LMC c5: efficient
    assert got["c1"] == {"priority_hotline", "faster_delivery"}
    assert got["c2"] == {"priority_hotline", "faster_delivery"}
    assert got["c4"] == {"lower_cost_to_serve"} and got["c5"] == {"efficient_service"}
    # c3 is MGC and dormant with CLV 150: the win-back needs e-mail consent (granted), the
    # grow-share offer needs personalisation (not granted)
    assert got["c3"] == {"win_back"}
    assert counts["priority_hotline"] == 2
    rights.record(tiny, "c1", "objection")
    write_treatments(tiny)
    assert "c1" not in _by_customer(tiny)


def test_configured_matrix_and_bad_config(tiny):
    tiny.settings["customize"] = {"treatments": [
        {"treatment": "vip_gift", "when": "clv > 500", "reason": "high CLV"}]}
    assert write_treatments(tiny) == {"vip_gift": 2}
    tiny.settings["customize"] = {"treatments": [{"treatment": "x", "when": "clvv > 1",
                                                  "reason": "typo"}]}
    with pytest.raises(InputError, match="clvv"):
        write_treatments(tiny)
    tiny.settings["customize"] = {"treatments": [{"treatment": "x"}]}
    with pytest.raises(InputError, match="needs treatment, when and reason"):
        write_treatments(tiny)
    tiny.settings.pop("customize")


def test_fairness_ratios_and_flags(tiny):
    sel = ibis.memtable({"customer_id": ["c1", "c3"]})
    res = fairness(tiny, sel, min_group=1)
    assert res["selection_rate"] == pytest.approx(2 / 6)
    g = {(r["attribute"], r["group"]): r for r in res["groups"]}
    assert g[("country", "GB")]["selection_rate"] == pytest.approx(2 / 3)
    assert g[("country", "GB")]["ratio"] == pytest.approx(2.0)
    assert g[("country", "FR")]["ratio"] == 0.0
    assert "country=GB" in res["flagged"] and "country=FR" in res["flagged"]
    # with the default minimum group size nothing this small is flagged
    assert fairness(tiny, sel)["flagged"] == []


def test_report_sections(tiny):
    from idic.customize import audiences
    from idic.measure.sections import SECTIONS

    assert not SECTIONS["treatments"](tiny).available
    assert not SECTIONS["audiences"](tiny).available
    write_treatments(tiny)
    s = SECTIONS["treatments"](tiny)
    df = s.tables[0][1].set_index("treatment")
    assert s.available and df.loc["priority_hotline", "customers"] == 2
    audiences.create(tiny, "gb", where="country = 'GB'", purpose="email_marketing")
    audiences.refresh(tiny)
    a = SECTIONS["audiences"](tiny).tables[0][1]
    assert a.loc[0, "audience"] == "gb" and a.loc[0, "members"] == 2  # c1, c3
