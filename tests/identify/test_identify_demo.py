"""Identify on the demo data (generator with ground truth): traps and quality."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from idic.identify.quality import evaluate_workspace
from idic.identify.stage import run
from idic.workspace import Workspace

demo = pytest.importorskip("idic.datasets.demo")


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    demo.generate(out / "data", customers=1500, seed=11)
    ws = Workspace.init(out / "ws")
    ws.ingest("identities", out / "data" / "identities.csv")
    ws.ingest("events", out / "data" / "events.parquet")
    summary = run(ws)
    truth = pq.read_table(out / "data" / "truth" / "identity_truth.parquet").select(
        ["source", "source_record_id", "person_id"])
    yield ws, truth, summary, out / "data"
    ws.close()


def test_family_email_and_generic_phone_do_not_merge_strangers(demo_ws) -> None:
    from idic.datasets.demo_identities import GENERIC_PHONES

    ws, truth, summary, data = demo_ws
    persons = pq.read_table(data / "truth" / "persons.parquet", columns=["family_email"])
    family = {e for e in persons.column("family_email").to_pylist() if e}
    traps = family | set(GENERIC_PHONES.values())
    ident = ws.table("identities").execute()
    m = ws.table("identity_map").execute()
    t = truth.to_pandas()
    df = ident.merge(m, on=["source", "source_record_id"]).merge(t, on=["source", "source_record_id"])
    df["email"] = df.email.str.strip().str.lower()
    pairs = strangers = 0
    for col in ("email", "phone"):
        sub = df[df[col].isin(traps)]
        for _, g in sub.groupby(col):
            rows = g[["person_id", "customer_id"]].to_records(index=False).tolist()
            for i in range(len(rows)):
                for j in range(i + 1, len(rows)):
                    if rows[i][0] != rows[j][0]:
                        pairs += 1
                        strangers += rows[i][1] == rows[j][1]
    assert pairs > 20  # the traps are there
    assert strangers / pairs <= 0.02, (strangers, pairs)
    sn = ws.table("identity_supernodes").execute()
    assert set(GENERIC_PHONES.values()) <= set(sn.id_value)
    assert summary["supernodes"] >= len(GENERIC_PHONES)


def test_demo_precision(demo_ws) -> None:
    ws, truth, _, _ = demo_ws
    q = evaluate_workspace(ws.engine, truth)
    print("demo", q)
    assert q["precision"] >= 0.95


def test_demo_f1_acceptance(demo_ws) -> None:
    ws, truth, _, _ = demo_ws
    q = evaluate_workspace(ws.engine, truth)
    print("demo", q)
    assert q["f1"] >= 0.99 and q["exact_customers"] >= 0.98, q
