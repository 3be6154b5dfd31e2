"""The network stage on the 1,000-customer demo: referral counts, referral value, roles,
bashers and migration against the generator's ground truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from idic.cli.main import app
from idic.differentiate.roles.assign import migration
from idic.differentiate.roles.rules import load_rules, parse_rules
from idic.interact.network import stage
from idic.interact.network.bashers import customer_person
from idic.interact.network.metrics import load_config
from idic.interact.network.value import referral_value
from idic.workspace import Workspace


@pytest.fixture(scope="module")
def demo(small_demo: Path):
    ws = Workspace.open(small_demo)
    try:
        truth = small_demo / "demo-data" / "truth"
        data = {
            "metrics": ws.table("network_metrics").to_pyarrow().to_pandas(),
            "roles": ws.table("customer_roles").to_pyarrow().to_pandas(),
            "clv": ws.table("clv").to_pyarrow().to_pandas(),
            "id_map": ws.table("identity_map").to_pyarrow().to_pandas(),
            "persons": pq.read_table(truth / "persons.parquet").to_pandas(),
            "ids": pq.read_table(truth / "identity_truth.parquet").to_pandas(),
            "params": json.loads((truth / "params.json").read_text()),
        }
        data["person"] = customer_person(data["id_map"], data["ids"])
        yield data
    finally:
        ws.close()


def test_referral_counts_equal_truth_up_to_identify_errors(demo) -> None:
    m = demo["metrics"]
    persons = demo["persons"].set_index("person_id")
    m = m.assign(person=m["customer_id"].map(demo["person"]))
    m["true_n"] = m["person"].map(persons["n_referred"]).fillna(0).astype(int)
    differ = m[m["referrals"] != m["true_n"]]
    # 74 referrals by the 1,000 persons; identify merged 2 records wrongly out of 2,024
    assert int(m["referrals"].sum()) == int(persons["n_referred"].sum()) == 74
    assert len(differ) == 0, differ[["customer_id", "referrals", "true_n"]]
    assert int(m["referrals"].max()) == int(persons["n_referred"].max())


def test_referral_value_of_top_referrers_recomputed_from_truth(demo) -> None:
    """CRV of the top referrers from the true referral links, the clv table and the stated
    assumptions (Kumar, Petersen & Leone 2007)."""
    m, persons = demo["metrics"], demo["persons"]
    cfg = load_config()["referral_value"]
    to_customer = {p: c for c, p in demo["person"].items()}
    clv = dict(zip(demo["clv"]["customer_id"], demo["clv"]["lifetime_value"], strict=True))
    top = m.sort_values("referral_value", ascending=False).head(5)
    for _, row in top.iterrows():
        pid = demo["person"][row["customer_id"]]
        kids = persons.loc[persons["referred_by"] == pid, "person_id"]
        values = np.array([clv.get(to_customer.get(k), 0.0) for k in kids])
        expected = referral_value(np.array([len(kids)]), np.array([values.sum()]), cfg)[0]
        assert row["referral_value"] == pytest.approx(expected, rel=1e-9)
    # value is not volume: the top referrer by count is not the top by value
    by_count = m.sort_values(["referrals", "referral_value"], ascending=False).iloc[0]
    assert top.iloc[0]["customer_id"] != by_count["customer_id"]
    assert top.iloc[0]["referrals"] < by_count["referrals"]


def test_contract_columns_and_pagerank_sum(demo) -> None:
    m, r = demo["metrics"], demo["roles"]
    for c in ("customer_id", "pagerank", "referrals", "referral_value", "in_degree",
              "out_degree", "referral_depth", "descendants", "reach", "engagement_rate",
              "mentions", "share_of_voice", "mention_sentiment", "influencer_value",
              "knowledge_value"):
        assert c in m.columns
    assert m["customer_id"].is_unique
    assert 0 < m["pagerank"].sum() <= 1.0  # the rest sits on external nodes
    assert {"customer_id", "role", "evidence", "indicators"} <= set(r.columns)
    # referrers rank above the rest
    assert m.loc[m["referrals"] > 0, "pagerank"].min() > m.loc[
        (m["referrals"] == 0) & (m["mentioned_by"] == 0), "pagerank"].median()
    # descendants >= direct referrals, chain depth >= 1 for every referrer
    assert (m["descendants"] >= m["referrals"]).all()
    assert (m.loc[m["referrals"] > 0, "referral_depth"] >= 1).all()


def test_several_roles_per_person_with_kpis(demo) -> None:
    r = demo["roles"]
    per = r.groupby("customer_id")["role"].nunique()
    assert per.max() >= 4
    assert set(r["role"]) >= {"consumer", "customer", "user", "influencer", "fan",
                              "ambassador", "basher"}
    amb = r[r["role"] == "ambassador"].iloc[0]
    assert "referrals" in json.loads(amb["indicators"])
    b = r[r["role"] == "basher"]
    assert all("negative_share" in json.loads(x) for x in b["indicators"])


def test_bashers_match_planted_ones(demo) -> None:
    m, r, persons = demo["metrics"], demo["roles"], demo["persons"]
    bashers = set(r.loc[r["role"] == "basher", "customer_id"])
    planted = set(persons.loc[persons["basher"], "person_id"])
    true = m["customer_id"].map(demo["person"]).isin(planted)
    observable = true & (m["mentions"] >= 3)
    det = m["customer_id"].isin(bashers)
    assert (det & true).sum() / det.sum() >= 0.87
    assert (det & observable).sum() / observable.sum() >= 0.92


def test_planted_basher_shares_in_truth_params(demo) -> None:
    b = demo["params"]["bashers"]
    assert (b["basher_share"], b["basher_share_after_pain_point"]) == (0.06, 0.30)


def test_role_migration_between_two_dates(small_demo: Path, demo) -> None:
    ws = Workspace.open(small_demo)
    try:
        before = stage.features(ws, "2025-06-30")["metrics"]
        after = stage.features(ws, None)["metrics"]
        roles = parse_rules(load_rules(), set(after.columns))
    finally:
        ws.close()
    mig = migration(before, after, roles).set_index(["from_role", "to_role"])
    held = demo["roles"]["role"].value_counts()
    for role in ("customer", "ambassador", "basher"):
        row = mig.loc[(role, role)]
        assert row["customers_after"] == held[role]
        assert row["customers_before"] <= row["customers_after"] + row["lost"]
        assert row["customers_before"] + row["gained"] - row["lost"] == row["customers_after"]
    assert mig.loc[("customer", "customer"), "gained"] > 0  # customers acquired in a year


def test_cli_run_custom_role_and_export(small_demo: Path, tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    shutil.copytree(small_demo, ws_dir)
    (ws_dir / "roles.json").write_text(json.dumps({"roles": {"subscriber": {
        "description": "reads the newsletter", "when": [["channels >= 4"]],
        "kpis": ["channels"]}}}))
    runner = CliRunner()
    res = runner.invoke(app, ["network", "run", "--workspace", str(ws_dir), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["roles"]["subscriber"] > 0
    assert summary["top_referrers"]["same_top"] is False
    for table, cols in (("network_metrics", "customer_id,pagerank,referrals,referral_value"),
                        ("customer_roles", "customer_id,role")):
        out = tmp_path / f"{table}.csv"
        res = runner.invoke(app, ["export", table, "--workspace", str(ws_dir), "-o", str(out)])
        assert res.exit_code == 0, res.output
        df = pd.read_csv(out)
        assert set(cols.split(",")) <= set(df.columns)
    (ws_dir / "roles.json").write_text('{"roles": {"x": {"when": [["nope >= 1"]]}}}')
    res = runner.invoke(app, ["network", "run", "--workspace", str(ws_dir), "--json"])
    assert res.exit_code == 2 and "unknown indicator 'nope'" in res.output
