"""Customer 360: one person's golden record, identities, value and segments, recent journey,
orders, consents and cases; and lookup by e-mail, phone or source record.

Generic over the workspace: derived tables written by other stages (rfm, abc,
value, clv, segments, audiences, ...) are found by their ``customer_id`` column, so
the profile grows with the pipeline. Before ``identify`` has run, a person's key is
``source:source_record_id``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import ibis.expr.types as ir

from idic.privacy.consent import consents_of
from idic.service.prepared import Prepared

#: tables shown in their own section (or not about one person)
_NOT_DERIVED = frozenset({"customers", "identity_map", "identity_links", "identity_lineage",
                          "audit_log", "tombstones", "ingest_log", "quarantine",
                          "ingest_warnings", "touchpoints", "journeys", "account_contacts",
                          "account_orders", "account_journeys", "tasks"})
VALUE_TABLES = ("rfm", "abc", "value", "clv")
GOLDEN_FIELDS = ("customer_id", "email", "phone", "first_name", "last_name", "birth_date",
                 "address", "postcode", "city", "country")


def _j(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def _rows(ws, expr: ir.Table, limit: int | None = None) -> list[dict[str, Any]]:
    if limit is not None:
        expr = expr.limit(limit)
    return [{k: _j(v) for k, v in r.items() if not k.startswith("_")}
            for r in ws.engine.to_arrow(expr).to_pylist()]


def records_of(ws, customer_id: str) -> list[tuple[str, str]]:
    """The (source, source_record_id) pairs of a customer."""
    out: set[tuple[str, str]] = set()
    if ws.engine.has_table("identity_map"):
        m = ws.table("identity_map")
        for r in ws.engine.to_arrow(m.filter(m.customer_id == customer_id)
                                    .select("source", "source_record_id")).to_pylist():
            out.add((r["source"], r["source_record_id"]))
    if not out and ":" in customer_id:
        src, rid = customer_id.split(":", 1)
        out.add((src, rid))
    return sorted(out)


def _by_records(t: ir.Table, col: str, keys: list[str]) -> ir.Table:
    return t.filter(t.source.concat(":", t[col]).isin(keys))


def profile(ws, customer_id: str, *, recent: int = 20) -> dict[str, Any] | None:
    """The 360 view of ``customer_id`` (None if the workspace holds nothing on them)."""
    have = set(ws.tables())
    recs = records_of(ws, customer_id)
    keys = [f"{s}:{r}" for s, r in recs]
    golden = None
    if "customers" in have:
        c = ws.table("customers")
        got = _rows(ws, c.filter(c.customer_id == customer_id), 1)
        golden = got[0] if got else None
    identities = []
    if keys and "identities" in have:
        identities = _rows(ws, _by_records(ws.table("identities"), "source_record_id", keys))
    if golden is None:
        golden = _golden_from(customer_id, identities)
    if golden is None and not identities:
        return None
    value: dict[str, Any] = {}
    derived: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(have - _NOT_DERIVED):
        if name.startswith("_"):
            continue
        t = ws.table(name)
        if "customer_id" not in t.columns:
            continue
        rows = _rows(ws, t.filter(t.customer_id == customer_id), 20)
        if not rows:
            continue
        if name in VALUE_TABLES:
            value[name] = rows[0]
        else:
            derived[name] = rows
    out: dict[str, Any] = {"customer_id": customer_id, "golden": golden,
                           "identities": identities, "value": value, "segments": derived}
    if derived.get("segments"):  # the needs segment and what customers like them bought
        seg = derived["segments"][0]
        recs = sorted(derived.get("recommendations", []), key=lambda r: r.get("rank") or 0)
        out["needs"] = {"segment": seg.get("segment"), "segment_name": seg.get("segment_name"),
                        "probability": seg.get("probability"),
                        "recommendations": [{"item": r["item"], "score": r["score"]}
                                            for r in recs[:5]]}
    if "account_contacts" in have:  # B2B: the account this contact rolls up to
        from idic.accounts.profile import account_of

        out["account"] = account_of(ws, customer_id)
    if keys and "events" in have:
        e = ws.table("events")
        out["recent_events"] = _rows(ws, _by_records(e, "user_id", keys)
                                     .order_by(e.timestamp.desc())
                                     .select("message_id", "type", "event", "timestamp",
                                             "channel", "stage", "sentiment"), recent)
    if "journeys" in have:
        j = ws.table("journeys")
        if "customer_id" in j.columns:
            out["journeys"] = _rows(ws, j.filter(j.customer_id == customer_id), recent)
    for table, key in (("orders", "ordered_at"), ("cases", "opened_at"),
                       ("survey_responses", "responded_at")):
        if keys and table in have:
            t = ws.table(table)
            out[table] = _rows(ws, _by_records(t, "source_customer_id", keys)
                               .order_by(t[key].desc()), recent)
            if len(out[table]) >= recent:  # "20 of 36": how many there are in all
                sel = _by_records(t, "source_customer_id", keys)
                out[f"{table}_total"] = int(ws.engine.to_arrow(
                    sel.aggregate(n=sel.count())).column("n")[0].as_py())
    if "cases_enriched" in have or "mentions_scored" in have:
        from idic.interact.voice.profile import add_voice  # sentiment of cases, answers, mentions

        add_voice(ws, out, have, recent=recent)
    if "network_edges" in have:  # the people they brought in (network stage)
        from idic.interact.network.graphs import referral_tree

        out["referral_tree"] = referral_tree(ws, customer_id)
    cons = consents_of(ws, sorted({customer_id, *keys}))
    out["consents"] = {"current": [{k: _j(v) for k, v in r.items()} for r in cons["current"]],
                       "history": [{k: _j(v) for k, v in r.items()} for r in cons["history"]]}
    from idic.customize.view import customer_view

    out["customize"] = customer_view(ws, customer_id)  # audiences, treatments, rights
    if "next_best_action" in have:  # the nba stage: chosen action and its reason
        from idic.customize.nba.stage import for_customer

        out["next_best_action"] = for_customer(ws, customer_id)
    if "tasks" in have:  # follow-up tasks for people (the tasks stage)
        from idic.customize.tasks.view import for_customer as tasks_of

        out["tasks"] = tasks_of(ws, customer_id)
    return out


def orders_of(ws, customer_id: str, *, limit: int = 20, offset: int = 0
              ) -> list[dict[str, Any]]:
    """A page of the customer's orders, newest first (the 360 page's "older orders")."""
    keys = [f"{s}:{r}" for s, r in records_of(ws, customer_id)]
    if not keys or not ws.engine.has_table("orders"):
        return []
    t = ws.table("orders")
    return _rows(ws, _by_records(t, "source_customer_id", keys)
                 .order_by([t.ordered_at.desc(), t.order_id]).limit(limit, offset=offset))


def _golden_from(customer_id: str, identities: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Before identify: the most recently seen values of the person's records."""
    if not identities:
        return None
    rows = sorted(identities, key=lambda r: str(r.get("last_seen") or ""), reverse=True)
    g: dict[str, Any] = {"customer_id": customer_id}
    for f in GOLDEN_FIELDS[1:]:
        g[f] = next((r.get(f) for r in rows if r.get(f) not in (None, "")), None)
    return g


