"""Workspace tables keyed by ``customer_id`` (the inputs of the value stage).

Orders come from :meth:`Workspace.customer_orders`; cases, surveys and service events are
resolved the same way: through ``identity_map`` once identify has run, else
``source:source_customer_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

if TYPE_CHECKING:
    from idic.workspace import Workspace


def keyed(ws: Workspace, name: str, id_col: str) -> ir.Table | None:
    """Table ``name`` with a ``customer_id`` column resolved from ``(source, id_col)``;
    None when the workspace has no such table or it is empty of customer keys."""
    if not ws.engine.has_table(name):
        return None
    t = ws.table(name)
    local = t.source + ":" + t[id_col]
    if ws.engine.has_table("identity_map"):
        m = ws.table("identity_map").select("source", "source_record_id",
                                            _cid="customer_id")
        j = t.left_join(m, [t.source == m.source, t[id_col] == m.source_record_id])
        cols = [c for c in t.columns if c != "customer_id"]
        return j.select(*cols, customer_id=ibis.coalesce(j._cid, j.source + ":" + j[id_col]))
    return t.mutate(customer_id=local)


def orders(ws: Workspace) -> ir.Table:
    """Orders keyed by customer (``customer_id, order_id, ordered_at, amount, margin, ...``)."""
    return ws.customer_orders()


def cases(ws: Workspace) -> ir.Table | None:
    """Complaint / service cases keyed by customer."""
    return keyed(ws, "cases", "source_customer_id")


def surveys(ws: Workspace) -> ir.Table | None:
    """Survey responses keyed by customer."""
    return keyed(ws, "survey_responses", "source_customer_id")


def service_contacts(ws: Workspace) -> ir.Table | None:
    """Events that are service contacts (stage ``support``), keyed by ``user_id``."""
    ev = keyed(ws, "events", "user_id")
    if ev is None:
        return None
    return ev.filter(ev.stage == "support").select("customer_id", at=ev.timestamp)


def clv(ws: Workspace) -> ir.Table | None:
    """The ``clv`` table written by the CLV models, normalised to
    ``customer_id, clv, p_alive`` (either may be null), or None if there is none.

    Recognised column names: ``clv`` / ``predicted_clv`` / ``expected_clv`` and
    ``p_alive`` / ``probability_alive``.
    """
    if not ws.engine.has_table("clv"):
        return None
    t = ws.table("clv")
    if "customer_id" not in t.columns:
        return None
    value = next((c for c in ("clv", "predicted_clv", "expected_clv") if c in t.columns), None)
    alive = next((c for c in ("p_alive", "probability_alive") if c in t.columns), None)
    if value is None and alive is None:
        return None
    return t.select(
        customer_id=t.customer_id.cast("string"),
        clv=t[value].cast("float64") if value else ibis.null("float64"),
        p_alive=t[alive].cast("float64") if alive else ibis.null("float64"),
    )
