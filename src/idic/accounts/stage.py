"""The accounts stage (``idic run`` / ``idic demo`` / ``idic accounts run``): contacts linked
to accounts, and the account-level tables.

Writes ``account_contacts`` (one row per linked customer), ``account_orders``,
``account_value`` (one row per account) and ``account_journeys``. Idempotent: the tables are
replaced. Linking by e-mail domain is off unless configured: ``run(ws, by_domain=True)`` or
``workspace.json`` -> ``"accounts": {"link_by_domain": true, "free_mail_domains": [...]}``
(what :func:`configure` and ``idic accounts run --by-domain`` write).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from idic.accounts import link, rollup
from idic.accounts.freemail import free_mail_domains
from idic.differentiate.value._common import AsOf, resolve_as_of

if TYPE_CHECKING:
    from idic.workspace import Workspace

TABLES = ("account_contacts", "account_orders", "account_value", "account_journeys")
SETTINGS_KEY = "accounts"


def settings(ws: Workspace) -> dict[str, Any]:
    """The workspace's account-linking settings (``link_by_domain``, ``free_mail_domains``)."""
    got = ws.settings.get(SETTINGS_KEY) or {}
    return {"link_by_domain": bool(got.get("link_by_domain", False)),
            "free_mail_domains": sorted({str(d).strip().lower().lstrip("@")
                                         for d in got.get("free_mail_domains", []) if d})}


def configure(ws: Workspace, *, by_domain: bool | None = None,
              free_mail: Iterable[str] | None = None) -> dict[str, Any]:
    """Remember the linking settings in ``workspace.json`` (for later ``idic run``)."""
    from idic.workspace import SETTINGS_FILE

    cur = settings(ws)
    if by_domain is not None:
        cur["link_by_domain"] = by_domain
    if free_mail is not None:
        cur["free_mail_domains"] = sorted(set(cur["free_mail_domains"])
                                          | {d.strip().lower().lstrip("@") for d in free_mail
                                             if d.strip()})
    path = ws.path / SETTINGS_FILE
    data = json.loads(path.read_text())
    data[SETTINGS_KEY] = cur
    path.write_text(json.dumps(data, indent=2))
    ws.settings = data
    return cur


def run(ws: Workspace, *, by_domain: bool | None = None,
        free_mail: Iterable[str] | None = None, as_of: AsOf = None) -> dict[str, Any]:
    """Link contacts to accounts and write the account tables; returns a summary.

    ``by_domain`` / ``free_mail`` default to the workspace settings; ``as_of`` (the RFM
    date) defaults to the date of the latest order, as in the value stage."""
    conf = settings(ws)
    by_domain = conf["link_by_domain"] if by_domain is None else by_domain
    extra = conf["free_mail_domains"] + list(free_mail or [])
    eng = ws.engine
    ev = link.evidence(ws, by_domain=by_domain, free_mail=extra)
    eng.create_table("account_contacts", link.account_contacts(ev).order_by(
        "account_id", "customer_id"))
    contacts = ws.table("account_contacts")
    eng.create_table("account_orders", rollup.account_orders(ws, contacts))
    orders = ws.table("account_orders")
    day = resolve_as_of(ws.table("orders"), as_of) if eng.count("orders") else None
    eng.create_table("account_value", rollup.account_value(ws, contacts, orders, day))
    jr = rollup.account_journeys(ws, contacts)
    tables = list(TABLES)
    if jr is not None:
        eng.create_table("account_journeys", jr)
    else:
        tables.remove("account_journeys")
    av = ws.table("account_value")
    by = contacts.group_by("linked_by").aggregate(n=contacts.count()).execute()
    known = ws.table("accounts").select("account_id")
    unknown = contacts.select("account_id").distinct().anti_join(known, "account_id")
    return {
        "accounts": eng.count("accounts"),
        "accounts_with_contacts": int(contacts.account_id.nunique().execute()),
        "contacts": eng.count("account_contacts"),
        "linked_by": {str(k): int(v) for k, v in zip(by["linked_by"], by["n"], strict=True)},
        "contacts_with_several_accounts": int(
            contacts.filter(contacts.n_accounts > 1).count().execute()),
        "unknown_account_ids": int(unknown.count().execute()),
        "link_by_domain": by_domain,
        "free_mail_refused": link.refused_free_mail(ws, free_mail_domains(extra)),
        "account_orders": eng.count("account_orders"),
        "account_revenue": _num(av.revenue.sum().execute()),
        "account_clv": _num(av.clv.sum().execute()),
        "as_of": day.isoformat() if day else None,
        "tables": tables,
    }


def _num(x: Any) -> float:
    """A sum as a float; 0.0 for an empty one (None / NaN)."""
    return 0.0 if x is None or x != x else round(float(x), 2)