def _ids_by(col: str) -> Prepared:
    return Prepared(lambda ws, v: ws.table("identities").filter(
        lambda t: t[col] == v), "v")


def _customers_by(col: str) -> Prepared:
    return Prepared(lambda ws, v: ws.table("customers").filter(lambda t: t[col] == v), "v")


def _map_of_records(ws, src, rid) -> ir.Table:
    m = ws.table("identity_map")
    return m.filter((m.source == src) & (m.source_record_id == rid)).select("customer_id")


def _ids_of_customer(ws, cid) -> ir.Table:
    m = ws.table("identity_map")
    m = m.filter(m.customer_id == cid).select(_s="source", _r="source_record_id")
    t = ws.table("identities")
    return t.inner_join(m, [t.source == m._s, t.source_record_id == m._r]).drop("_s", "_r")


def _ids_of_record(ws, src, rid) -> ir.Table:
    t = ws.table("identities")
    return t.filter((t.source == src) & (t.source_record_id == rid))


_Q = {"ids_email": _ids_by("email"), "ids_phone": _ids_by("phone"),
      "ids_record": Prepared(_ids_of_record, "src", "rid"),
      "cust_email": _customers_by("email"), "cust_phone": _customers_by("phone"),
      "cust_id": _customers_by("customer_id"),
      "map_record": Prepared(_map_of_records, "src", "rid"),
      "ids_customer": Prepared(_ids_of_customer, "cid")}


