"""Clustering of all links into customers, with persistent ``customer_id``s and lineage.

Every run clusters identifier edges, probabilistic links and analyst merges together
(connected components in the engine). Customer ids then carry over from the previous
``identity_map``: each earlier id goes to the new cluster holding most of its records, and
each cluster keeps the earlier id with most of its records; a cluster with no earlier id
gets a new opaque id. New records therefore attach to the customers they match, and
``identity_lineage`` records every id created, merged or split, with when and why.

Analyst overrides live in ``identity_overrides`` (action ``merge`` rid_a rid_b / ``split``
rid_a) and are applied on every run: a split removes every automatic link of the record
(and merges older than the split); a merge adds a link.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from idic.engine import Engine
from idic.errors import NotFoundError
from idic.identify import _backend
from idic.identify.graph import connected_components

OVERRIDES = "identity_overrides"
LINEAGE = "identity_lineage"
MAP = "identity_map"
TS = pa.timestamp("us", tz="UTC")

OVERRIDES_SCHEMA = pa.schema([("action", pa.string()), ("rid_a", pa.string()),
                              ("rid_b", pa.string()), ("created_at", TS),
                              ("note", pa.string())])
LINEAGE_SCHEMA = pa.schema([("run_id", pa.string()), ("at", TS), ("event", pa.string()),
                            ("customer_id", pa.string()), ("other_customer_id", pa.string()),
                            ("n_records", pa.int64()), ("reason", pa.string())])


def now() -> datetime:
    return datetime.now(UTC)


def ensure_tables(engine: Engine) -> None:
    for name, schema in ((OVERRIDES, OVERRIDES_SCHEMA), (LINEAGE, LINEAGE_SCHEMA)):
        if not engine.has_table(name):
            engine.create_table(name, schema.empty_table())


def add_override(engine: Engine, action: str, rid_a: str, rid_b: str | None = None,
                 note: str | None = None) -> None:
    """Store an analyst override (``merge`` a b / ``split`` a); later runs respect it.
    Both records must exist in ``identities`` (:class:`NotFoundError` otherwise)."""
    from idic.identify.records import require_records

    require_records(engine, [rid_a] if rid_b is None else [rid_a, rid_b])
    ensure_tables(engine)
    engine.append(OVERRIDES, pa.table({
        "action": [action], "rid_a": [rid_a], "rid_b": [rid_b], "created_at": [now()],
        "note": [note]}, schema=OVERRIDES_SCHEMA))


def log_lineage(engine: Engine, rows: list[dict]) -> None:
    ensure_tables(engine)
    if rows:
        engine.append(LINEAGE, pa.Table.from_pylist(rows, schema=LINEAGE_SCHEMA))


def log_lineage_table(engine: Engine, rows: pa.Table) -> None:
    ensure_tables(engine)
    if rows.num_rows:
        engine.append(LINEAGE, rows)


def active_overrides(engine: Engine) -> tuple[set[str], list[tuple[str, str]]]:
    """(split records, merge pairs) in force: a merge is dropped by a later split of either."""
    ensure_tables(engine)
    rows = engine.to_arrow(engine.table(OVERRIDES)).to_pylist()
    last_split: dict[str, datetime] = {}
    for r in rows:
        if r["action"] == "split":
            last_split[r["rid_a"]] = max(r["created_at"], last_split.get(r["rid_a"], r["created_at"]))
    merges = []
    for r in rows:
        if r["action"] != "merge":
            continue
        t = r["created_at"]
        if all(last_split.get(x, t) <= t for x in (r["rid_a"], r["rid_b"])):
            merges.append((r["rid_a"], r["rid_b"]))
    return set(last_split), merges


def override_edges(engine: Engine, recs: ir.Table) -> tuple[set[str], pa.Table]:
    splits, merges = active_overrides(engine)
    wanted = sorted({x for m in merges for x in m})
    known = set(engine.to_arrow(recs.select("rid").filter(recs.rid.isin(wanted)))
                .column("rid").to_pylist()) if wanted else set()
    merges = [(a, b) for a, b in merges if a in known and b in known]
    return splits, pa.table({"rid_l": pa.array([m[0] for m in merges], pa.string()),
                             "rid_r": pa.array([m[1] for m in merges], pa.string())})


def cluster(engine: Engine, recs: ir.Table, links: ir.Table, splits: set[str]) -> ir.Table:
    """(node, label) of every record; ``links`` has rid_l, rid_r, kind."""
    if splits:
        s = list(splits)
        links = links.filter(~(links.rid_l.isin(s) | links.rid_r.isin(s)) | (links.kind == "manual"))
    edges = links.select(a=links.rid_l, b=links.rid_r)
    return connected_components(engine, recs.select(node=recs.rid), edges)


def _new_id(label: str, generation: int) -> str:
    return "cus_" + hashlib.sha256(f"{label}|{generation}".encode()).hexdigest()[:16]


def assign_ids(engine: Engine, labels: ir.Table, *, run_id: str, at: datetime,
               reason: str = "identify run", splits: set[str] | None = None,
               scope: ir.Table | None = None) -> dict[str, int]:
    """Write ``identity_map`` from component labels, keeping earlier customer ids; log lineage.

    On a tie, an earlier id stays with the cluster holding no record split off by an analyst,
    then with the smallest label.

    ``scope`` (columns ``rid``, ``customer_id``: the earlier id, null for a new record; an
    incremental run): ``labels`` cover only these records, which are whole earlier
    customers plus new records; only their rows of ``identity_map`` are replaced (deleted,
    then appended), the rest is not read or rewritten, and the new rows are left in the
    work table ``_idic_map_new`` for the caller. The ids are those a run over all records
    would give: a customer outside the scope is one unchanged cluster, which keeps its id
    and logs nothing."""
    ensure_tables(engine)
    lin = engine.table(LINEAGE)
    generation = int(lin.filter(lin.event == "run").count().execute())
    has_old = engine.has_table(MAP)
    if has_old:
        m = engine.table(MAP)
        old = m.select(orid=m.source.concat(":", m.source_record_id), old_cid=m.customer_id)
        if scope is not None:
            old = scope.filter(scope.customer_id.notnull()).select(orid="rid",
                                                                   old_cid="customer_id")
        j = labels.join(old, labels.node == old.orid)
        cnt = j.group_by(["label", "old_cid"]).agg(n=j.node.count())
        if splits:
            sl = labels.filter(labels.node.isin(sorted(splits))).select(
                sl="label", split_flag=ibis.literal(1)).distinct()
            cnt = cnt.left_join(sl, cnt.label == sl.sl).select(
                "label", "old_cid", "n", has_split=ibis.coalesce(sl.split_flag, 0))
        else:
            cnt = cnt.mutate(has_split=ibis.literal(0))
        w1 = ibis.row_number().over(group_by="old_cid",
                                    order_by=[ibis.desc("n"), "has_split", "label"])
        engine.create_work_table("_idic_cnt", cnt.mutate(is_best=w1 == 0))
        best = engine.table("_idic_cnt").filter(lambda t: t.is_best)
        w2 = ibis.row_number().over(group_by="label", order_by=[ibis.desc("n"), "old_cid"])
        claim = best.mutate(rk2=w2).filter(lambda t: t.rk2 == 0).select("label", cid="old_cid")
    else:
        claim = labels.select("label").filter(ibis.literal(False)).mutate(cid=labels.label)
    engine.create_work_table("_idic_claim", claim)
    claim = engine.table("_idic_claim")
    unclaimed = labels.select("label").distinct().anti_join(claim, "label")
    # new ids hashed in the engine (sha256 of "label|generation", as _new_id), not in Python
    assign = ibis.union(claim.select("label", "cid"),
                        unclaimed.select("label", cid=_new_id_expr(unclaimed.label, generation)))
    engine.create_work_table("_idic_assign", assign)
    a = engine.table("_idic_assign")
    out = labels.join(a, "label")
    pos = out.node.find(":")
    engine.create_work_table("_idic_map_new", out.select(
        source=out.node.substr(0, pos), source_record_id=out.node.substr(pos + 1),
        customer_id=out.cid, label=out.label))
    events = _lineage_events(engine, has_old)
    new_map = engine.table("_idic_map_new")
    rows = new_map.select("source", "source_record_id", "customer_id")
    if scope is None or not has_old:
        engine.create_table(MAP, rows)
    else:
        sc = scope.select(_sc_rid="rid")
        engine.delete_where(MAP, lambda t: t.source.concat(":", t.source_record_id)
                            .isin(sc._sc_rid))
        engine.append(MAP, rows)
    run_row = pa.table({"event": ["run"], "customer_id": pa.array([None], pa.string()),
                        "other_customer_id": pa.array([None], pa.string()),
                        "n_records": [engine.count(MAP)]})
    events = pa.concat_tables([events, run_row.cast(events.schema)])
    n = events.num_rows
    log_lineage_table(engine, pa.table({
        "run_id": pa.array([run_id] * n, pa.string()),
        "at": pa.array([at] * n, LINEAGE_SCHEMA.field("at").type),
        **{c: events[c] for c in events.column_names},
        "reason": pa.array([reason] * n, pa.string()),
    }).select(LINEAGE_SCHEMA.names).cast(LINEAGE_SCHEMA))
    kinds = pc.value_counts(events["event"]).to_pylist()
    counts = {k["values"]: k["counts"] for k in kinds}
    stats = {e: int(counts.get(e, 0)) for e in ("created", "merged", "split")}
    for t in ("_idic_cnt", "_idic_claim", "_idic_assign",
              *(() if scope is not None else ("_idic_map_new",))):
        _backend.drop_table(engine, t)
    return stats


def _new_id_expr(label: ir.StringValue, generation: int) -> ir.StringValue:
    """:func:`_new_id` as an engine expression (SHA-256 is native to DuckDB and Spark)."""
    digest = label.concat(ibis.literal(f"|{generation}")).hexdigest("sha256")
    return ibis.literal("cus_").concat(digest.substr(0, 16))


def _lineage_events(engine: Engine, has_old: bool) -> pa.Table:
    """(event, customer_id, other_customer_id, n_records): ids merged or split (by id
    pair), then ids created (by id)."""
    a = engine.table("_idic_assign")
    new_map = engine.table("_idic_map_new")
    sizes = new_map.group_by("label").agg(n_records=new_map.source.count())
    parts: list[pa.Table] = []
    created = a.join(sizes, "label")
    if has_old:
        cnt = engine.table("_idic_cnt")
        labels_with_old = cnt.select("label").distinct()
        created = created.anti_join(labels_with_old, "label")
        c = cnt.join(a, "label")
        c = c.filter(c.old_cid != c.cid)
        c = c.group_by(["cid", "old_cid"]).agg(n=c.n.sum(), best=c.is_best.cast("int32").max())
        c = c.select(event=ibis.ifelse(c.best > 0, "merged", "split"), customer_id=c.cid,
                     other_customer_id=c.old_cid, n_records=c.n.cast("int64"))
        parts.append(engine.to_arrow(c.order_by(["customer_id", "other_customer_id"])))
    created = created.filter(created.cid.notnull())
    created = created.select(event=ibis.literal("created"), customer_id=created.cid,
                             other_customer_id=ibis.null("string"),
                             n_records=created.n_records.cast("int64"))
    parts.append(engine.to_arrow(created.order_by("customer_id")))
    schema = pa.schema([LINEAGE_SCHEMA.field(c) for c in
                        ("event", "customer_id", "other_customer_id", "n_records")])
    return pa.concat_tables([t.select(schema.names).cast(schema) for t in parts])


def customer_of(engine: Engine, rid_value: str) -> str:
    """The customer id of a record ``source:id`` (:class:`NotFoundError` if unresolved)."""
    if not engine.has_table(MAP):
        raise NotFoundError("identify has not run yet", hint="run `idic identify` first")
    m = engine.table(MAP)
    r = m.filter(m.source.concat(":", m.source_record_id) == rid_value).customer_id.execute()
    if len(r) == 0:
        raise NotFoundError(f"record {rid_value!r} is not in identity_map",
                            hint="records are named SOURCE:SOURCE_RECORD_ID")
    return str(r.iloc[0])
