"""Golden record: the ``customers`` table, one row per customer, with survivorship rules.

Each attribute's value is chosen among the customer's records by a rule:

- ``most_recent``: the value of the record seen last (``last_seen``);
- ``most_trusted``: the value from the highest source in ``source_priority``;
- ``most_frequent``: the value most records agree on.

Ties fall through to recency, then source priority, then record id, so the choice is
deterministic. The address block (address, postcode, city, region, country) is taken from
one record (the one winning ``address``) so that a street never mixes with another
record's postcode. Every chosen value comes with ``<attr>_source`` and ``<attr>_at`` (the
source system and the ``last_seen`` of the record it came from).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from idic.errors import InputError


def _input_error(message: str, *, hint: str) -> InputError:
    # InputError(ValueError, IdicError) cannot take hint= (ValueError.__init__ comes first)
    err = InputError(message)
    err.hint = hint
    return err


RULES = ("most_recent", "most_trusted", "most_frequent")
DEFAULT_RULES: dict[str, str] = {
    "first_name": "most_frequent",
    "last_name": "most_frequent",
    "birth_date": "most_frequent",
    "email": "most_recent",
    "phone": "most_recent",
    "address": "most_recent",
}
ADDRESS_BLOCK = ("postcode", "city", "region", "country")


@dataclass
class Survivorship:
    """Rules per attribute and the source priority (first = most trusted)."""

    rules: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_RULES))
    source_priority: list[str] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> Survivorship:
        """From the ``identify.survivorship`` block of ``workspace.json`` (if any)."""
        cfg = dict((settings or {}).get("identify", {}).get("survivorship", {}))
        rules = dict(DEFAULT_RULES)
        rules.update(cfg.get("rules", {}))
        s = cls(rules, list(cfg.get("source_priority", [])))
        s.validate()
        return s

    def validate(self) -> None:
        for attr, rule in self.rules.items():
            if attr not in DEFAULT_RULES:
                raise _input_error(f"survivorship: unknown attribute {attr!r}",
                                   hint=f"attributes: {', '.join(DEFAULT_RULES)}")
            if rule not in RULES:
                raise _input_error(f"survivorship: unknown rule {rule!r} for {attr}",
                                   hint=f"rules: {', '.join(RULES)}")


def _priority(source: ir.StringValue, order: Sequence[str]) -> ir.IntegerValue:
    if not order:
        return ibis.literal(0)
    return ibis.cases(*[(source == s, i) for i, s in enumerate(order)], else_=len(order))


def golden_records(recs: ir.Table, id_map: ir.Table,
                   survivorship: Survivorship | None = None) -> ir.Table:
    """The ``customers`` table expression from prepared records and ``identity_map``."""
    sv = survivorship or Survivorship()
    sv.validate()
    # joined on the two key columns (no "source:id" string built per record)
    m = id_map.select(_m_s="source", _m_r="source_record_id", customer_id=id_map.customer_id)
    r = recs.join(m, [recs.source == m._m_s, recs.source_record_id == m._m_r])
    r = r.mutate(prio=_priority(r.source, sv.source_priority),
                 seen=ibis.coalesce(r.last_seen, r.first_seen))
    stats = r.group_by("customer_id").agg(
        n_records=r.rid.count(), n_sources=r.source.nunique(),
        first_seen=r.first_seen.min(), last_seen=r.last_seen.max())
    out = stats
    # one winner per attribute and customer, each ranked on its own (six sorts of the
    # records having the attribute, joined on customer_id: cheaper than one sort of their
    # union by customer and attribute and a pivot of it); the rule of each attribute is
    # known here: its first sort key (k1) is built per attribute, value frequencies are
    # counted only for the most_frequent ones
    for attr in DEFAULT_RULES:
        part = r.filter(r[attr].notnull()).select(
            "customer_id", "rid", "source", "seen", "prio", value=r[attr].cast("string"))
        rule = sv.rules.get(attr, "most_recent")
        if rule == "most_frequent":
            freq = part.group_by(["customer_id", "value"]).agg(freq=part.rid.count())
            part = part.join(freq, ["customer_id", "value"])
            part = part.mutate(k1=(-part.freq).cast("int64")).drop("freq")
        elif rule == "most_trusted":
            part = part.mutate(k1=part.prio.cast("int64"))
        else:
            part = part.mutate(k1=ibis.literal(0, "int64"))
        w = ibis.row_number().over(group_by="customer_id",
                                   order_by=[part.k1, part.seen.isnull().cast("int32"),
                                             ibis.desc(part.seen), part.prio, part.rid])
        win = part.mutate(rk=w).filter(lambda t: t.rk == 0)
        sel = {f"_w_{attr}": win.customer_id, attr: win.value, f"{attr}_source": win.source,
               f"{attr}_at": win.seen}
        if attr == "address":
            sel["_address_rid"] = win.rid
        win = win.select(**sel)
        out = out.left_join(win, out.customer_id == win[f"_w_{attr}"]).drop(f"_w_{attr}")
    blk = recs.select("rid", *[(recs[c]).name(f"_b_{c}") for c in ADDRESS_BLOCK])
    out = out.left_join(blk, out._address_rid == blk.rid)
    # records without any address: take the block from the most recent record of the customer
    rw = ibis.row_number().over(group_by="customer_id",
                                order_by=[r.seen.isnull().cast("int32"), ibis.desc(r.seen),
                                          r.prio, r.rid])
    latest = r.mutate(rk=rw).filter(lambda t: t.rk == 0).select(
        "customer_id", **{f"_l_{c}": c for c in ADDRESS_BLOCK}, _l_source="source", _l_seen="seen")
    out = out.left_join(latest, "customer_id")
    has_addr = out._address_rid.notnull()
    cols = {"customer_id": out.customer_id, "n_records": out.n_records,
            "n_sources": out.n_sources, "first_seen": out.first_seen, "last_seen": out.last_seen}
    for attr in DEFAULT_RULES:
        val = out[attr]
        if attr == "birth_date":
            val = val.cast("date")
        cols[attr] = val
        cols[f"{attr}_source"] = out[f"{attr}_source"]
        cols[f"{attr}_at"] = out[f"{attr}_at"]
        if attr == "address":
            for c in ADDRESS_BLOCK:
                cols[c] = ibis.ifelse(has_addr, out[f"_b_{c}"], out[f"_l_{c}"])
    return out.select(**cols)
