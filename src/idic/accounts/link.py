"""Contacts to accounts: which resolved customer works for which B2B account.

Evidence, strongest first (``linked_by``):

1. ``group``: a Segment ``group`` call (``events.type = 'group'``) whose ``userId`` is the
   contact's record and whose ``groupId`` is the account;
2. ``column``: an identity record whose ``b2b_account_id`` names the account (a CRM export,
   Segment ``traits.company.id``);
3. ``domain`` (only when configured): the record's e-mail domain is the account's ``domain``
   or a subdomain of it (``ann@uk.acme.com`` -> ``acme.com``; the most specific account
   wins). Never through a free-mail domain (:mod:`.freemail`), on either side, nor through a
   domain two accounts share.

A customer gets one account: the strongest evidence, then the latest (``linked_at``), then the
smallest account id; ``n_accounts`` counts the accounts their evidence named. Records are
customers through ``identity_map`` (else ``source:source_record_id``, as for orders).
Plain Ibis: runs on DuckDB and Spark.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from idic.accounts.freemail import free_mail_domains

#: how far up an e-mail domain is searched for an account (``a.b.acme.co.uk`` -> 4 levels)
DOMAIN_LEVELS = 4
GROUP_ID_RE = r'"groupId"\s*:\s*"([^"]*)"'
LINK_COLUMNS = ("account_id", "customer_id", "linked_by", "evidence", "linked_at",
                "n_accounts")
_TS = dt.Timestamp(timezone="UTC")


def _evidence(src: ir.Value, rid: ir.Value, account: ir.Value, by: str, rank: int,
              at: ir.Value, t: ir.Table) -> ir.Table:
    return t.select(source=src.cast(dt.string), source_record_id=rid.cast(dt.string),
                    account_id=account.cast(dt.string), linked_by=ibis.literal(by),
                    _rank=ibis.literal(rank), linked_at=at.cast(_TS))


def group_evidence(ws) -> ir.Table | None:
    """(record, account) of every ``group`` call with a userId and a groupId."""
    e = ws.table("events")
    g = e.filter((e.type == "group") & e.user_id.notnull() & e.properties.notnull())
    g = g.mutate(_acc=g.properties.re_extract(GROUP_ID_RE, 1).nullif(""))
    g = g.filter(g._acc.notnull())
    return _evidence(g.source, g.user_id, g._acc, "group", 1, g.timestamp, g)


def column_evidence(ws) -> ir.Table | None:
    """(record, account) of every identity record naming its account."""
    t = ws.table("identities")
    if "b2b_account_id" not in t.columns:
        return None
    t = t.filter(t.b2b_account_id.notnull())
    at = ibis.coalesce(t.last_seen, t.first_seen, t._ingested_at)
    return _evidence(t.source, t.source_record_id, t.b2b_account_id, "column", 2, at, t)


def _parents(d: ir.StringValue) -> list[ir.StringValue]:
    """``d`` and its parent domains (``uk.acme.com``, ``acme.com``), ``DOMAIN_LEVELS`` deep;
    a level that would be a bare top-level domain is null."""
    out = [d]
    for _ in range(DOMAIN_LEVELS - 1):
        parent = out[-1].re_replace(r"^[^.]+\.", "")
        out.append(ibis.ifelse(parent.contains("."), parent, ibis.null(dt.string)))
    return out


def _is_free(d: ir.StringValue, free: list[str]) -> ir.BooleanValue:
    cond = ibis.literal(False)
    for level in _parents(d):
        cond = cond | level.isin(free).fill_null(False)
    return cond


def domain_evidence(ws, free: list[str]) -> ir.Table | None:
    """(record, account) of identity records whose e-mail domain is an account's domain."""
    a = ws.table("accounts")
    a = a.filter(a.domain.notnull() & ~_is_free(a.domain, free))
    # a domain two accounts share names neither of them
    a = a.mutate(_n=a.account_id.count().over(group_by=a.domain))
    a = a.filter(a._n == 1).select(_acc="account_id", _dom="domain")
    t = ws.table("identities").filter(lambda t: t.email.notnull())
    t = t.mutate(_d=t.email.lower().re_extract(r"@([^@]+)$", 1).nullif(""))
    t = t.filter(t._d.notnull())
    t = t.filter(~_is_free(t._d, free))
    at = ibis.coalesce(t.last_seen, t.first_seen, t._ingested_at)
    parts = []
    for level, dom in enumerate(_parents(t._d)):
        c = t.select(source=t.source, source_record_id=t.source_record_id, _dom=dom,
                     _level=ibis.literal(level), linked_at=at.cast(_TS))
        parts.append(c.filter(c._dom.notnull()))
    cand = ibis.union(*parts).inner_join(a, "_dom")
    best = cand.mutate(_rn=ibis.row_number().over(
        group_by=["source", "source_record_id"], order_by=["_level", "_acc"]))
    best = best.filter(best._rn == 0)
    return _evidence(best.source, best.source_record_id, best._acc, "domain", 3,
                     best.linked_at, best)


def refused_free_mail(ws, free: list[str]) -> int:
    """Identity records whose e-mail domain is the domain of an account but a free-mail one
    (links the guard refused)."""
    a = ws.table("accounts")
    a = a.filter(a.domain.notnull() & _is_free(a.domain, free)).select(_dom="domain").distinct()
    t = ws.table("identities").filter(lambda t: t.email.notnull())
    t = t.mutate(_dom=t.email.lower().re_extract(r"@([^@]+)$", 1).nullif(""))
    return int(t.inner_join(a, "_dom").count().execute())


def _customers(ws, ev: ir.Table) -> ir.Table:
    """Evidence with the customer of its record."""
    if ws.engine.has_table("identity_map"):
        m = ws.table("identity_map").select(_s="source", _r="source_record_id",
                                            _cid="customer_id")
        j = ev.left_join(m, [ev.source == m._s, ev.source_record_id == m._r])
        return j.mutate(customer_id=ibis.coalesce(j._cid, j.source + ":" + j.source_record_id)
                        ).drop("_s", "_r", "_cid")
    return ev.mutate(customer_id=ev.source + ":" + ev.source_record_id)


def evidence(ws, *, by_domain: bool = False,
             free_mail: Iterable[str] = ()) -> ir.Table | None:
    """Every (customer, account) link found, with ``linked_by`` and the record behind it."""
    parts = [group_evidence(ws), column_evidence(ws)]
    if by_domain:
        parts.append(domain_evidence(ws, free_mail_domains(free_mail)))
    parts = [p for p in parts if p is not None]
    ev = ibis.union(*parts) if len(parts) > 1 else parts[0]
    return _customers(ws, ev)


def account_contacts(ev: ir.Table) -> ir.Table:
    """One row per customer: the account chosen (see module docstring)."""
    n = ev.group_by(_c="customer_id").aggregate(n_accounts=ev.account_id.nunique())
    ev = ev.mutate(_rn=ibis.row_number().over(group_by="customer_id", order_by=[
        ev._rank, ibis.desc(ev.linked_at), ev.account_id, ev.source, ev.source_record_id]))
    ev = ev.filter(ev._rn == 0)
    ev = ev.inner_join(n, ev.customer_id == n._c)
    return ev.select(account_id=ev.account_id, customer_id=ev.customer_id,
                     linked_by=ev.linked_by,
                     evidence=ev.source + ":" + ev.source_record_id,
                     linked_at=ev.linked_at, n_accounts=ev.n_accounts.cast("int64"))
