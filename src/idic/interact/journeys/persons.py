"""Who did it: the one place where an event is attributed to a person.

Persons are the resolved customers (``identity_map.customer_id``) once the identify stage has
run - matched on (source, user_id), else on a user_id that names one customer in any source
(an app event carrying the web account id) - else ``"<source>:<user_id>"`` (the convention of :meth:`Workspace.customer_orders`).
An event that carries only an ``anonymous_id`` is resolved through the identify/alias events
of the same source that carry both ids (the anonymous visitor who later logged in); an
anonymous id never resolved stays its own person, ``"<source>:~<anonymous_id>"``, unless
``include_anonymous=False`` drops it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from idic.engine import Engine

#: Segment call types that are touchpoints (identify/alias/group only carry identity).
TOUCH_TYPES = ("track", "page", "screen")


def anonymous_links(events: ir.Table) -> ir.Table:
    """(source, anonymous_id) -> user_id from identify/alias events carrying both ids.

    When one anonymous id was linked to several user ids, the smallest is taken so the result
    is deterministic on every engine.
    """
    linked = events.filter(
        events.type.isin(("identify", "alias")),
        events.user_id.notnull(),
        events.anonymous_id.notnull(),
    )
    return linked.group_by(["source", "anonymous_id"]).agg(linked_user_id=linked.user_id.min())


def person_events(engine: Engine, events: ir.Table | None = None, *,
                  include_anonymous: bool = True, touch_only: bool = True,
                  names: list[str] | tuple[str, ...] | None = None) -> ir.Table:
    """The ``events`` table with a ``person_id`` column (see the module docstring).

    ``touch_only`` keeps track/page/screen calls, the touchpoints; ``names`` keeps only those
    event names (filtered before the identity joins).
    """
    ev = engine.table("events") if events is None else events
    links = anonymous_links(ev)
    if touch_only:
        ev = ev.filter(ev.type.isin(TOUCH_TYPES))
    if names:
        ev = ev.filter(ev.event.isin(list(names)))
    ev = ev.left_join(
        links, [ev.source == links.source, ev.anonymous_id == links.anonymous_id]
    ).select(ev, links.linked_user_id)
    uid = ibis.coalesce(ev.user_id, ev.linked_user_id)
    ev = ev.mutate(_uid=uid)
    if engine.has_table("identity_map"):
        m = engine.table("identity_map").select("source", "source_record_id", "customer_id")
        ev = ev.left_join(m, [ev.source == m.source, ev._uid == m.source_record_id]).select(
            ev, m.customer_id.name("_cid"))
        # a user id kept by another source system (an app logging in with the web account):
        # used when that record id names exactly one customer across sources
        u = m.group_by("source_record_id").agg(_n=m.customer_id.nunique(),
                                               _ucid=m.customer_id.min())
        u = u.filter(u._n == 1).select("source_record_id", "_ucid")
        ev = ev.left_join(u, ev._uid == u.source_record_id).select(ev, u._ucid)
        known = ibis.coalesce(ev._cid, ev._ucid, ev.source + ":" + ev._uid)
    else:
        known = ev.source + ":" + ev._uid
    anon = ev.source + ":~" + ev.anonymous_id
    person = ibis.cases((ev._uid.notnull(), known), else_=anon)
    ev = ev.mutate(person_id=person)
    if not include_anonymous:
        ev = ev.filter(ev._uid.notnull())
    drop = [c for c in ("_uid", "_cid", "_ucid", "linked_user_id") if c in ev.columns]
    ev = ev.drop(*drop)
    return ev.filter(ev.person_id.notnull())
