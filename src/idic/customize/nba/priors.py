"""The action catalogue of next best action: who is eligible, the value at stake, and the
prior uplift and cost of each action (configuration), replaced by measured uplifts where an
experiment saved in the ``experiments`` table tested the action.

Expected value of an action for a customer (Peppers & Rogers, *Managing Customer Experience
and Relationships*, ch. 12-13: judge a treatment by the customer value it creates, not by
clicks; test before rolling out):

    EV = uplift x value at stake - cost

``uplift`` is the *incremental* probability that the customer responds (treated minus
untreated), never the raw response rate. The priors below are stated assumptions, in the
range the sources give for such programmes; change them in ``workspace.json`` under
``nba.priors.<action>`` (keys ``uplift``, ``cost``), or measure them: an experiment whose name
starts with the action's name (``win_back``, ``win-back-2026-q3``, ``winback-2026-11``) replaces the prior
with its measured absolute effect (best non-control variant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

#: actions that reach out to the customer (they need the consent gate and the caps)
CONTACT_ACTIONS = ("retain", "win_back", "cross_sell", "up_sell", "service_recovery")
ACTIONS = (*CONTACT_ACTIONS, "reduce_cost_to_serve", "dont_contact")


@dataclass(frozen=True)
class Prior:
    action: str
    uplift: float  # incremental response probability
    cost: float  # per customer treated, in the workspace currency
    channel: str | None  # None: no outbound contact
    purpose: str | None  # consent purpose needed (None: legitimate interest, service)
    source: str
    measured_by: str | None = None  # the experiment that measured ``uplift``
    ci: tuple[float, float] | None = None


#: the stated priors (assumptions; sources in docs/nba.md)
DEFAULT_PRIORS: dict[str, Prior] = {p.action: p for p in (
    Prior("retain", 0.05, 2.0, "email", "email_marketing",
          "assumption: retention offers to at-risk customers save ~5 in 100 who would "
          "otherwise lapse (Peppers & Rogers ch. 12-13: measure it with a holdout)"),
    Prior("win_back", 0.03, 2.0, "email", "email_marketing",
          "assumption: win-back mailings reactivate ~3% more lapsed customers than no mailing"),
    Prior("cross_sell", 0.04, 1.0, "email", "personalisation",
          "assumption: a personalised recommendation lifts the chance of one more order by "
          "~4 points"),
    Prior("up_sell", 0.02, 5.0, "email", "personalisation",
          "assumption: ~2% of most growable customers realise their unrealised potential "
          "after a personal offer"),
    Prior("service_recovery", 0.10, 10.0, "call_centre", None,
          "assumption: a call after a badly handled complaint keeps ~10% more of the "
          "customer's value (service recovery paradox, Peppers & Rogers ch. 8 and 12)"),
    Prior("reduce_cost_to_serve", 0.20, 1.0, None, None,
          "assumption: steering to self-service cuts ~20% of the cost to serve"),
)}

#: a won-back customer's expected orders after reactivation (value at stake of win_back)
WIN_BACK_ORDERS = 2.0

_SEP = re.compile(r"[^a-z0-9]+")


def _norm(name: str) -> str:
    return _SEP.sub("_", name.strip().lower()).strip("_")


def configured(ws: Workspace | None) -> dict[str, Prior]:
    """The priors with the overrides of ``workspace.json`` (``nba.priors``)."""
    out = dict(DEFAULT_PRIORS)
    cfg = ((getattr(ws, "settings", None) or {}).get("nba", {}) or {}).get("priors", {}) or {}
    for action, over in cfg.items():
        if action not in out or not isinstance(over, dict):
            raise InputError(f"nba.priors: unknown action {action!r}",
                             hint=", ".join(sorted(DEFAULT_PRIORS)))
        kw: dict[str, Any] = {}
        for k in ("uplift", "cost"):
            if k in over:
                v = float(over[k])
                if not (0.0 <= v <= (1.0 if k == "uplift" else 1e9)):
                    raise InputError(f"nba.priors.{action}.{k} = {v} is out of range")
                kw[k] = v
        out[action] = replace(out[action], source="workspace.json nba.priors", **kw)
    return out


def measured(ws: Workspace) -> dict[str, Prior]:
    """The priors, with the uplift of every action an experiment measured (newest first)."""
    from idic.customize.experiments.store import load_results

    out = configured(ws)
    done: set[str] = set()
    for e in load_results(ws):
        name = _norm(e["name"])
        first = name.split("_")[0]
        action = next((a for a in out if name == a or name.startswith(a + "_")
                       or first == a.replace("_", "")), None)
        if action is None or action in done:
            continue
        best = None
        for _v, r in (e["result"].get("variants") or {}).items():
            if r.get("is_control"):
                continue
            a = r.get("absolute") or {}
            if a.get("effect") is not None and (best is None or a["effect"] > best["effect"]):
                best = a
        if best is None:
            continue
        ci = best.get("ci") or [None, None]
        out[action] = replace(out[action], uplift=max(0.0, float(best["effect"])),
                              measured_by=e["name"],
                              ci=(ci[0], ci[1]) if None not in ci else None)
        done.add(action)
    return out
