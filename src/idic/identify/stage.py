"""The ``identify`` stage: identities (+ identify/alias events) -> customers.

Writes ``identity_map`` (source, source_record_id, customer_id), ``identity_links`` (every
link used, with its kind and evidence), ``identity_supernodes`` (identifier values not
linked through), appends to ``identity_lineage``, and rebuilds ``customers`` (golden
records). Idempotent: a second run on the same input leaves the same tables.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis
import pyarrow as pa

from idic.identify import _backend
from idic.identify import cluster as cl
from idic.identify import incremental as inc
from idic.identify.golden import Survivorship, golden_records
from idic.identify.graph import MAX_RECORDS, identifier_edges, identifier_values, supernodes
from idic.identify.probabilistic import DEFAULT_THRESHOLD, Matcher, match_input, model_path
from idic.identify.records import latest, records
from idic.identify.training import training_pairs, write_report

if TYPE_CHECKING:
    from idic.workspace import Workspace

LINKS = "identity_links"
SUPERNODES = "identity_supernodes"
CUSTOMERS = "customers"
RECORDS = inc.RECORDS
RUN_FILE = "identify_last_run.json"
_WORK = ("_idic_latest", "_idic_records", "_idic_values", "_idic_id_edges", "_idic_prob",
         "_idic_manual", "_idic_cc_labels")


def run(ws: Workspace, *, retrain: bool = False, threshold: float = DEFAULT_THRESHOLD,
        max_records: int = MAX_RECORDS, full: bool = False,
        reason: str = "identify run") -> dict[str, Any]:
    """Resolve every identity record into a persistent customer; returns a summary dict.

    After a first run, a run updates the tables for the records that are new (not in
    ``identity_records``), re-ingested since the last run or erased: only they are scored
    by Splink, and graph, clustering, ids, lineage and golden records are recomputed only
    for the customers they touch (``incremental.py``); the result is the one a full run
    gives. ``full`` (or ``retrain``, another threshold or super-node size, new analyst
    overrides, other survivorship rules) recomputes everything.
    """
    t0 = time.perf_counter()
    phases: dict[str, float] = {}
    mark = [t0]

    def lap(phase: str) -> None:
        now_ = time.perf_counter()
        phases[phase] = round(phases.get(phase, 0.0) + now_ - mark[0], 2)
        mark[0] = now_

    engine = ws.engine
    cl.ensure_tables(engine)
    run_id, at = uuid.uuid4().hex[:12], cl.now()
    sv = Survivorship.from_settings(ws.settings)
    prev = None if full or retrain else _incremental_base(ws, threshold)
    if prev is not None and inc.eligible(engine, prev, max_records=max_records,
                                         survivorship=sv):
        res = inc.resolve(engine, ws.path, prev, threshold=threshold,
                          max_records=max_records, survivorship=sv, run_id=run_id, at=at,
                          reason=reason, lap=lap)
        trained = False
    else:
        res = _full_run(ws, prev, retrain=retrain, threshold=threshold,
                        max_records=max_records, survivorship=sv, run_id=run_id, at=at,
                        reason=reason, lap=lap)
        trained = res.pop("trained")
    n_records, n_scored = res.pop("records"), res.pop("scored_records")
    stats = res
    lk = engine.table(LINKS)
    kinds = {r["kind"]: r["n"] for r in
             engine.to_arrow(lk.group_by("kind").agg(n=lk.count())).to_pylist()}
    lap("write")
    summary = {
        "records": n_records,
        "customers": engine.count(CUSTOMERS),
        "identifier_links": int(kinds.get("identifier", 0)),
        "probabilistic_links": int(kinds.get("probabilistic", 0)),
        "manual_links": int(kinds.get("manual", 0)),
        "supernodes": engine.count(SUPERNODES),
        **stats,
        "model": str(model_path(ws.path)),
        "model_trained": trained,
        "scored_records": n_scored,
        "incremental": prev is not None,
        "threshold": threshold,
        "max_records": max_records,
        "survivorship": inc.survivorship_key(sv),
        "records_version": inc.RECORDS_VERSION,
        "run_id": run_id,
        "seconds": round(time.perf_counter() - t0, 2),
        "phase_seconds": phases,
        "at": at.isoformat(),
        "model_mtime": model_path(ws.path).stat().st_mtime if model_path(ws.path).exists()
        else None,
        "matching": matching_key(ws.path),
    }
    model_dir = model_path(ws.path).parent
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / RUN_FILE).write_text(json.dumps(summary, indent=2))
    return summary


def _full_run(ws: Workspace, prev: dict[str, Any] | None, *, retrain: bool,
              threshold: float, max_records: int, survivorship: Survivorship, run_id: str,
              at: datetime, reason: str, lap: Callable[[str], None]) -> dict[str, Any]:
    """Every table from all records (Splink scores only changed records when ``prev``
    allows: see :func:`_score_changed`)."""
    engine = ws.engine
    # the latest version of each record is read twice (match columns, golden records)
    engine.create_work_table("_idic_latest", latest(engine))
    base = engine.table("_idic_latest")
    # the prepared records are kept: an incremental run updates them (incremental.py);
    # prepared in a work table first, so that writing them to the workspace can wait for
    # the time Splink predicts (below)
    engine.create_work_table("_idic_records", records(engine, base))
    recs = engine.table("_idic_records")
    n_records = int(recs.count().execute())
    lap("records")

    will_train = retrain or not model_path(ws.path).exists()
    labels_box: Future[pa.Table | None] = Future()
    splink = _SplinkRun(engine, recs, ws.path, retrain=retrain, threshold=threshold,
                        labels=labels_box.result, full=prev is None or will_train)
    report = None
    try:
        engine.create_work_table("_idic_values", identifier_values(engine, recs))
        values = engine.table("_idic_values")
        engine.create_table(SUPERNODES, supernodes(values, recs, max_records=max_records))
        guarded = engine.table(SUPERNODES)
        # used twice (training labels, links): the guarded pairs' self-join is computed once
        engine.create_work_table("_idic_id_edges", identifier_edges(values, guarded, recs))
        id_edges = engine.table("_idic_id_edges")
        lap("graph")
        labels = None
        if will_train:
            # pairs linked by strong identifiers teach the model how one person's names
            # vary, with the pairs the guard refused on first name alone added back
            labels, report = training_pairs(engine, id_edges, values, guarded, recs)
        labels_box.set_result(labels)
        lap("graph")
        engine.create_table(RECORDS, recs)
        lap("records_write")
    except BaseException as exc:
        if not labels_box.done():
            labels_box.set_exception(exc)
        splink.abort()
        raise
    matcher = splink.wait()
    if matcher.trained and report is not None:
        write_report(model_path(ws.path), {**report, "m_from": matcher.m_from})
    lap("splink_train" if matcher.trained else "splink_load")
    if matcher.trained:
        prev = None
    if prev is None:
        engine.create_work_table("_idic_prob", splink.links)
        n_scored = n_records
    else:
        n_scored = _score_changed(engine, recs, matcher, prev, threshold)
    lap("splink_predict")
    splits, manual = cl.override_edges(engine, recs)
    engine.create_work_table("_idic_manual", manual)

    null_s, null_f = ibis.null("string"), ibis.null("float64")
    prob, man = engine.table("_idic_prob"), engine.table("_idic_manual")
    links = ibis.union(
        id_edges.select("rid_l", "rid_r", kind=ibis.literal("identifier"), id_type="id_type",
                        id_value="id_value", match_weight=null_f, match_probability=null_f),
        prob.select("rid_l", "rid_r", kind=ibis.literal("probabilistic"), id_type=null_s,
                    id_value=null_s, match_weight="match_weight",
                    match_probability="match_probability"),
        man.select("rid_l", "rid_r", kind=ibis.literal("manual"), id_type=null_s,
                   id_value=null_s, match_weight=null_f, match_probability=null_f),
    )
    with engine.transaction():
        engine.create_table(LINKS, links.mutate(run_id=ibis.literal(run_id)))
        lap("links")
        labels = cl.cluster(engine, recs, engine.table(LINKS), splits)
        lap("cluster")
        stats = cl.assign_ids(engine, labels, run_id=run_id, at=at, reason=reason,
                              splits=splits)
        lap("ids_lineage")
        engine.create_table(CUSTOMERS, golden_records(base, engine.table(cl.MAP), survivorship))
        lap("golden")
    for name in _WORK:
        _backend.drop_table(engine, name)
    return {"records": n_records, "scored_records": n_scored, "trained": matcher.trained,
            **stats}


class _SplinkRun:
    """Splink's training and prediction over all records, in a thread of its own when the
    engine is DuckDB.

    On DuckDB, Splink works in a private in-memory database on an Arrow copy of the
    records (``_backend.py``), so it shares nothing with the workspace connection: while it
    estimates the prior and u, the stage builds the identifier graph (whose linked pairs
    are the labels m is estimated from, handed over through ``labels``), and while it
    predicts, the stage writes the prepared records to the workspace. Most steps of either
    side use fewer than all cores (a single-threaded write, a sort, Splink's many small
    queries), so the two overlap. The links are the same as in sequence: the same model
    (u does not read the labels, see :func:`probabilistic.train`), blocking and records.
    ``full``: predict every pair (else the caller scores only changed records, in this
    thread, after :meth:`wait`). On other engines (or with :attr:`THREADED` off: tests
    compare both) everything runs in :meth:`wait`.
    """

    THREADED = True

    def __init__(self, engine: Any, recs: ibis.Table, ws_path: Any, *, retrain: bool,
                 threshold: float, labels: Callable[[], pa.Table | None], full: bool) -> None:
        self.links: pa.Table | None = None
        self._args = (engine, recs, ws_path, retrain, threshold, labels, full)
        self._future: Future[Matcher] | None = None
        self._api: Any = None
        if engine.name == "duckdb" and self.THREADED:
            arrow = engine.to_arrow(match_input(recs))  # in this thread: the engine's connection
            self._api = _backend.splink_db_api(engine)  # Splink's private DuckDB
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="idic-splink")
            self._future = self._pool.submit(self._run, arrow)

    def _run(self, arrow: pa.Table | None) -> Matcher:
        engine, recs, ws_path, retrain, threshold, labels, full = self._args
        matcher = Matcher(engine, recs, ws_path, retrain=retrain, labels=labels, arrow=arrow,
                          db_api=self._api)
        if full or matcher.trained:
            self.links = matcher.predict(threshold)
        return matcher

    def abort(self) -> None:
        """After a failure (or Ctrl-C) beside it: interrupt Splink's queries until the
        thread ends (a prediction at 1M records would otherwise run on for minutes)."""
        if self._future is None:
            return
        while not self._future.done():
            with contextlib.suppress(Exception):
                self._api._con.interrupt()
            with contextlib.suppress(BaseException):
                self._future.result(timeout=0.2)
        self._pool.shutdown(wait=True)

    def wait(self) -> Matcher:
        """The matcher (trained or loaded; :attr:`links` set when it predicted every pair)."""
        if self._future is None:
            return self._run(None)
        try:
            return self._future.result()
        except BaseException:
            self.abort()  # (Ctrl-C while waiting: stop Splink too)
            raise
        finally:
            self._pool.shutdown(wait=True)


def last_run(ws: Workspace) -> dict[str, Any] | None:
    p = model_path(ws.path).parent / RUN_FILE
    return json.loads(p.read_text()) if p.exists() else None


#: bump when the identifier graph's or the guard's rules change (links they made earlier
#: must then be recomputed: the next run is a full one)
GRAPH_VERSION = 1


def matching_key(ws_path: Any) -> str | None:
    """A fingerprint of how records are matched: the model as it is used (its comparisons
    and levels, blocking rules, parameters; blocking rules and level SQL come from the code
    for a model of the default shape) and :data:`GRAPH_VERSION`. A run whose key differs
    from the last run's is a full run: after an upgrade that changed the blocking rules,
    say, links kept from before would not be those a full run finds."""
    import hashlib

    from idic.identify.probabilistic import load_model

    mp = model_path(ws_path)
    if not mp.exists():
        return None
    used = load_model(mp, "duckdb")
    used.pop("linker_uid", None)
    text = json.dumps({"model": used, "graph": GRAPH_VERSION}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _incremental_base(ws: Workspace, threshold: float) -> dict[str, Any] | None:
    """The last run, if its links can be reused: same threshold, model file and matching
    rules (:func:`matching_key`), tables there."""
    prev = last_run(ws)
    engine = ws.engine
    mp = model_path(ws.path)
    if (prev is None or prev.get("threshold") != threshold or not mp.exists()
            or prev.get("model_mtime") != mp.stat().st_mtime
            or prev.get("matching") != matching_key(ws.path)
            or not engine.has_table(LINKS) or not engine.has_table(cl.MAP)):
        return None
    return prev


def _score_changed(engine, recs, matcher: Matcher, prev: dict[str, Any],
                   threshold: float) -> int:
    """Write ``_idic_prob``: kept links among unchanged records + links of changed ones."""
    m = engine.table(cl.MAP)
    known = m.select(krid=m.source.concat(":", m.source_record_id))
    since = ibis.literal(datetime.fromisoformat(prev["at"]))
    is_new = recs.anti_join(known, recs.rid == known.krid).select("rid")
    touched = recs.filter(recs.ingested_at.notnull() & (recs.ingested_at > since)).select("rid")
    engine.create_work_table("_idic_changed", ibis.union(is_new, touched, distinct=True))
    ch = engine.table("_idic_changed")
    changed = recs.semi_join(ch, "rid")
    rest = recs.anti_join(ch, "rid")
    new_links = matcher.predict_changed(changed, rest, threshold)
    lk = engine.table(LINKS)
    kept = lk.filter(lk.kind == "probabilistic")
    alive = recs.select(arid="rid")
    kept = kept.semi_join(alive, kept.rid_l == alive.arid)
    alive2 = recs.select(brid="rid")
    kept = kept.semi_join(alive2, kept.rid_r == alive2.brid)
    c1 = ch.select(c1="rid")
    kept = kept.anti_join(c1, kept.rid_l == c1.c1)
    c2 = ch.select(c2="rid")
    kept = kept.anti_join(c2, kept.rid_r == c2.c2)
    engine.create_work_table("_idic_prob_new", new_links)
    engine.create_work_table("_idic_prob", ibis.union(
        kept.select("rid_l", "rid_r", "match_weight", "match_probability"),
        engine.table("_idic_prob_new")))
    n = int(ch.count().execute())
    for name in ("_idic_changed", "_idic_prob_new"):
        _backend.drop_table(engine, name)
    return n
