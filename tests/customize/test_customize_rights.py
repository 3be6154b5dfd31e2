"""Rectification survives re-runs; retention purge removes exactly the old rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from idic.customize.retention import purge, reapply, rectify
from idic.errors import InputError, NotFoundError


def _country(ws, cid):
    c = ws.table("customers")
    return ws.engine.to_arrow(c.filter(c.customer_id == cid).select("country")).column(0)[0].as_py()


def test_rectification_is_applied_and_reapplied(tiny):
    r = rectify(tiny, "c1", "country", "IE")
    assert r["rows_changed"] == 1 and _country(tiny, "c1") == "IE"
    # identify rebuilds customers from the sources: the wrong value comes back ...
    c = tiny.engine.to_arrow(tiny.table("customers"))
    tiny.engine.create_table("customers", c.set_column(
        1, "country", pa.array(["GB", "FR", "GB", "DE", "GB", None])))
    assert _country(tiny, "c1") == "GB"
    assert reapply(tiny) == 1 and _country(tiny, "c1") == "IE"  # ... and is corrected again
    with pytest.raises(InputError, match="closest: 'country'"):
        rectify(tiny, "c1", "contry", "IE")
    with pytest.raises(NotFoundError):
        rectify(tiny, "nobody", "country", "IE")
    with pytest.raises(InputError, match="not a date"):
        rectify(tiny, "c1", "birth_date", "31/12/1990")


def test_purge_removes_rows_past_retention(tiny):
    tiny.settings["privacy"] = {"retention": {"consents": 60}}
    now = datetime(2026, 3, 4, tzinfo=UTC)  # cut-off 2026-01-03: the three 1-2 Jan rows go
    dry = purge(tiny, dry_run=True, now=now)
    assert dry["tables"]["consents"]["rows_removed"] == 3 and tiny.engine.count("consents") == 7
    res = purge(tiny, now=now)
    assert res["rows_removed"] == 3 and res["request_id"].startswith("pg_")
    assert tiny.engine.count("consents") == 4
    tiny.settings["privacy"] = {"retention": {"consents": 0}}
    with pytest.raises(InputError):
        purge(tiny, now=now)
    tiny.settings.pop("privacy")
