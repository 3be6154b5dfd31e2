"""The consent gate: always on, between every audience, campaign or export and the customers.

A customer passes for a purpose only when (GDPR arts. 6(1)(a), 7, 17, 18, 21):

* their latest consent record for that purpose is a grant: the latest grant is strictly
  later than the latest withdrawal (a withdrawal recorded at the same instant as a grant
  wins; no record at all fails). The ledger's ``channel`` is where the consent was
  collected; a withdrawal on any channel ends the consent;
* for an audience on a marketing channel, the same holds for the channel's own purpose as
  well (``email`` needs ``email_marketing``, ``sms`` needs ``sms_marketing``);
* they are not erased (a tombstone of their customer id), not under a restriction of
  processing (art. 18) and have not objected (art. 21) to profiling or marketing.

:func:`gate` filters any Ibis table with a ``customer_id`` column; :func:`may_profile` is the
same gate for the profiling-based outputs of other stages (segments, next best action,
personalisation): ``profiling`` or ``personalisation`` consent.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from idic.errors import InputError

#: the channel's own marketing purpose, needed on top of the audience's purpose
CHANNEL_PURPOSE = {"email": "email_marketing", "sms": "sms_marketing"}
KNOWN_PURPOSES = ("email_marketing", "sms_marketing", "profiling", "personalisation",
                  "third_party_sharing")
CHANNELS = ("email", "sms", "web", "app", "store", "call_centre", "post", "social", "partner")
PROFILING_PURPOSES = ("profiling", "personalisation")
#: per-customer profiling outputs: nobody restricted (art. 18), objecting (art. 21) or erased
#: (art. 17) has a row in them (:func:`withhold_blocked`)
PROFILING_TABLES = ("needs_features", "segments", "recommendations", "cross_sell_gaps",
                    "network_metrics", "customer_roles", "next_best_action")


@dataclass(frozen=True)
class GateCounts:
    candidates: int
    passed: int

    @property
    def excluded(self) -> int:
        return self.candidates - self.passed


def check_purpose(purpose: str, channel: str | None) -> None:
    from idic.suggest import unknown_name

    if purpose not in KNOWN_PURPOSES:
        raise unknown_name("purpose", purpose, KNOWN_PURPOSES, given_in="--purpose")
    if channel is not None and channel not in CHANNELS:
        raise unknown_name("channel", channel, CHANNELS, given_in="--channel")


def required_purposes(purpose: str, channel: str | None) -> list[str]:
    need = [purpose]
    extra = CHANNEL_PURPOSE.get(channel or "")
    if extra and extra not in need:
        need.append(extra)
    return need


def current_purpose_state(ws, purposes: list[str] | None = None) -> ir.Table | None:
    """One row per (customer_id, purpose): ``status`` granted when the latest grant is later
    than the latest withdrawal, else withdrawn (only ``purposes`` when given)."""
    from idic.privacy.consent import consent_history

    h = consent_history(ws)
    if h is None:
        return None
    if purposes is not None:
        h = h.filter(h.purpose.isin(purposes))
    g = h.group_by("customer_id", "purpose").aggregate(
        _g=h.recorded_at.max(where=h.status == "granted"),
        _w=h.recorded_at.max(where=h.status == "withdrawn"))
    ok = g._g.notnull() & (g._w.isnull() | (g._g > g._w))
    return g.select("customer_id", "purpose",
                    status=ibis.ifelse(ok, ibis.literal("granted"), ibis.literal("withdrawn")))


def consenting(ws, purposes: list[str]) -> ir.Table | None:
    """Customer ids (column ``customer_id``) holding a current grant for every purpose."""
    want = sorted(set(purposes))
    cur = current_purpose_state(ws, want)
    if cur is None:
        return None
    ok = cur.filter(cur.status == "granted")
    if len(want) == 1:  # one row per customer already
        return ok.select("customer_id")
    g = ok.group_by("customer_id").aggregate(_n=ok.purpose.nunique())
    return g.filter(g._n == len(want)).select("customer_id")


def blocked(ws) -> ir.Table | None:
    """Customer ids under an active restriction (art. 18) or objection (art. 21)."""
    from idic.customize.rights import active_blocks

    return active_blocks(ws)


def gate(ws, t: ir.Table, purpose: str, channel: str | None = None) -> ir.Table:
    """``t`` (a ``customer_id`` column) without anyone who may not be processed for
    ``purpose`` on ``channel``. Never skips: no consent ledger means nobody passes."""
    need = required_purposes(purpose, channel)
    ok = consenting(ws, need)
    if ok is None:
        return t.filter(ibis.literal(False))
    return not_blocked(ws, t.semi_join(ok, "customer_id"))


def not_blocked(ws, t: ir.Table) -> ir.Table:
    """``t`` without anyone restricted (art. 18), objecting (art. 21) or erased (art. 17):
    the part of the gate that holds whatever the purpose."""
    from idic.privacy import tombstones

    out = t
    b = blocked(ws)
    if b is not None:
        out = out.anti_join(b, "customer_id")
    hashes = erased_hashes(ws)
    if hashes is not None:
        out = out.filter(~tombstones.hash_expr(ws, "customer", out.customer_id).isin(hashes))
    return out


def erased_hashes(ws) -> ir.Column | None:
    """The keyed hashes of erased customer ids (art. 17 tombstones), or None if there are none."""
    from idic.privacy import tombstones

    eng = ws.engine
    if not (eng.has_table(tombstones.TOMBSTONES) and eng.count(tombstones.TOMBSTONES)):
        return None
    tomb = ws.table(tombstones.TOMBSTONES)
    return tomb.filter(tomb.kind == "customer").hash


def withhold_blocked(ws, tables: tuple[str, ...] = PROFILING_TABLES) -> dict[str, int]:
    """Delete the rows of restricted, objecting and erased customers from the profiling
    tables that exist; return ``{table: rows removed}``. Stages call it after they write,
    and recording a restriction or an objection calls it at once (it takes effect before
    the next run; lifting it brings the customer back at the next run)."""
    from idic.privacy import tombstones

    eng = ws.engine
    b = blocked(ws)
    hashes = erased_hashes(ws)
    removed: dict[str, int] = {}
    if b is None and hashes is None:
        return removed
    ids = None if b is None else b.customer_id

    def hit(t: ir.Table) -> ir.BooleanValue:
        conds = []
        if ids is not None:
            conds.append(t.customer_id.isin(ids))
        if hashes is not None:
            conds.append(tombstones.hash_expr(ws, "customer", t.customer_id).isin(hashes))
        out = conds[0]
        for c in conds[1:]:
            out = out | c
        return out

    for name in tables:
        if eng.has_table(name) and "customer_id" in ws.table(name).columns:
            removed[name] = eng.delete_where(name, hit)
    return removed


def may_profile(ws, t: ir.Table, purpose: str = "profiling") -> ir.Table:
    """The gate for profiling-based outputs (segments, next best action: ``profiling``;
    personalised content: ``personalisation``). Other stages call this before they write or
    show a per-customer profiling result."""
    if purpose not in PROFILING_PURPOSES:
        raise InputError(f"may_profile is for {', '.join(PROFILING_PURPOSES)}, not {purpose!r}")
    return gate(ws, t, purpose)
