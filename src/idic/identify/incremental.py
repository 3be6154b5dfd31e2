"""Incremental identify: a batch of new (or re-ingested, or erased) records resolved against
a resolved base, with work that grows with the batch and the customers it touches.

Every identify table is a function of the records that a full run recomputes; here each is
updated only where the batch can change it, so the result is the one a full run gives
(``tests/identify/test_identify_incremental.py``):

- **records**: ``identity_records`` (the prepared records, kept by every run) gets the new
  versions of the changed records; erased records leave it.
- **identifier graph**: the super-node guard and the star edges are functions of one
  identifier value and the records holding it, so they are recomputed for the *touched*
  values only: the values of the changed records (old and new version), and cookie ids
  of identify/alias events ingested since the last run.
- **scoring**: Splink scores the changed records among themselves and against the
  records a blocking rule pairs them with, with the model's term frequencies.
- **links**: the links of changed records and of touched values are deleted and their new
  versions appended (analyst merges are re-read every run).
- **clustering and ids**: the touched customers (those holding a record at an end of a
  deleted or added link, or a changed record) are re-clustered with the new records;
  other customers are untouched components, so they keep their id (the rule of
  :func:`~idic.identify.cluster.assign_ids` gives that) and are not read.
- **golden records and lineage**: rebuilt for the touched customers only; lineage logs
  their merges, splits and new ids, as a full run would.

A full run stays the reference: ``idic identify --full``, another threshold, a retrained
model, new analyst overrides, other survivorship rules or another super-node size all run
the whole stage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from idic.identify import _backend
from idic.identify import cluster as cl
from idic.identify.golden import Survivorship, golden_records
from idic.identify.graph import (
    event_cookie_values,
    identifier_edges,
    identifier_values,
    supernodes,
)
from idic.identify.probabilistic import Matcher
from idic.identify.records import latest, records

if TYPE_CHECKING:
    from idic.engine import Engine

RECORDS = "identity_records"
SUPERNODES = "identity_supernodes"
LINKS = "identity_links"
CUSTOMERS = "customers"
#: bump when the preparation of records (records.py) changes: the kept
#: ``identity_records`` are then stale and the next run is a full one
RECORDS_VERSION = 1

_WORK = ("_idic_ch_keys", "_idic_ch_latest", "_idic_ch_recs", "_idic_gone_recs",
         "_idic_touched_vals", "_idic_values", "_idic_guard_new", "_idic_id_edges",
         "_idic_touched", "_idic_new_links", "_idic_scope", "_idic_nodes", "_idic_cids",
         "_idic_s_latest", "_idic_cc_labels", "_idic_map_new")


def eligible(engine: Engine, prev: dict[str, Any], *, max_records: int,
             survivorship: Survivorship) -> bool:
    """Whether the last run's tables can be updated in place (else: a full run)."""
    if prev.get("records_version") != RECORDS_VERSION or \
            prev.get("max_records") != max_records or \
            prev.get("survivorship") != survivorship_key(survivorship):
        return False
    if not all(engine.has_table(t) for t in (RECORDS, SUPERNODES, LINKS, CUSTOMERS, cl.MAP)):
        return False
    cl.ensure_tables(engine)
    ov = engine.table(cl.OVERRIDES)
    since = ibis.literal(datetime.fromisoformat(prev["at"]))
    return int(ov.filter(ov.created_at >= since).count().execute()) == 0


def survivorship_key(sv: Survivorship) -> dict[str, Any]:
    return {"rules": dict(sorted(sv.rules.items())), "source_priority": list(sv.source_priority)}


def _key(id_type: ir.StringValue, id_value: ir.StringValue) -> ir.StringValue:
    # identifier types are plain names without "|": the key cannot be ambiguous
    return id_type.concat("|", id_value)


