"""The demo-data generator: an omnichannel retailer with ground truth.

``generate(out_dir)`` writes the canonical source files (``identities.csv``, ``orders.csv``,
``events.parquet``, ``surveys.csv``, ``cases.csv``, ``consents.csv``, ``referrals.csv``,
``social.csv``), the ground truth (``truth/identity_truth.parquet``, ``truth/persons.parquet``,
``truth/params.json``) and ``manifest.json``. Same seed, same bytes. Purchases follow a BG/NBD
process and spend the Gamma-Gamma model with known parameters (see :mod:`demo_people`);
identities are messy with traps (see :mod:`demo_identities`); journeys carry planted pain points
and moments of truth (see :mod:`demo_journeys`). See ``docs/demo-data.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from idic.datasets import demo_b2b as db
from idic.datasets import demo_checkout as dc
from idic.datasets import demo_identities as di
from idic.datasets import demo_journeys as dj
from idic.datasets import demo_network as dn
from idic.datasets import demo_orders as do
from idic.datasets import demo_people as dp
from idic.datasets import demo_pressure as dp_
from idic.datasets import demo_resend as dr
from idic.datasets import demo_voice as dv
from idic.datasets import demo_winback as dw
from idic.datasets.demo_events_table import assemble
from idic.datasets.demo_truth import params_dict, persons_table
from idic.datasets.demo_util import AS_OF, AS_OF_S, DAY_S, START, WEEK_S, rng_for

FILES: dict[str, str] = {
    "identities": "identities.csv",
    "orders": "orders.csv",
    "events": "events.parquet",
    "survey_responses": "surveys.csv",
    "cases": "cases.csv",
    "consents": "consents.csv",
    "referrals": "referrals.csv",
    "social": "social.csv",
}
TRUTH_FILES = {
    "identity_truth": "truth/identity_truth.parquet",
    "persons": "truth/persons.parquet",
    "params": "truth/params.json",
    "delayed_orders": "truth/delayed_orders.parquet",
    "comment_drivers": "truth/comment_drivers.parquet",
}
#: Persons per events chunk (bounds memory at large scale; fixed so output never depends on it).
EVENT_CHUNK = 50_000

Progress = Callable[[str, float], None]


@dataclass
class DemoManifest:
    """What :func:`generate` wrote."""

    seed: int
    customers: int
    as_of: str
    out_dir: str
    files: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    #: the tills' late re-send of orders (loaded after ``files``) and its expected outcome
    resend: dict[str, Any] = field(default_factory=dict)
    #: the B2B slice (loaded after ``resend``): files, truth files, counts, free-mail domains
    b2b: dict[str, Any] = field(default_factory=dict)
    #: contact pressure (loaded after ``b2b``): newsletter sends, opt-outs, withdrawals
    pressure: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, str] = field(default_factory=lambda: dict(TRUTH_FILES))


def _write_csv(table: pa.Table, path: Path) -> None:
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed", batch_size=65536))


def _span(t: np.ndarray, person: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    np.minimum.at(first, person, t)
    np.maximum.at(last, person, t)
    first[first == np.iinfo(np.int64).max] = -1
    return first, last


def generate(
    out_dir: Path | str, customers: int = 20_000, seed: int = 42, progress: Progress | None = None
) -> DemoManifest:
    """Generate the demo world for ``customers`` true persons into ``out_dir``.

    Deterministic: the same ``seed`` and ``customers`` give byte-identical files.
    ``progress(step, fraction)`` is called as the work advances (fraction in [0, 1]).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _step, _frac: None)
    n = int(customers)

    report("people", 0.0)
    people = dp.make_people(rng_for(seed, 1), n)
    member = di.assign_sources(rng_for(seed, 2), people)
    draw = do.simulate_bgnbd(
        rng_for(seed, 3), people.lam, people.p, people.T_weeks, people.acquired_s
    )
    report("orders", 0.1)
    orders = do.make_orders(
        rng_for(seed, 4), people, member["web"], member["store"], draw, member["device"]
    )
    fw, lw = _span(orders.t[orders.web], orders.person[orders.web], n)
    fs, ls = _span(orders.t[~orders.web], orders.person[~orders.web], n)
    report("identities", 0.2)
    ids = di.build_identities(rng_for(seed, 5), people, member, fw, lw, fs, ls)
    web_created = ids.first_seen["web"]
    report("voice", 0.3)
    cases, case_ev, n_cases, bad_case, case_order = dv.make_cases(
        rng_for(seed, 6), people, orders, member, ids.rid, draw.churn_s
    )
    surveys, attitude, comment_driver = dv.make_surveys(
        rng_for(seed, 7), people, orders, member, ids.rid, cases, bad_case
    )
    consents, unsub_ev, unsub = dn.make_consents(
        rng_for(seed, 8), people, member, ids.rid, ids.first_seen
    )
    referrals, referred_by, propensity = dn.make_referrals(
        rng_for(seed, 9), people, member, ids.rid, web_created
    )
    delays = np.bincount(orders.person[orders.delayed], minlength=n)
    social, like_ev, basher, followers = dn.make_social(
        rng_for(seed, 10), people, member, ids.first_seen, (delays > 0) | bad_case
    )
    counts: dict[str, int] = {}
    for kind, table in (
        ("identities", ids.table),
        ("orders", do.orders_table(orders, ids.rid["web"], ids.rid["store"])),
        ("survey_responses", surveys),
        ("cases", cases),
        ("consents", consents),
        ("referrals", referrals),
        ("social", social),
    ):
        _write_csv(table, out / FILES[kind])
        counts[kind] = table.num_rows
    resend, resend_expected = dr.make_resend(rng_for(seed, 11), out / FILES["orders"], n)
    _write_csv(resend, out / dr.FILE)

    report("events", 0.4)
    singles = dj.EventBatch.concat([case_ev, unsub_ev, like_ev])
    stats: dict[str, int] = {}
    n_events = 0
    writer: pq.ParquetWriter | None = None
    n_chunks = max(1, -(-n // EVENT_CHUNK))
    for c in range(n_chunks):
        lo, hi = c * EVENT_CHUNK, min(n, (c + 1) * EVENT_CHUNK)
        batch, st = _events_chunk(
            rng_for(seed, 100, c), people, member, ids, draw, orders, unsub, singles, lo, hi
        )
        for key, v in st.items():
            stats[key] = stats.get(key, 0) + v
        table = assemble(
            rng_for(seed, 200, c),
            batch,
            n_events,
            {s: a.slice(lo, hi - lo) for s, a in ids.rid.items()},
            web_created[lo:hi],
            ids.cookie.slice(lo, hi - lo),
            ids.device.slice(lo, hi - lo),
            orders.order_id,
            orders.cents,
            orders.gbp,
            lo,
        )
        if writer is None:
            writer = pq.ParquetWriter(out / FILES["events"], table.schema, compression="zstd")
        writer.write_table(table, row_group_size=1_000_000)
        n_events += table.num_rows
        report("events", 0.4 + 0.5 * (c + 1) / n_chunks)
    assert writer is not None
    writer.close()
    counts["events"] = n_events

    report("truth", 0.9)
    pq.write_table(ids.truth, out / TRUTH_FILES["identity_truth"], compression="zstd")
    persons = persons_table(
        people,
        member,
        draw,
        orders,
        ids,
        referred_by,
        propensity,
        n_cases,
        bad_case,
        delays,
        basher,
        followers,
        attitude,
        unsub,
    )
    pq.write_table(persons, out / TRUTH_FILES["persons"], compression="zstd")
    params = params_dict(seed, n, ids, orders, stats)
    params["resend"] = resend_expected
    params["voice"] = dv.voice_truth()
    pq.write_table(
        dv.delayed_orders_truth(orders, cases, case_order, persons.column("person_id")),
        out / TRUTH_FILES["delayed_orders"],
        compression="zstd",
    )
    pq.write_table(
        pa.table({"response_id": surveys.column("response_id"), "driver": comment_driver}),
        out / TRUTH_FILES["comment_drivers"],
        compression="zstd",
    )
    (out / TRUTH_FILES["params"]).write_text(json.dumps(params, indent=2, sort_keys=True) + "\n")
    # the B2B slice reads the files above and draws from its own stream: they stay unchanged
    b2b = db.make_b2b(rng_for(seed, 12), out, n)
    # contact pressure: its own stream, new files only, planted effect into params.json
    sends, optouts, pressure = dp_.make_pressure(
        rng_for(seed, dp_.STREAM), member, ids.rid, ids.first_seen, unsub,
        pq.read_schema(out / FILES["events"]))
    pq.write_table(sends, out / dp_.EVENTS_FILE, compression="zstd")
    _write_csv(optouts, out / dp_.CONSENTS_FILE)
    params["contact_pressure"] = pressure
    # a randomised win-back campaign: its own stream, one new file, uplifts into params.json
    winback, params["winback_campaign"] = dw.make_winback(
        rng_for(seed, dw.STREAM), people.segment, people.wallet, draw.churned,
        list(dp.SEGMENTS), ids.rid)
    _write_csv(winback, out / dw.FILE)
    # a checkout A/B test: its own stream, one new file, planted lift into params.json
    checkout, params["checkout_test"] = dc.make_checkout(
        rng_for(seed, dc.STREAM), member["web"], ids.rid["web"], people.lam, people.nu,
        people.acquired_s, draw.churn_s)
    _write_csv(checkout, out / dc.FILE)
    (out / TRUTH_FILES["params"]).write_text(json.dumps(params, indent=2, sort_keys=True) + "\n")
    manifest = DemoManifest(
        seed=seed,
        customers=n,
        as_of=str(AS_OF) + "Z",
        out_dir=str(out),
        files=dict(FILES),
        counts=counts,
        resend=resend_expected,
        b2b=b2b,
        pressure={"files": dict(pressure["files"]),
                  "counts": {"events": sends.num_rows, "consents": optouts.num_rows}},
    )
    data = asdict(manifest)
    data.pop("out_dir")
    (out / "manifest.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    report("done", 1.0)
    return manifest


def _events_chunk(
    rng: np.random.Generator,
    people: dp.People,
    member: dict[str, np.ndarray],
    ids: di.Identities,
    draw: do.BgnbdDraw,
    orders: do.Orders,
    unsub: np.ndarray,
    singles: dj.EventBatch,
    lo: int,
    hi: int,
) -> tuple[dj.EventBatch, dict[str, int]]:
    """All events of persons ``lo <= person < hi``."""
    persons = np.arange(lo, hi)
    web_created = ids.first_seen["web"]
    in_chunk = (orders.person >= lo) & (orders.person < hi)
    wo = np.flatnonzero(in_chunk & orders.web)
    so = np.flatnonzero(in_chunk & ~orders.web)
    has_dev = member["device"]
    sess, stats = dj.web_sessions(
        rng,
        persons,
        people.lam[lo:hi],
        people.acquired_s[lo:hi],
        draw.churn_s[lo:hi],
        people.cat_prefs[lo:hi],
        has_dev[lo:hi],
        web_created[lo:hi],
        wo,
        orders.person[wo] - lo,
        orders.t[wo],
        orders.first_cat[wo],
        orders.first_sku[wo],
        orders.delayed[wo],
        orders.app[wo],
    )
    parts = [sess]
    # Store purchases: a visit and the completed order.
    parts.append(
        dj.singles(
            orders.person[so],
            orders.t[so] - (5 + rng.random(so.size) * 40).astype(np.int64) * 60,
            "Store Visit",
            "store",
        )
    )
    parts.append(dj.singles(orders.person[so], orders.t[so], "Order Completed", "store", order=so))
    st = persons[member["store"][lo:hi]]
    end = np.where(
        draw.churn_s[st] >= 0, np.minimum(draw.churn_s[st] + 30 * DAY_S, AS_OF_S), AS_OF_S
    )
    nv = rng.poisson(0.015 * (end - people.acquired_s[st]) / WEEK_S)
    vp = np.repeat(st, nv)
    span = (end - people.acquired_s[st])[np.repeat(np.arange(st.size), nv)]
    vt = people.acquired_s[vp] + (rng.random(vp.size) * span).astype(np.int64)
    parts.append(dj.singles(vp, vt, "Store Visit", "store"))
    # Identify calls at web account creation.
    wp = persons[member["web"][lo:hi]]
    parts.append(dj.singles(wp, web_created[wp], "identify", "web"))
    # Marketing e-mails: opens and clicks between subscription and unsubscription.
    ep = persons[member["email_list"][lo:hi]]
    e_lo = np.maximum(ids.first_seen["email_list"][ep], START.astype(np.int64))
    e_hi = np.where(unsub[ep] >= 0, unsub[ep], AS_OF_S)
    rate = rng.gamma(1.2, 0.15, ep.size)
    ne = rng.poisson(rate * np.maximum(e_hi - e_lo, 0) / WEEK_S)
    op = np.repeat(np.arange(ep.size), ne)
    ot = e_lo[op] + (rng.random(op.size) * (e_hi - e_lo)[op]).astype(np.int64)
    parts.append(dj.singles(ep[op], ot, "Email Opened", "email"))
    click = rng.random(op.size) < 0.25
    parts.append(
        dj.singles(
            ep[op[click]],
            ot[click] + (60 + rng.random(int(click.sum())) * 1800).astype(np.int64),
            "Email Clicked",
            "email",
        )
    )
    mine = (singles.person >= lo) & (singles.person < hi)
    parts.append(
        dj.EventBatch(
            *[
                getattr(singles, f)[mine]
                for f in ("person", "t", "code", "src", "order", "cat", "extra")
            ]
        )
    )
    return dj.EventBatch.concat(parts), stats


def load_truth(out_dir: Path | str) -> dict[str, Any]:
    """The ground truth of a generated demo: ``identity_truth`` and ``persons`` (pandas
    DataFrames), ``params`` (dict) and ``manifest`` (dict); with the B2B slice also
    ``accounts`` and ``account_contacts`` (DataFrames)."""
    out = Path(out_dir)
    b2b = {k: pq.read_table(out / f).to_pandas() for k, f in db.TRUTH.items()
           if (out / f).exists()}
    return {
        **b2b,
        "identity_truth": pq.read_table(out / TRUTH_FILES["identity_truth"]).to_pandas(),
        "persons": pq.read_table(out / TRUTH_FILES["persons"]).to_pandas(),
        "params": json.loads((out / TRUTH_FILES["params"]).read_text()),
        "manifest": json.loads((out / "manifest.json").read_text()),
    }


__all__ = ["AS_OF", "FILES", "START", "DemoManifest", "generate", "load_truth"]
