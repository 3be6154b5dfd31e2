"""Tests of the demo-data generator: determinism, canonical shape, truth, traps, known processes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from idic.datasets import demo
from idic.datasets.demo import FILES, generate, load_truth
from idic.datasets.demo_orders import simulate_bgnbd
from idic.datasets.demo_people import BGNBD, GAMMA_GAMMA, expected_repeat
from idic.datasets.demo_util import rng_for
from idic.schema.tables import CHANNELS, CREATORS, SENTIMENTS, STAGES, TABLES

N = 20_000
AS_OF = pd.Timestamp("2026-06-30T23:59:59Z")
START = pd.Timestamp("2024-07-01T00:00:00Z")


def _read(out: Path, kind: str) -> pd.DataFrame:
    path = out / FILES[kind]
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo")
    steps: list[tuple[str, float]] = []
    manifest = generate(out, customers=N, seed=42, progress=lambda s, f: steps.append((s, f)))
    data = {kind: _read(out, kind) for kind in FILES}
    return {
        "out": out,
        "manifest": manifest,
        "data": data,
        "truth": load_truth(out),
        "steps": steps,
    }


def _files_bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_different_seed_differs(tmp_path: Path) -> None:
    a, b, c = (
        generate(tmp_path / name, customers=1_500, seed=s)
        for name, s in (("a", 7), ("b", 7), ("c", 8))
    )
    fa, fb, fc = (_files_bytes(Path(m.out_dir)) for m in (a, b, c))
    assert fa.keys() == fb.keys() == fc.keys()
    assert fa == fb
    assert fa["identities.csv"] != fc["identities.csv"]
    assert fa["events.parquet"] != fc["events.parquet"]


def test_several_event_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "EVENT_CHUNK", 400)
    m = generate(tmp_path, customers=1_000, seed=3)
    ev = pq.read_table(tmp_path / FILES["events"]).to_pandas()
    assert len(ev) == m.counts["events"]
    assert ev["message_id"].is_unique
    assert set(ev["user_id"].dropna().str[:2]) >= {"W-", "S-", "E-"}


def test_rejects_no_customers(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, customers=0)


def test_manifest_and_counts(world: dict[str, Any]) -> None:
    out, data = world["out"], world["data"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["customers"] == N
    assert manifest["as_of"] == "2026-06-30T23:59:59Z"
    assert manifest["files"] == FILES
    # every canonical table has a demo file (accounts in the B2B slice)
    assert set(manifest["files"]) | (set(manifest["b2b"]["files"]) - {"segment"}) == set(TABLES)
    for kind, df in data.items():
        assert manifest["counts"][kind] == len(df) > 0, kind
    assert 40 * N <= len(data["events"]) <= 70 * N
    assert 1.5 * N <= len(data["identities"]) <= 2.5 * N
    assert 3 * N <= len(data["orders"]) <= 5 * N
    steps = world["steps"]
    assert steps[-1] == ("done", 1.0)
    assert all(b[1] >= a[1] for a, b in itertools.pairwise(steps))


def test_columns_are_canonical(world: dict[str, Any]) -> None:
    for kind, df in world["data"].items():
        spec = TABLES[kind]
        assert set(df.columns) <= set(spec.names), kind
        assert set(spec.required) <= set(df.columns), kind
        assert not df[spec.required].isna().any().any(), kind
        assert not df.duplicated(list(spec.key)).any(), kind


def test_enums_and_json(world: dict[str, Any]) -> None:
    ev = world["data"]["events"]
    for col, values in (
        ("stage", STAGES),
        ("creator", CREATORS),
        ("sentiment", SENTIMENTS),
        ("channel", CHANNELS),
    ):
        assert set(ev[col].dropna()) <= set(values), col
    assert ev["message_id"].is_unique
    unlabelled = ev.loc[ev["type"] == "track", "stage"].isna().mean()
    assert 0.08 < unlabelled < 0.25
    for text in ev["properties"].sample(2_000, random_state=0):
        assert isinstance(json.loads(text), dict)
    orders = world["data"]["orders"]
    for text in orders["items"].sample(2_000, random_state=0):
        items = json.loads(text)
        assert items and {"sku", "category", "qty", "price"} <= set(items[0])
    assert set(orders["currency"]) == {"EUR", "GBP"}
    assert set(orders["channel"]) == {"web", "app", "store"}
    assert 0.6 < orders["margin"].notna().mean() < 0.8


def test_timestamps_within_history(world: dict[str, Any]) -> None:
    for kind, df in world["data"].items():
        for col in TABLES[kind].columns:
            if col.type != "timestamp" or col.name not in df:
                continue
            ts = pd.to_datetime(df[col.name], utc=True).dropna()
            assert ts.max() <= AS_OF, (kind, col.name)
            if kind != "identities":
                assert ts.min() >= START, (kind, col.name)


def test_truth_is_consistent(world: dict[str, Any]) -> None:
    truth, data = world["truth"], world["data"]
    persons, it = truth["persons"], truth["identity_truth"]
    assert len(persons) == N and persons["person_id"].is_unique
    ids = data["identities"][["source", "source_record_id"]]
    assert len(it) == len(ids)
    merged = ids.merge(it, on=["source", "source_record_id"], how="left", validate="one_to_one")
    assert merged["person_id"].notna().all()
    assert set(it["person_id"]) == set(persons["person_id"])
    n_src = it.groupby("person_id")["source"].nunique()
    assert n_src.between(1, 4).all()
    sells = it[it["source"].isin(["web", "store"])].groupby("person_id").size()
    assert len(sells) == N
    orders = data["orders"].merge(
        it,
        left_on=["source", "source_customer_id"],
        right_on=["source", "source_record_id"],
        how="left",
    )
    assert orders["person_id"].notna().all()
    per_person = orders.groupby("person_id").size().reindex(persons["person_id"], fill_value=0)
    assert (per_person.to_numpy() == persons["n_orders"].to_numpy()).all()
    assert (persons["n_orders"] == persons["x_repeat"] + 1).all()
    assert set(truth["params"]) >= {
        "bgnbd",
        "gamma_gamma",
        "pain_points",
        "moments_of_truth",
        "traps",
    }


def test_traps_exist(world: dict[str, Any]) -> None:
    idn = world["data"]["identities"].merge(
        world["truth"]["identity_truth"], on=["source", "source_record_id"]
    )
    params = world["truth"]["params"]
    email = idn["email"].str.strip().str.lower()
    persons_per_email = (
        idn.assign(email=email).dropna(subset=["email"]).groupby("email")["person_id"].nunique()
    )
    family = params["traps"]["family_emails"]
    assert family
    assert (persons_per_email.reindex(family) >= 2).all()
    # one household: different first names, (mostly) the same last name, the same address
    persons = world["truth"]["persons"]
    households = persons[persons["family_email"].isin(family)].groupby("family_email")
    assert (households["first_name"].nunique() >= 2).mean() > 0.8
    assert (households["last_name"].nunique() == 1).mean() > 0.6
    assert (households["address"].nunique() == 1).all()
    generic = params["traps"]["generic_phones"]
    store = idn[idn["source"] == "store"]
    for typed in generic:
        users = store.loc[store["phone"] == typed, "person_id"].nunique()
        assert users >= 20, typed


def test_messy_identifiers(world: dict[str, Any]) -> None:
    idn = world["data"]["identities"]
    emails = idn["email"].dropna()
    assert (emails != emails.str.strip()).any()
    assert (emails.str.strip() != emails.str.strip().str.lower()).any()
    phones = idn["phone"].dropna()
    assert phones.str.startswith("+44 ").any() and phones.str.startswith("07").any()
    assert set(idn["country"].dropna()) >= {"GB", "FR", "DE", "US"}
    persons = world["truth"]["persons"].set_index("person_id")
    web = idn[idn["source"] == "web"].merge(
        world["truth"]["identity_truth"], on=["source", "source_record_id"]
    )
    true_first = persons.loc[web["person_id"], "first_name"].to_numpy()
    differs = (web["first_name"].fillna("").to_numpy() != true_first).mean()
    assert 0.03 < differs < 0.3  # nicknames, typos, swaps, missing
    assert world["truth"]["persons"]["moved"].mean() > 0.03
    assert world["truth"]["persons"]["phone_e164"].is_unique
    assert world["truth"]["persons"]["email"].is_unique


def test_anonymous_cookie_then_identify(world: dict[str, Any]) -> None:
    ev = world["data"]["events"]
    ident = ev[ev["type"] == "identify"]
    assert ident["user_id"].notna().all() and ident["anonymous_id"].notna().all()
    first_ident = ident.groupby("anonymous_id")["timestamp"].min()
    anon_only = ev[ev["user_id"].isna() & ev["anonymous_id"].isin(first_ident.index)]
    earlier = (
        anon_only["timestamp"].to_numpy() < first_ident.loc[anon_only["anonymous_id"]].to_numpy()
    )
    assert earlier.all() and len(anon_only) > 1_000
    # store-only customers browse with cookies that no identity record knows
    known = set(world["data"]["identities"]["cookie_id"].dropna())
    web_anon = set(ev.loc[ev["source"] == "web", "anonymous_id"].dropna())
    strangers = web_anon - known
    assert strangers and all(len(c) == len("ck-") + 10 for c in strangers)


def test_order_completed_event_per_web_order(world: dict[str, Any]) -> None:
    ev, orders = world["data"]["events"], world["data"]["orders"]
    done = ev[(ev["event"] == "Order Completed") & (ev["source"].isin(["web", "app"]))]
    oid = done["properties"].str.extract(r'"order_id":"([^"]+)"')[0]
    web = orders[orders["source"] == "web"].set_index("order_id")
    assert set(oid) == set(web.index)
    t_event = done["timestamp"].to_numpy()
    t_order = pd.to_datetime(web.loc[oid, "ordered_at"], utc=True).to_numpy()
    assert (t_event == t_order).all()


def test_bgnbd_repeat_purchases_match_expectation(world: dict[str, Any]) -> None:
    """Mean repeat purchases vs E[X(T)] (Fader, Hardie & Lee 2005, eq. 9) for the true parameters."""
    persons = world["truth"]["persons"]
    assert world["truth"]["params"]["bgnbd"] == BGNBD
    expected = expected_repeat(persons["T_weeks"].to_numpy()).mean()
    observed = persons["x_repeat"].mean()
    assert observed == pytest.approx(expected, rel=0.04)
    # and the sampler itself, on many draws
    n = 300_000
    rng = rng_for(11, 0)
    lam = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], n)
    p = rng.beta(BGNBD["a"], BGNBD["b"], n)
    t = rng.uniform(0, 104, n)
    draw = simulate_bgnbd(rng, lam, p, t)
    assert draw.x.mean() == pytest.approx(expected_repeat(t).mean(), rel=0.015)
    assert (draw.offsets_w <= t[draw.owner]).all()


def test_gamma_gamma_spend_matches_expectation(world: dict[str, Any]) -> None:
    gg, params = GAMMA_GAMMA, world["truth"]["params"]
    expected = gg["p"] * gg["v"] / (gg["q"] - 1)
    assert params["gamma_gamma_mean_spend_eur"] == expected
    orders = world["data"]["orders"]
    amount = orders["amount"].astype(float)
    eur = np.where(orders["currency"] == "GBP", amount / params["gbp_per_eur"], amount)
    assert eur.mean() == pytest.approx(expected, rel=0.03)
    assert world["truth"]["persons"]["mean_spend"].mean() == pytest.approx(expected, rel=0.03)


def test_planted_effects(world: dict[str, Any]) -> None:
    params = world["truth"]["params"]
    err = params["pain_points"]["Checkout Error"]
    assert err["conversion_with"] < 0.5 * err["conversion_without"]
    chat = params["moments_of_truth"]["Live Chat Resolved"]
    assert chat["conversion_with"] > chat["conversion_without"] + 0.1
    delay = params["pain_points"]["Delivery Delayed"]
    assert delay["dropout_after_delayed_order"] > 3 * delay["dropout_after_other_order"]
    ev = world["data"]["events"]
    assert (ev["event"] == "Delivery Delayed").sum() == pytest.approx(
        world["truth"]["persons"]["delivery_delays"].sum(), rel=0.05
    )


def test_voice_follows_experience(world: dict[str, Any]) -> None:
    data, truth = world["data"], world["truth"]
    it, persons = truth["identity_truth"], truth["persons"].set_index("person_id")
    s = data["survey_responses"].merge(
        it, left_on=["source", "source_customer_id"], right_on=["source", "source_record_id"]
    )
    nps = s[s["survey"] == "nps"].assign(score=lambda d: d["score"].astype(float))
    pained = persons.loc[nps["person_id"], "delivery_delays"].to_numpy() > 0
    detractor = nps["score"].to_numpy() <= 6
    assert detractor[pained].mean() > 2 * detractor[~pained].mean()
    wallet = s[s["survey"] == "wallet"]
    assert 0.25 < len(wallet) / N < 0.35
    stated = wallet["category_spend"].astype(float).to_numpy()
    assert np.allclose(
        stated, persons.loc[wallet["person_id"], "wallet_annual"].to_numpy(), atol=0.01
    )
    cases = data["cases"]
    assert (cases["topic"] == "late delivery").mean() > 0.2
    opened = pd.to_datetime(cases["opened_at"], utc=True)
    resolved = pd.to_datetime(cases["resolved_at"], utc=True)
    assert (resolved.dropna() >= opened[resolved.notna()]).all()


def test_consents_referrals_social(world: dict[str, Any]) -> None:
    data = world["data"]
    c = data["consents"]
    assert set(c["purpose"]) == {
        "email_marketing",
        "profiling",
        "personalisation",
        "third_party_sharing",
    }
    key = ["source", "source_customer_id", "purpose"]
    granted = c[c["status"] == "granted"].set_index(key)["recorded_at"]
    withdrawn = c[c["status"] == "withdrawn"].set_index(key)["recorded_at"]
    assert len(withdrawn) > 0
    assert (
        pd.to_datetime(withdrawn, utc=True)
        >= pd.to_datetime(granted.loc[withdrawn.index], utc=True)
    ).all()
    r = data["referrals"]
    assert (r["referrer_id"] != r["referred_id"]).all()
    assert (
        r["referrer_id"].str.startswith("W-").all() and r["referred_id"].str.startswith("W-").all()
    )
    assert r.groupby("referrer_id").size().max() >= 5  # heavy referrers
    so = data["social"]
    fol = so["followers"].astype(int)
    assert fol.max() > 50 * fol.median()
    persons = world["truth"]["persons"]
    bashers = set(persons.loc[persons["basher"], "social_handle"])
    neg = so["sentiment"] == "negative"
    by_basher = so["social_handle"].isin(bashers)
    assert neg[by_basher].mean() > 3 * neg[~by_basher].mean()
