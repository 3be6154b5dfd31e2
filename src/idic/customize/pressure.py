"""Contact pressure: contacts per customer, per channel, per period; caps that targeting obeys.

Contacts are the outbound messages a customer received: those idic sent for a campaign
(``contacts`` table, written when a campaign is created) and those in the event history
(``touchpoints`` whose event is an outbound send such as ``Email Sent``). Solicitation
pressure is CRM's "dark side": too many contacts feel intrusive and push customers to opt
out (N'Goala et al., *Augmented Customer Strategy*, ch. 13-14; Peppers & Rogers ch. 10).

A cap ``N/Pd`` allows at most N contacts in any P-day window, per channel (``--cap`` of a
campaign; ``customize.caps`` in ``workspace.json`` per channel) or over all channels
(``customize.caps.all``). A new contact at time t is allowed when the contacts already held
in the open interval (t - P, t + P) number at most N - 1: every P-day window holding t lies
inside that interval, so no window ever holds more than N (conservative when contacts are
held after t).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from idic.errors import InputError

CONTACTS = "contacts"
CONTACT_SCHEMA = pa.schema([("customer_id", pa.string()), ("channel", pa.string()),
                            ("campaign", pa.string()),
                            ("sent_at", pa.timestamp("us", tz="UTC"))])
#: outbound events in the event history that count as contacts
OUTBOUND_EVENTS = ("Email Sent", "Email Delivered", "SMS Sent", "Push Sent",
                   "Direct Mail Sent", "Outbound Call")
_CAP = re.compile(r"^\s*(\d{1,4})\s*/\s*(\d{1,4})\s*d\s*$")


@dataclass(frozen=True)
class Cap:
    limit: int
    days: int
    channel: str | None = None  # None: over all channels

    @property
    def text(self) -> str:
        return f"{self.limit}/{self.days}d"


def parse_cap(text: str, channel: str | None = None) -> Cap:
    """``"3/30d"`` -> at most 3 contacts in any 30-day window."""
    m = _CAP.match(text or "")
    if not m:
        raise InputError(f"bad cap {text!r}: expected N/Pd, e.g. 3/30d (3 contacts per 30 days)")
    n, days = int(m.group(1)), int(m.group(2))
    if n < 1 or days < 1:
        raise InputError(f"bad cap {text!r}: both numbers must be at least 1")
    return Cap(n, days, channel)


def workspace_caps(ws) -> list[Cap]:
    """Caps from ``workspace.json`` (``{"customize": {"caps": {"email": "3/30d",
    "all": "8/30d"}}}``)."""
    cfg = (ws.settings or {}).get("customize", {}).get("caps", {}) or {}
    return [parse_cap(v, None if k == "all" else k) for k, v in sorted(cfg.items())]


def history(ws) -> ir.Table | None:
    """Every known contact: ``customer_id, channel, sent_at, campaign``."""
    parts = []
    eng = ws.engine
    if eng.has_table(CONTACTS):
        c = ws.table(CONTACTS)
        parts.append(c.select("customer_id", "channel", "campaign",
                              sent_at=c.sent_at.cast(dt.Timestamp(timezone="UTC"))).select(
            "customer_id", "channel", "sent_at", "campaign"))
    if eng.has_table("touchpoints"):
        t = ws.table("touchpoints")
        o = t.filter(t.event.isin(OUTBOUND_EVENTS))
        parts.append(o.select(customer_id=o.person_id, channel=o.channel,
                              sent_at=o.timestamp.cast(dt.Timestamp(timezone="UTC")),
                              campaign=ibis.null(dt.string)))
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


def under_caps(ws, t: ir.Table, channel: str | None, at: datetime, caps: list[Cap]) -> ir.Table:
    """Rows of ``t`` (a ``customer_id`` column) who may get one more contact on ``channel``
    at ``at`` without breaking any cap that applies to that channel."""
    h = history(ws)
    if h is None:
        return t
    out = t
    for cap in caps:
        if cap.channel is not None and cap.channel != channel:
            continue
        lo = ibis.literal(at - timedelta(days=cap.days), type=dt.Timestamp(timezone="UTC"))
        hi = ibis.literal(at + timedelta(days=cap.days), type=dt.Timestamp(timezone="UTC"))
        w = h.filter((h.sent_at > lo) & (h.sent_at < hi))
        if cap.channel is not None:
            w = w.filter(w.channel == cap.channel)
        full = w.group_by("customer_id").aggregate(_n=w.count())
        full = full.filter(full._n >= cap.limit).select("customer_id")
        out = out.anti_join(full, "customer_id")
    return out


def record_contacts(ws, ids: list[str], channel: str, campaign: str, at: datetime) -> int:
    eng = ws.engine
    if not eng.has_table(CONTACTS):
        eng.create_table(CONTACTS, CONTACT_SCHEMA.empty_table(), overwrite=False)
    if not ids:
        return 0
    n = len(ids)
    eng.append(CONTACTS, pa.table({"customer_id": pa.array(ids, pa.string()),
                                   "channel": pa.array([channel] * n, pa.string()),
                                   "campaign": pa.array([campaign] * n, pa.string()),
                                   "sent_at": pa.array([at] * n, pa.timestamp("us", tz="UTC"))}))
    return n


def pressure(ws, *, days: int = 30, at: datetime | None = None) -> ir.Table | None:
    """Contacts per customer and channel in the ``days`` before ``at`` (default: now or the
    latest contact): ``customer_id, channel, contacts``."""
    h = history(ws)
    if h is None:
        return None
    if at is None:
        last = ws.engine.to_arrow(h.aggregate(m=h.sent_at.max())).column("m")[0].as_py()
        at = last or datetime.now(UTC)
    lo = ibis.literal(at - timedelta(days=days), type=dt.Timestamp(timezone="UTC"))
    w = h.filter((h.sent_at > lo) & (h.sent_at <= ibis.literal(at, type=dt.Timestamp(
        timezone="UTC"))))
    return w.group_by("customer_id", "channel").aggregate(contacts=w.count())


def optout_by_pressure(ws, *, days: int = 30, within_days: int = 7) -> list[dict[str, Any]]:
    """Opt-out rate per e-mail by pressure: each ``Email Unsubscribed`` is attributed to the
    latest e-mail before it (if within ``within_days``); e-mails are grouped by ``load``, the
    number of e-mails the customer received in the ``days`` up to and including it."""
    h = history(ws)
    if h is None or not ws.engine.has_table("touchpoints"):
        return []
    t = ws.table("touchpoints")
    uns = t.filter(t.event == "Email Unsubscribed").select(
        _c=t.person_id, _u=t.timestamp.cast(dt.Timestamp(timezone="UTC")))
    e = h.filter(h.channel == "email").select("customer_id", "sent_at").distinct()
    e2 = e.select(_c2="customer_id", _s2="sent_at")
    j = e.join(e2, [e.customer_id == e2._c2, e2._s2 <= e.sent_at,
                    e2._s2 > e.sent_at - ibis.interval(days=days)])
    per = j.group_by("customer_id", "sent_at").aggregate(load=j.count())
    k = e.join(uns, [e.customer_id == uns._c, uns._u >= e.sent_at,
                     uns._u < e.sent_at + ibis.interval(days=within_days)])
    last = k.group_by("_c", "_u").aggregate(_s=k.sent_at.max())  # the e-mail it follows
    hit = last.select(customer_id="_c", sent_at="_s", _out=ibis.literal(1)).distinct()
    g = per.left_join(hit, ["customer_id", "sent_at"])
    g = g.mutate(_o=g._out.fill_null(0))
    r = g.group_by("load").aggregate(contacts=g.count(), optouts=g._o.sum())
    rows = ws.engine.to_arrow(r.order_by("load")).to_pylist()
    return [{"load": int(x["load"]), "contacts": int(x["contacts"]),
             "optouts": int(x["optouts"] or 0),
             "optout_rate": int(x["optouts"] or 0) / int(x["contacts"])} for x in rows]
