"""Source records prepared for matching: one row per (source, source_record_id), normalised.

``rid`` (``source:source_record_id``) is the record key used by every identify table.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from idic.engine import Engine
from idic.identify.nicknames import given_name_alt_root, given_name_root

IDENTIFIERS = ("email", "phone", "loyalty_id", "account_id", "device_id", "cookie_id",
               "social_handle")
MATCH_COLUMNS = ("first_name", "first_name_root", "last_name", "birth_date", "address",
                 "postcode", "city")
ATTRIBUTES = ("first_name", "last_name", "birth_date", "email", "phone", "address",
              "postcode", "city", "region", "country")


def _text(col: ir.StringValue) -> ir.StringValue:
    s = col.strip().lower().re_replace(r"\s+", " ")
    return ibis.cases((s == "", ibis.null("string")), else_=s)


def rid(source: ir.StringValue, source_record_id: ir.StringValue) -> ir.StringValue:
    return source.concat(":", source_record_id)


def latest(engine: Engine) -> ir.Table:
    """The latest version of each identity record, as stored, with its ``rid``."""
    t = engine.table("identities")
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
    return t.select(
        rid=t.rid,
        source=t.source,
        source_record_id=t.source_record_id,
        **idents,
        first_name=_text(t.first_name.re_replace(r"[^\w\s'-]", "")),
        first_name_root=given_name_root(_text(t.first_name.re_replace(r"[^\w\s'-]", ""))),
        first_name_alt=given_name_alt_root(_text(t.first_name.re_replace(r"[^\w\s'-]", ""))),
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
