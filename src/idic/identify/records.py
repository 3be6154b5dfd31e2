"""Source records prepared for matching: one row per (source, source_record_id), normalised.

``rid`` (``source:source_record_id``) is the record key used by every identify table.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from idic.engine import Engine
from idic.engine.text import trim
from idic.identify.nicknames import given_name_alt_root, given_name_root

IDENTIFIERS = ("email", "phone", "loyalty_id", "account_id", "device_id", "cookie_id",
               "social_handle")
MATCH_COLUMNS = ("first_name", "first_name_root", "last_name", "birth_date", "address",
                 "postcode", "city")
ATTRIBUTES = ("first_name", "last_name", "birth_date", "email", "phone", "address",
              "postcode", "city", "region", "country")


def _text(col: ir.StringValue) -> ir.StringValue:
    return trim(col).lower().re_replace(r"\s+", " ").nullif("")


def rid(source: ir.StringValue, source_record_id: ir.StringValue) -> ir.StringValue:
    return source.concat(":", source_record_id)


def latest(engine: Engine, only: ir.Table | None = None) -> ir.Table:
    """The latest version of each identity record, as stored, with its ``rid``
    (``only``: just the records whose (source, source_record_id) it lists)."""
    t = engine.table("identities")
    if only is not None:
        keys = only.select(_o_s="source", _o_r="source_record_id")
        t = t.semi_join(keys, [t.source == keys._o_s, t.source_record_id == keys._o_r])
    # (the window's sort also leaves the records in key order, which makes writing
    # identity_records to the workspace file ~40% cheaper than in arrival order)
    order = ibis.desc(t._ingested_at) if "_ingested_at" in t.columns else ibis.desc(t.last_seen)
    t = t.mutate(_rn=ibis.row_number().over(group_by=[t.source, t.source_record_id],
                                             order_by=order))
    t = t.filter(t._rn == 0).drop("_rn")
    return t.mutate(rid=rid(t.source, t.source_record_id))


def records(engine: Engine, base: ir.Table | None = None) -> ir.Table:
    """The latest version of each identity record with normalised match columns
    (``base``: :func:`latest`, if already at hand)."""
    t = latest(engine) if base is None else base
    idents = {c: _text(t[c].cast("string")) for c in IDENTIFIERS}
    idents["phone"] = t.phone.cast("string").re_replace(r"[^0-9+]", "").nullif("")
    # the normalised first name is computed once (an inner select), then its roots from it:
    # inlined, its three regex passes ran three times more
    t = t.mutate(_first=_text(t.first_name.re_replace(r"[^\w\s'-]", "")))
    return t.select(
        rid=t.rid,
        source=t.source,
        source_record_id=t.source_record_id,
        **idents,
        first_name=t._first,
        first_name_root=given_name_root(t._first),
        first_name_alt=given_name_alt_root(t._first),
        last_name=_text(t.last_name.re_replace(r"[^\w\s'-]", "")),
        birth_date=t.birth_date.cast("date").cast("string"),
        address=_text(t.address.re_replace(r"[,.]", " ")),
        postcode=t.postcode.upper().re_replace(r"\s+", "").nullif(""),
        city=_text(t.city),
        region=t.region,
        country=t.country,
        first_seen=t.first_seen,
        last_seen=t.last_seen,
        ingested_at=t._ingested_at if "_ingested_at" in t.columns else ibis.null("timestamp"),
    )


def require_records(engine: Engine, rids: list[str]) -> None:
    """Every ``rid`` (``SOURCE:ID``) must name a record of ``identities``, else
    :class:`~idic.errors.NotFoundError` naming the closest ones (an override for a record
    that does not exist would be kept forever and do nothing)."""
    from idic.errors import NotFoundError
    from idic.suggest import closest

    t = engine.table("identities")
    key = rid(t.source, t.source_record_id)
    found = set(engine.to_pandas(t.filter(key.isin(list(rids))).select(rid=key).distinct())["rid"])
    for r in rids:
        if r in found:
            continue
        source, sid = r.split(":", 1)
        sources = engine.to_pandas(t.select("source").distinct())["source"].dropna().tolist()
        if not sources:
            raise NotFoundError(f"record {r!r} is not in identities: there are no records yet",
                                hint="load them first: idic ingest identities FILE")
        if source not in sources:
            near = ", ".join(repr(s) for s in closest(source, sources))
            raise NotFoundError(f"record {r!r} is not in identities: no source {source!r}; "
                                f"closest: {near}",
                                hint=f"sources: {', '.join(sorted(sources))}; records are "
                                     "named SOURCE:SOURCE_RECORD_ID")
        ids = t.filter(t.source == source).select(id=t.source_record_id).distinct()
        ids = ids.mutate(d=ids.id.levenshtein(ibis.literal(sid))).order_by(["d", "id"]).limit(3)
        near = ", ".join(repr(f"{source}:{i}") for i in engine.to_pandas(ids)["id"])
        raise NotFoundError(f"record {r!r} is not in identities; closest: {near}",
                            hint="see the records with `idic export identities -o FILE.csv`")
