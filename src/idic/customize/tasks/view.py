"""Tasks as people see them: with the customer's contact details (masked by role where shown,
see :func:`idic.privacy.roles.mask_row`), and the tasks of one customer for the 360."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from idic.customize.tasks import store

if TYPE_CHECKING:
    from idic.workspace import Workspace

CONTACT = ("first_name", "last_name", "email", "phone", "city")


def contacts(ws: Workspace, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The golden record's contact fields of each customer id (unmasked)."""
    eng = ws.engine
    if not ids or not eng.has_table("customers"):
        return {}
    c = ws.table("customers")
    cols = [k for k in CONTACT if k in c.columns]
    rows = eng.to_arrow(c.filter(c.customer_id.isin(sorted(set(ids)))).select(
        "customer_id", *cols)).to_pylist()
    return {r["customer_id"]: {k: r[k] for k in cols} for r in rows}


def granted(ws: Workspace, ids: list[str]) -> dict[str, set[str]]:
    """Purposes each customer currently consents to."""
    from idic.privacy.consent import consents_of

    out: dict[str, set[str]] = {}
    for r in consents_of(ws, sorted(set(ids)))["current"]:
        if r.get("status") == "granted":
            out.setdefault(r["customer_id"], set()).add(r["purpose"])
    return out


#: what a service agent sees of the customer of an open task of theirs
SERVICE_CONTACT = ("first_name", "last_name", "email", "phone")
ACTIVE = ("open", "assigned")


def masked(ws: Workspace, rows: list[dict[str, Any]], role: str, secret: bytes, *,
           owner: str | None = None) -> list[dict[str, Any]]:
    """Task rows (JSON-ready) with ``contact`` as ``role`` may see it: admin and privacy
    everything; a marketer the first name, city, and e-mail/phone only with consent; an
    analyst no contact details and no notes (free text); a service agent (``owner``: the
    key's person) name, e-mail and phone for their own open tasks, the first name only
    once a task is closed, nothing of anyone else's."""
    from idic.privacy.roles import mask_row

    ids = [r["customer_id"] for r in rows]
    cs = contacts(ws, ids)
    ok = granted(ws, ids) if role == "marketer" else {}
    out = []
    for r in rows:
        row = store.jsonable(r)
        c = {"customer_id": r["customer_id"], **cs.get(r["customer_id"], {})}
        if role == "service":
            mine = owner is not None and r.get("owner") == owner
            keep = SERVICE_CONTACT if mine and r.get("status") in ACTIVE else (
                ("first_name",) if mine else ())
            row["contact"] = {k: c.get(k) for k in keep}
            if not mine:
                row["note"] = None
        else:
            c = mask_row(c, role, secret, ok.get(r["customer_id"], set()))
            row["contact"] = {k: v for k, v in c.items() if k != "customer_id"}
            if role not in ("admin", "privacy", "marketer"):
                row["note"] = None
        out.append(row)
    return out


def for_customer(ws: Workspace, customer_id: str) -> list[dict[str, Any]]:
    """The customer's tasks, newest first (for the customer 360)."""
    if not ws.engine.has_table(store.TABLE):
        return []
    t = ws.table(store.TABLE)
    t = t.filter(t.customer_id == customer_id).order_by([t.created_at.desc(), t.task_id])
    return [store.jsonable(r) for r in ws.engine.to_arrow(t).to_pylist()]