_COLS: dict[tuple[int, str], set[str]] = {}


def _columns(ws, name: str) -> set[str]:
    """Column names of a table, remembered per connection."""
    key = (id(ws.engine), name)
    if key not in _COLS:
        if len(_COLS) > 256:
            _COLS.clear()
        _COLS[key] = set(ws.table(name).columns)
    return _COLS[key]


def lookup(ws, *, email: str | None = None, phone: str | None = None,
           source: str | None = None, source_record_id: str | None = None,
           limit: int = 50, offset: int = 0, tables: set[str] | None = None
           ) -> list[dict[str, Any]]:
    """Customers matching an identifier: ``[{"customer_id", golden fields...}]``.

    Point queries are prepared once (:mod:`idic.service.prepared`): a lookup costs a few
    milliseconds, not the tens that compiling Ibis expressions would. ``tables``: the
    workspace's table names if the caller knows them (saves a catalogue query).
    """
    have = set(ws.tables()) if tables is None else tables
    email = email.strip().lower() if email else None
    phone = phone.strip() if phone else None
    cands: list[dict[str, Any]] = []
    if "identities" in have:
        if email:
            cands = _Q["ids_email"].rows(ws, v=email)
        elif phone:
            cands = _Q["ids_phone"].rows(ws, v=phone)
        elif source_record_id and source:
            cands = _Q["ids_record"].rows(ws, src=source, rid=source_record_id)
        elif source_record_id:
            cands = _ids_by("source_record_id").rows(ws, v=source_record_id)
    ok = [r for r in cands
          if (not email or r["email"] == email) and (not phone or r["phone"] == phone)
          and (not source or r["source"] == source)
          and (not source_record_id or r["source_record_id"] == source_record_id)]
    cids: set[str] = set()
    if "customers" in have and (email or phone):
        c_cols = _columns(ws, "customers")
        if email and "email" in c_cols:
            cids |= {r["customer_id"] for r in _Q["cust_email"].rows(ws, v=email)}
        elif phone and "phone" in c_cols:
            cids |= {r["customer_id"] for r in _Q["cust_phone"].rows(ws, v=phone)}
    mapped = "identity_map" in have
    for r in ok:
        got = (_Q["map_record"].rows(ws, src=r["source"], rid=r["source_record_id"])
               if mapped else [])
        cids |= ({g["customer_id"] for g in got} if got
                 else {f"{r['source']}:{r['source_record_id']}"})
    out = []
    for cid in sorted(cids)[offset:offset + limit]:
        p = summary(ws, cid, have=have)
        if p is not None:
            out.append(p)
    return out


def summary(ws, customer_id: str, *, have: set[str] | None = None
            ) -> dict[str, Any] | None:
    """Golden record fields of one customer (cheap: for lists and lookups)."""
    have = set(ws.tables()) if have is None else have
    if "customers" in have:
        got = _Q["cust_id"].rows(ws, v=customer_id)
        if got:
            return {k: _j(v) for k, v in got[0].items() if not k.startswith("_")}
    ids: list[dict[str, Any]] = []
    if "identities" not in have:
        return None
    if "identity_map" in have:
        ids = _Q["ids_customer"].rows(ws, cid=customer_id)
    if not ids and ":" in customer_id:
        src, rid = customer_id.split(":", 1)
        ids = _Q["ids_record"].rows(ws, src=src, rid=rid)
    return _golden_from(customer_id, [{k: _j(v) for k, v in r.items()} for r in ids])


def list_customers(ws, *, limit: int = 50, offset: int = 0,
                   country: str | None = None) -> dict[str, Any]:
    """A page of customers (golden records after identify, else source records)."""
    if ws.engine.has_table("customers"):
        t = ws.table("customers")
        if country and "country" in t.columns:
            t = t.filter(t.country == country)
        total = int(t.count().execute())
        rows = _rows(ws, t.order_by("customer_id").limit(limit, offset=offset))
    else:
        t = ws.table("identities")
        if country:
            t = t.filter(t.country == country)
        t = t.mutate(customer_id=t.source.concat(":", t.source_record_id))
        total = int(t.count().execute())
        rows = _rows(ws, t.order_by("customer_id").select(*GOLDEN_FIELDS)
                     .limit(limit, offset=offset))
    return {"customers": rows, "total": total, "limit": limit, "offset": offset}
