"""Deterministic identity graph: records linked through shared normalised strong identifiers.

Nodes are source records (``rid``); an identifier value (an e-mail, a phone, a loyalty card,
a cookie linked to a user by an identify/alias event, ...) shared by several records links
them. Connected components are computed in the engine by min-label propagation with
pointer jumping, as plain Ibis expressions, so the same code runs on DuckDB and Spark.

**Super-node guard.** A value is reported in ``identity_supernodes`` and not linked through
when it is shared by more than ``max_records`` records, or when two of its records disagree
on who they are. For identifiers a household or a shop can share (e-mail, phone, device,
cookie, social handle): their first names differ (more than 2 edits apart, neither a prefix
of the other, not a nickname of the other, not first/last swapped), or both their birth
dates and last names differ. For personal identifiers (:data:`PERSONAL_IDS`: an account
number, a loyalty card, a national id carried as ``account_id``) only a conflict on three
independent attributes — name **and** birth date **and** address — counts: one field that a
typo or a changed first name can alter never breaks the link. Through such a value only
records with the same first and last name are still linked (a household landline links
John's two records, never John and Mary). A family e-mail, a shop's generic phone and a
cookie on a shared computer are caught this way; a typo is not.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from idic.engine import Engine
from idic.engine.text import trim
from idic.identify import _backend
from idic.identify.nicknames import given_name_root
from idic.identify.records import IDENTIFIERS, rid

MAX_RECORDS = 25      # an identifier value on more records than this is a super-node
NAME_EDITS = 2        # names further apart than this disagree
MAX_ITERATIONS = 200
# identifiers issued to one person: linked unless name, birth date and address all conflict
PERSONAL_IDS = ("account_id", "loyalty_id")


def identifier_values(engine: Engine, recs: ir.Table, only: ir.Table | None = None,
                      *, events: ir.Table | None = None) -> ir.Table:
    """Long form (rid, id_type, id_value) of every non-null identifier, plus cookie ids
    linked to known records by identify/alias events of the same source.

    ``only`` (columns ``id_type``, ``id_value``): just these values (an incremental run's
    touched values), each identifier column filtered by a semi-join on its own values.
    ``events``: the events to read cookie ids from (default: the ``events`` table)."""
    parts = []
    for c in IDENTIFIERS:
        part = recs.filter(recs[c].notnull())
        if only is not None:
            mine = only.filter(only.id_type == c).select(_only_v="id_value")
            part = part.semi_join(mine, part[c] == mine._only_v)
        parts.append(part.select("rid", id_type=ibis.literal(c), id_value=part[c]))
    if events is None and engine.has_table("events"):
        events = engine.table("events")
    if events is not None:
        ev = event_cookie_values(events, recs)
        if only is not None:
            mine = only.filter(only.id_type == "cookie_id").select(_only_v="id_value")
            ev = ev.semi_join(mine, ev.id_value == mine._only_v)
        parts.append(ev)
    return ibis.union(*parts, distinct=True)


def event_cookie_values(events: ir.Table, known: ir.Table) -> ir.Table:
    """(rid, "cookie_id", anonymous id) of identify/alias events naming a record of
    ``known`` (column ``rid``) as their user."""
    ev = events.filter(events.type.isin(["identify", "alias"]) & events.user_id.notnull()
                       & events.anonymous_id.notnull())
    ev = ev.select(rid=rid(ev.source, ev.user_id), id_type=ibis.literal("cookie_id"),
                   id_value=trim(ev.anonymous_id).lower())
    k = known.select(known_rid=known.rid)
    return ev.semi_join(k, ev.rid == k.known_rid)


def _differ(a: ir.StringValue, b: ir.StringValue) -> ir.BooleanValue:
    return a.notnull() & b.notnull() & (a.levenshtein(b) > NAME_EDITS)


def _near(a: ir.StringValue, b: ir.StringValue, edits: int = NAME_EDITS) -> ir.BooleanValue:
    """Within ``edits`` edits; two edits between short names (under 5 letters) only when
    they are two letters swapped (Ruht / Ruth): Mark and Matt are two names, not a typo."""
    d = a.levenshtein(b)
    if edits <= 1:
        return (a.notnull() & b.notnull() & (d <= edits)).fill_null(False)
    # a CASE, so that the letter sort (split, sort, join: costly) runs only for the few
    # pairs of short names exactly 2 edits apart
    anagram = a.split("").sort().join("") == b.split("").sort().join("")
    ok = ibis.cases((d <= 1, True), (d > edits, False),
                    (ibis.least(a.length(), b.length()) >= 5, True), else_=anagram)
    return (a.notnull() & b.notnull() & ok).fill_null(False)


def _same_given(v: ir.Table, w: ir.Table) -> ir.BooleanValue:
    """One given name: within 2 edits, a prefix of the other (Alex / Alexander), or the same
    root (Bob / Robert; either root of an ambiguous nickname: Charlie / Charlotte)."""
    f1, f2 = v.first_name, w.first_name
    prefix = (f1.startswith(f2) | f2.startswith(f1)).fill_null(False)
    roots = ((v.first_name_root == w.first_name_root) | (v.first_name_alt == w.first_name_root)
             | (v.first_name_root == w.first_name_alt) | (v.first_name_alt == f2)
             | (w.first_name_alt == f1)).fill_null(False)
    return _near(f1, f2) | prefix | roots


def _swapped(v: ir.Table, w: ir.Table) -> ir.BooleanValue:
    """First and last name swapped on one record (``Clarke Thomas`` / ``Thomas Clarke``),
    a typo allowed, the other pair of names the same or missing."""
    def one(a: ir.Table, b: ir.Table) -> ir.BooleanValue:
        f, ln = a.first_name, b.last_name
        # first_name_root / last_name_root: given_name_root() of the name, computed once
        # per record (a map lookup per pair and side was most of the guard's time)
        rest = (f.isnull() | ln.isnull() | _near(f, ln) | f.startswith(ln) | ln.startswith(f)
                | (a.first_name_root == b.last_name_root)).fill_null(False)
        ln_first = _near(a.last_name, b.first_name, 1) | (
            a.last_name_root == b.first_name_root).fill_null(False)
        return ln_first & rest
    return one(v, w) | one(w, v)


def _first_names_disagree(v: ir.Table, w: ir.Table) -> ir.BooleanValue:
    """Different given names: both present, not the same given name (:func:`_same_given`)
    and not first and last name swapped."""
    both = v.first_name.notnull() & w.first_name.notnull()
    return both & ~_same_given(v, w) & ~_swapped(v, w)


def _one_person(v: ir.Table, w: ir.Table) -> ir.BooleanValue:
    """Two records sharing a guarded value that name the same person: the same given name
    (both present) and last names within 2 edits or one missing, or names swapped; birth
    dates not different."""
    last_ok = v.last_name.isnull() | w.last_name.isnull() | _near(v.last_name, w.last_name)
    straight = v.first_name.notnull() & w.first_name.notnull() & _same_given(v, w) & last_ok
    born = (v.birth_date.notnull() & w.birth_date.notnull()
            & (v.birth_date != w.birth_date)).fill_null(False)
    return (straight | _swapped(v, w)) & ~born


def _names(recs: ir.Table) -> ir.Table:
    return recs.select("rid", "first_name", "first_name_root", "first_name_alt", "last_name",
                       "birth_date", "address", "postcode",
                       last_name_root=given_name_root(recs.last_name))


def _place_conflict(v: ir.Table, w: ir.Table) -> ir.BooleanValue:
    """Two different places: postcodes both present and different, or addresses both present
    and more than 2 edits apart, and nothing of the place agreeing (address within 2 edits,
    same postcode)."""
    addr_near = _near(v.address, w.address)
    pc_same = (v.postcode == w.postcode).fill_null(False)
    pc_diff = (v.postcode.notnull() & w.postcode.notnull() & (v.postcode != w.postcode))
    return ((pc_diff.fill_null(False) | _differ(v.address, w.address).fill_null(False))
            & ~addr_near & ~pc_same)


def conflicts(v: ir.Table, w: ir.Table) -> tuple[ir.BooleanValue, ir.BooleanValue,
                                                 ir.BooleanValue]:
    """(name, birth date, place) conflicts of two records: different given names (or last
    names more than 2 edits apart, names not swapped); birth dates both present and
    different; :func:`_place_conflict`. A missing value is never a conflict."""
    name = _first_names_disagree(v, w) | (_differ(v.last_name, w.last_name).fill_null(False)
                                          & ~_swapped(v, w))
    born = (v.birth_date.notnull() & w.birth_date.notnull()
            & (v.birth_date != w.birth_date)).fill_null(False)
    return name, born, _place_conflict(v, w)


def _conflict_reason(v: ir.Table, w: ir.Table) -> ir.StringValue:
    """Why two records sharing a value are not one person (null: they may be)."""
    name, born, place = conflicts(v, w)
    personal = v.id_type.isin(list(PERSONAL_IDS))
    first = _first_names_disagree(v, w)
    other_born = born & _differ(v.last_name, w.last_name)
    return ibis.cases(
        (personal & name & born & place,
         "records sharing it disagree on name, birth date and address"),
        (~personal & first, "records sharing it disagree on first name"),
        (~personal & other_born, "records sharing it disagree on last name and birth date"),
        else_=ibis.null("string"))


def supernodes(values: ir.Table, recs: ir.Table, *, max_records: int = MAX_RECORDS) -> ir.Table:
    """Identifier values not to link through: (id_type, id_value, n_records, reason)."""
    # rows of ``values`` are distinct (rid, id_type, id_value): count = distinct count
    sizes = values.group_by(["id_type", "id_value"]).agg(n_records=values.rid.count())
    big = sizes.filter(sizes.n_records > max_records).mutate(
        reason=ibis.literal("shared by more than ") + ibis.literal(str(max_records))
        + ibis.literal(" records"))
    small = sizes.filter((sizes.n_records > 1) & (sizes.n_records <= max_records))
    v = values.semi_join(small, [values.id_type == small.id_type,
                                 values.id_value == small.id_value])
    p = _names(recs)
    v = v.join(p, "rid")
    w = v.view()
    pairs = v.join(w, [v.id_type == w.id_type, v.id_value == w.id_value, v.rid < w.rid])
    pairs = pairs.select(id_type=v.id_type, id_value=v.id_value, reason=_conflict_reason(v, w))
    bad = pairs.filter(pairs.reason.notnull())
    bad = bad.group_by(["id_type", "id_value"]).agg(reason=bad.reason.min())
    bad = bad.join(small, ["id_type", "id_value"]).select(
        "id_type", "id_value", "n_records", "reason")
    return ibis.union(big, bad)


def _star(vals: ir.Table, keys: list[str]) -> ir.Table:
    anchors = vals.group_by(keys).agg(anchor=vals.rid.min(), n=vals.rid.count())  # distinct rows
    anchors = anchors.filter(anchors.n > 1)
    e = vals.join(anchors, keys)
    e = e.filter(e.rid != e.anchor)
    return e.select(rid_l=e.anchor, rid_r=e.rid, id_type=e.id_type, id_value=e.id_value)


def identifier_edges(values: ir.Table, guarded: ir.Table, recs: ir.Table) -> ir.Table:
    """Star edges (rid_l = anchor of the value, rid_r, id_type, id_value): one edge per
    record and value, O(n) not O(n^2).

    Through a value not guarded, every record sharing it is linked. Through a guarded value
    shared by a few records that disagree (a household's landline or family e-mail), only
    pairs of records naming the same person (:func:`_one_person`: the same given name, a
    nickname or a typo of it, last names alike or missing, or names swapped) are linked
    (``id_type`` gets the suffix ``+name``); values shared by more than ``max_records``
    records link nothing.
    """
    key = [values.id_type == guarded.id_type, values.id_value == guarded.id_value]
    ok = values.anti_join(guarded, key)
    small = guarded.filter(~guarded.reason.startswith("shared by more"))
    held = values.semi_join(small, [values.id_type == small.id_type,
                                    values.id_value == small.id_value])
    names = _names(recs)
    held = held.join(names, "rid")
    other = held.view()
    pairs = held.join(other, [held.id_type == other.id_type, held.id_value == other.id_value,
                              held.rid < other.rid])
    pairs = pairs.select(rid_l=held.rid, rid_r=other.rid,
                         id_type=held.id_type.concat("+name"), id_value=held.id_value,
                         keep=_one_person(held, other))
    by_name = pairs.filter(pairs.keep).drop("keep")
    return ibis.union(_star(ok, ["id_type", "id_value"]), by_name)


def connected_components(engine: Engine, nodes: ir.Table, edges: ir.Table, *,
                         prefix: str = "_idic_cc") -> ir.Table:
    """Component label (the smallest ``node`` of the component) of every node.

    ``nodes`` has a ``node`` column, ``edges`` has ``a`` and ``b``. Work tables are
    materialised as ``<prefix>_*`` and dropped at the end except the result,
    ``<prefix>_labels``, which is returned. An engine with native connected components
    (:meth:`Engine.connected_components`, DuckDB) computes the same labels directly.
    """
    e_name, lab, nxt = f"{prefix}_edges", f"{prefix}_labels", f"{prefix}_next"
    native = engine.connected_components(nodes.select("node"), edges.select("a", "b"), lab)
    if native is not None:
        return native
    undirected = ibis.union(edges.select(a="a", b="b"), edges.select(a="b", b="a"),
                            distinct=True)
    engine.create_work_table(e_name, undirected)
    # edge ends missing from ``nodes`` start with their own label too (else such a node
    # could end up labelled by a larger neighbour)
    every = ibis.union(nodes.select("node"), engine.table(e_name).select(node="a"),
                       distinct=True)
    engine.create_work_table(lab, every.select(node="node", label="node")
                             .mutate(changed=ibis.literal(True)))
    cur, other = lab, nxt  # the two label tables swap roles each iteration (no copy)
    for _ in range(MAX_ITERATIONS):
        e, lt = engine.table(e_name), engine.table(cur)
        nb = e.join(lt, e.b == lt.node).select(node=e.a, label=lt.label,
                                                 old=ibis.null("string"))
        cand = ibis.union(lt.select("node", "label", old="label"), nb)
        # the node's previous label rides along, so a change is seen without another join
        cand = cand.group_by("node").agg(label=cand.label.min(), old=cand.old.max())
        hop = cand.view()
        jumped = cand.left_join(hop, cand.label == hop.node)
        label = ibis.least(cand.label, ibis.coalesce(hop.label, cand.label))
        jumped = jumped.select(node=cand.node, label=label, changed=label != cand.old)
        engine.create_work_table(other, jumped)
        new = engine.table(other)
        changed = int(new.filter(new.changed).count().execute())
        cur, other = other, cur
        if changed == 0:
            break
    if cur != lab:
        engine.create_work_table(lab, engine.table(cur))
    _backend.drop_table(engine, nxt)
    _backend.drop_table(engine, e_name)
    return engine.table(lab).select("node", "label")
