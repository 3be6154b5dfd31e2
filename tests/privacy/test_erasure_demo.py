"""Erasing one person of the demo removes exactly that person's rows (per the generator's
ground truth) and changes no other person's row count in any table (issue 11, section 1)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from idic.privacy.dsr import erase_subject, export_subject
from idic.workspace import Workspace


@pytest.fixture
def demo(small_demo: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(small_demo, tmp_path / "ws"))


def _truth(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    d = path / "demo-data" / "truth"
    params = json.loads((d / "params.json").read_text())
    return (pd.read_parquet(d / "identity_truth.parquet"), pd.read_parquet(d / "persons.parquet"),
            params)


def _owners(ws: Workspace, truth: pd.DataFrame, params: dict) -> dict[str, pd.Series]:
    """Per raw table: the true person of each row (None when the row names nobody known)."""
    rec = {(s, r): p for s, r, p in truth.itertuples(index=False)}
    ids = ws.table("identities").to_pandas()
    by_handle = {h.lower(): rec[(s, r)] for s, r, h in
                 ids[["source", "source_record_id", "social_handle"]].dropna().itertuples(
                     index=False) if (s, r) in rec}
    by_anon = {}
    for col in ("cookie_id", "device_id"):
        for s, r, a in ids[["source", "source_record_id", col]].dropna().itertuples(index=False):
            by_anon[a] = rec.get((s, r))
    user_src = params["event_user_id_source"]
    out: dict[str, pd.Series] = {}
    for name, col in (("identities", "source_record_id"), ("orders", "source_customer_id"),
                      ("survey_responses", "source_customer_id"),
                      ("cases", "source_customer_id"), ("consents", "source_customer_id")):
        df = ws.table(name).to_pandas()
        out[name] = pd.Series([rec.get((s, r)) for s, r in zip(df.source, df[col], strict=True)])
    soc = ws.table("social").to_pandas()
    out["social"] = soc.social_handle.str.lower().map(by_handle)
    ev = ws.table("events").to_pandas()
    out["events"] = pd.Series([
        rec.get((user_src.get(s, s), u)) if isinstance(u, str) else by_anon.get(a)
        for s, u, a in zip(ev.source, ev.user_id, ev.anonymous_id, strict=True)])
    ref = ws.table("referrals").to_pandas()
    out["referrals"] = pd.Series([rec.get((s, r)) for s, r in zip(ref.source, ref.referred_id,
                                                                  strict=True)])
    out["referrers"] = pd.Series([rec.get((s, r)) for s, r in zip(ref.source, ref.referrer_id,
                                                                  strict=True)])
    return out


def _counts(owners: dict[str, pd.Series]) -> dict[str, Counter]:
    return {k: Counter(v.dropna()) for k, v in owners.items()}


def _derived_counts(ws: Workspace) -> dict[str, Counter]:
    out = {}
    for name in ws.tables():
        t = ws.table(name)
        if "customer_id" in t.columns and name not in ("consents",):
            out[name] = Counter(t.select("customer_id").to_pandas().customer_id.dropna())
    return out


def _pick(ws: Workspace, truth: pd.DataFrame, persons: pd.DataFrame, params: dict) -> pd.Series:
    """A person in 3+ sources with their own e-mail, resolved exactly by identify, who
    referred someone (so a link row to another person exists)."""
    m = ws.table("identity_map").to_pandas().merge(truth, on=["source", "source_record_id"])
    exact = m.groupby("customer_id").person_id.nunique().eq(1)
    whole = m.groupby("person_id").customer_id.nunique().eq(1)
    good = set(m[m.customer_id.isin(exact[exact].index)].person_id) & set(whole[whole].index)
    family = set(params["traps"]["family_emails"])
    cand = persons[persons.person_id.isin(good) & (persons.n_sources >= 3)
                   & (persons.n_referred > 0) & ~persons.email.isin(family)]
    assert len(cand), "no suitable person in the demo"
    # prefer someone with complaints and a social handle: more tables to reach
    posted = set(ws.table("social").to_pandas().social_handle.str.lower())
    rank = cand.n_cases.gt(0).astype(int) + cand.social_handle.str.lower().isin(posted)
    return cand.loc[rank.sort_values(ascending=False, kind="stable").index[0]]


def test_erasing_one_demo_person_removes_exactly_their_rows(demo: Path) -> None:
    truth, persons, params = _truth(demo)
    with Workspace.open(demo) as ws:
        who = _pick(ws, truth, persons, params)
        pid = who.person_id
        before = _counts(_owners(ws, truth, params))
        derived_before = _derived_counts(ws)
        totals_before = ws.counts()
        their_cid = set(ws.table("identity_map").to_pandas().merge(truth).query(
            "person_id == @pid").customer_id)
        plan = erase_subject(ws, email=who.email, dry_run=True)
        assert ws.counts() == totals_before  # a dry run changes nothing
        receipt = erase_subject(ws, email=who.email)
        after = _counts(_owners(ws, truth, params))
        derived_after = _derived_counts(ws)
        totals_after = ws.counts()
        ref = ws.table("referrals").to_pandas()
    for key in ("tables", "unlinked", "redacted", "files"):
        assert plan[key] == receipt[key], key  # the dry run said exactly what happened
    for table, cnt in before.items():
        assert after[table][pid] == 0, table
        others_before = {p: n for p, n in cnt.items() if p != pid}
        others_after = {p: n for p, n in after[table].items() if p != pid}
        if table == "referrers":  # her referrals survive for the referred, unlinked from her
            assert others_after == others_before
            continue
        assert others_after == others_before, f"{table}: another person's rows changed"
        if table != "referrals":
            assert receipt["tables"].get(table, 0) == cnt[pid], table
            assert totals_before[table] - totals_after[table] == cnt[pid], table
    assert before["cases"][pid] > 0 and before["social"][pid] > 0  # reached every table
    # the people she referred keep their referral row, with her side cleared
    n_referred = before["referrers"][pid]
    assert n_referred == who.n_referred and receipt["unlinked"]["referrals"] == n_referred
    assert ref.referrer_id.isna().sum() == n_referred
    # derived tables: her customer is gone, every other customer's rows are untouched
    for name, cnt in derived_before.items():
        assert not set(derived_after[name]) & their_cid, name
        assert {c: n for c, n in cnt.items() if c not in their_cid} == derived_after[name], name
    assert receipt["files"]["demo-data/orders.csv"] == before["orders"][pid]
    assert receipt["report_rebuilt"] == "report.html"
    for cid in their_cid:
        assert cid not in (demo / "report.html").read_text()
    # and asking again: nothing is held, and the answer says it was erased
    from idic.errors import NotFoundError

    with Workspace.open(demo) as ws, pytest.raises(NotFoundError) as err:
        export_subject(ws, email=who.email)
    assert receipt["request_id"] in (err.value.hint or "")