def resolve(engine: Engine, ws_path: Path, prev: dict[str, Any], *, threshold: float,
            max_records: int, survivorship: Survivorship, run_id: str, at: datetime,
            reason: str, lap: Callable[[str], None]) -> dict[str, Any]:
    """Update every identify table for the records changed since the run ``prev``;
    returns ``records``, ``scored_records`` and the id statistics of the run."""
    since = ibis.literal(datetime.fromisoformat(prev["at"]))
    ids, old_recs = engine.table("identities"), engine.table(RECORDS)

    # 1. what changed: records ingested since the last run or never prepared, and records
    #    erased from identities since
    keys = ids.select("source", "source_record_id")
    rk = old_recs.select(_r_s="source", _r_r="source_record_id")
    parts = [keys.anti_join(rk, [keys.source == rk._r_s, keys.source_record_id == rk._r_r])]
    if "_ingested_at" in ids.columns:
        parts.append(ids.filter(ids._ingested_at > since).select("source", "source_record_id"))
    engine.create_work_table("_idic_ch_keys", ibis.union(*parts, distinct=True))
    engine.create_work_table("_idic_ch_latest", latest(engine, engine.table("_idic_ch_keys")))
    engine.create_work_table("_idic_ch_recs", records(engine, engine.table("_idic_ch_latest")))
    changed = engine.table("_idic_ch_recs")
    ik = ids.select(_i_s="source", _i_r="source_record_id")
    erased = old_recs.anti_join(ik, [old_recs.source == ik._i_s,
                                     old_recs.source_record_id == ik._i_r]).select("rid")
    engine.create_work_table("_idic_gone_recs",
                             ibis.union(erased, changed.select("rid"), distinct=True))
    gone = engine.table("_idic_gone_recs")
    lap("records")

    # 2. touched identifier values: of the old and new versions of changed records, and
    #    cookie ids of identify/alias events ingested since the last run
    old_gone = old_recs.filter(old_recs.rid.isin(gone.rid))
    vparts = [identifier_values(engine, old_gone), identifier_values(engine, changed)]
    if engine.has_table("events"):
        ev = engine.table("events")
        if "_ingested_at" in ev.columns:
            ev = ev.filter(ev._ingested_at > since)
        # the records an event names: kept ones and the new ones
        known = ibis.union(old_recs.select("rid"), changed.select("rid"))
        vparts.append(event_cookie_values(ev, known))
    touched = ibis.union(*[v.select("id_type", "id_value") for v in vparts], distinct=True)
    engine.create_work_table("_idic_touched_vals", touched.mutate(tkey=_key(touched.id_type,
                                                                            touched.id_value)))
    tv = engine.table("_idic_touched_vals")

    with engine.transaction():
        # the prepared records, updated
        engine.delete_where(RECORDS, lambda t: t.rid.isin(gone.rid))
        engine.append(RECORDS, changed.select(*old_recs.columns))
        recs = engine.table(RECORDS)
        engine.create_work_table("_idic_values", identifier_values(engine, recs, only=tv))
        values = engine.table("_idic_values")
        engine.create_work_table("_idic_guard_new",
                                 supernodes(values, recs, max_records=max_records))
        guarded = engine.table("_idic_guard_new")
        engine.create_work_table("_idic_id_edges", identifier_edges(values, guarded, recs))
        engine.delete_where(SUPERNODES, lambda t: _key(t.id_type, t.id_value).isin(tv.tkey))
        engine.append(SUPERNODES, guarded.select(*engine.table(SUPERNODES).columns))
        lap("graph")

        # 3. Splink: the changed records against each other and their blocking candidates
        matcher = Matcher(engine, changed, ws_path, everything=recs)
        lap("splink_load")
        rest = recs.filter(~recs.rid.isin(changed.rid))
        prob = matcher.predict_changed(changed, rest, threshold)
        n_scored = int(changed.count().execute())
        lap("splink_predict")

        # 4. links: those of changed records and touched values (and every analyst merge)
        #    go, their new versions come
        splits, manual = cl.override_edges(engine, recs)
        lk = engine.table(LINKS)

        def stale(t: ir.Table) -> ir.BooleanValue:
            by_value = (t.kind == "identifier") & _key(
                t.id_type.replace("+name", ""), t.id_value).isin(tv.tkey)
            return (t.rid_l.isin(gone.rid) | t.rid_r.isin(gone.rid) | (t.kind == "manual")
                    | by_value.fill_null(False))

        old_ends = lk.filter(stale(lk))
        null_s, null_f = ibis.null("string"), ibis.null("float64")
        id_edges = engine.table("_idic_id_edges")
        pr = engine.from_arrow(prob, "_idic_prob_arrow")
        mn = engine.from_arrow(manual, "_idic_manual_arrow")
        new_links = ibis.union(
            id_edges.select("rid_l", "rid_r", kind=ibis.literal("identifier"),
                            id_type="id_type", id_value="id_value", match_weight=null_f,
                            match_probability=null_f),
            pr.select("rid_l", "rid_r", kind=ibis.literal("probabilistic"), id_type=null_s,
                      id_value=null_s, match_weight="match_weight",
                      match_probability="match_probability"),
            mn.select("rid_l", "rid_r", kind=ibis.literal("manual"), id_type=null_s,
                      id_value=null_s, match_weight=null_f, match_probability=null_f),
        ).mutate(run_id=ibis.literal(run_id))
        engine.create_work_table("_idic_new_links", new_links)
        engine.unstage("_idic_prob_arrow")
        engine.unstage("_idic_manual_arrow")
        nl = engine.table("_idic_new_links")
        ends = ibis.union(old_ends.select(rid="rid_l"), old_ends.select(rid="rid_r"),
                          nl.select(rid="rid_l"), nl.select(rid="rid_r"), gone.select("rid"),
                          distinct=True)
        engine.create_work_table("_idic_touched", ends)
        engine.delete_where(LINKS, stale)
        engine.append(LINKS, nl.select(*lk.columns))
        lap("links")

        # 5. the touched customers, whole, plus the new records: re-clustered
        m = engine.table(cl.MAP)
        mr = m.select("customer_id", rid=m.source.concat(":", m.source_record_id))
        t_rids = engine.table("_idic_touched")
        cids = mr.filter(mr.rid.isin(t_rids.rid)).select("customer_id").distinct()
        engine.create_work_table("_idic_cids", cids)
        cids = engine.table("_idic_cids")
        # (rid, earlier customer id): the touched customers' records, and the changed and
        # erased ones (a new record has no earlier id)
        in_touched = mr.filter(mr.customer_id.isin(cids.customer_id))
        others = gone.filter(~gone.rid.isin(in_touched.rid))
        engine.create_work_table("_idic_scope", ibis.union(
            in_touched, others.select("rid", customer_id=ibis.null("string"))))
        scope = engine.table("_idic_scope")
        engine.create_work_table("_idic_nodes", recs.filter(recs.rid.isin(scope.rid)))
        nodes = engine.table("_idic_nodes")
        links = engine.table(LINKS)
        links = links.filter(links.rid_l.isin(nodes.rid) & links.rid_r.isin(nodes.rid))
        labels = cl.cluster(engine, nodes, links, splits)
        lap("cluster")
        stats = cl.assign_ids(engine, labels, run_id=run_id, at=at, reason=reason,
                              splits=splits, scope=scope)
        lap("ids_lineage")

        # 6. golden records of the touched customers (old ids and the ids they now have)
        now_ids = engine.table("_idic_map_new").select("source", "source_record_id",
                                                       "customer_id")
        engine.append("_idic_cids", now_ids.select("customer_id").distinct())
        cids = engine.table("_idic_cids")
        engine.delete_where(CUSTOMERS, lambda t: t.customer_id.isin(cids.customer_id))
        engine.create_work_table("_idic_s_latest", latest(engine, nodes))
        gold = golden_records(engine.table("_idic_s_latest"), now_ids, survivorship)
        engine.append(CUSTOMERS, gold.select(*engine.table(CUSTOMERS).columns))
        lap("golden")
    for name in _WORK:
        _backend.drop_table(engine, name)
    return {"records": engine.count(RECORDS), "scored_records": n_scored, **stats}
