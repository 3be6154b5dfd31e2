"""Which next best actions need a person, who owns them and when they are due (configuration).

Peppers & Rogers (*Managing Customer Experience and Relationships*, ch. 13, "be proactive")
and the course notes ("automate and manually generate new opportunities", "provide accurate
follow-up"): most actions run automatically (an e-mail), a few deserve a person — a call to a
most valuable (MVC) or most growable (MGC) customer at risk, service recovery after
complaints, the key account manager of a B2B account. The value categories are Peppers &
Rogers' (ch. 5: MVC, MGC, LMC, BZ).

``workspace.json`` key ``tasks`` (every key optional; the defaults are :data:`DEFAULTS`)::

    {"tasks": {
       "rules": [{"action": "service_recovery"},
                 {"action": "retain", "value_categories": ["MVC", "MGC"]},
                 {"action": "*", "b2b": true, "min_expected_value": 1}],
       "teams": {"service": ["service_recovery", "reduce_cost_to_serve"], ...},
       "members": {"service": ["Ana Silva", "Ben Okoye"]},
       "assignment": "least_loaded",      # or "round_robin"
       "max_open": {"*": 25, "Ben Okoye": 10},  # active tasks a person holds at most
       "account_owner": true,              # B2B contacts go to their account's owner
       "priority": {"high_actions": ["service_recovery"], "high_expected_value": 50,
                    "low_expected_value": 2},
       "due_days": {"high": 2, "normal": 7, "low": 14},
       "cooldown_days": 30}}

A next best action becomes a task when **any** rule matches it. A rule matches when every
condition it states holds: ``action`` (a name or ``"*"``: any action but ``dont_contact``),
``value_categories`` (the customer's category is one of them), ``b2b`` (the customer is, or
is not, a contact of a B2B account), ``min_expected_value``, ``min_clv``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from idic.customize.nba.priors import ACTIONS as _NBA_ACTIONS
from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

#: the next best actions a task may carry: every action of next best action but dont_contact
ACTIONS = tuple(a for a in _NBA_ACTIONS if a != "dont_contact")
PRIORITIES = ("high", "normal", "low")
ASSIGNMENTS = ("least_loaded", "round_robin")
RULE_KEYS = frozenset({"action", "value_categories", "b2b", "min_expected_value", "min_clv"})
VALUE_CATEGORIES = ("MVC", "MGC", "LMC", "BZ")

DEFAULTS: dict[str, Any] = {
    "rules": [
        {"action": "service_recovery"},  # complaints: a person calls back
        {"action": "retain", "value_categories": ["MVC", "MGC"]},  # a valuable customer at risk
        {"action": "win_back", "value_categories": ["MVC", "MGC"]},  # a valuable one lapsed
        {"action": "up_sell", "value_categories": ["MVC", "MGC"]},  # a personal offer
        {"action": "*", "b2b": True},  # B2B: the account owner follows up
    ],
    "teams": {"service": ["service_recovery", "reduce_cost_to_serve"],
              "retention": ["retain", "win_back"], "sales": ["cross_sell", "up_sell"]},
    "members": {},
    "assignment": "least_loaded",
    "max_open": None,  # no limit; a number for everyone, or {"*": n, "<person>": m}
    "account_owner": True,
    "priority": {"high_actions": ["service_recovery"], "high_expected_value": 50.0,
                 "low_expected_value": 2.0},
    "due_days": {"high": 2, "normal": 7, "low": 14},
    "cooldown_days": 30,
}


@dataclass(frozen=True)
class Rule:
    action: str = "*"
    value_categories: tuple[str, ...] | None = None
    b2b: bool | None = None
    min_expected_value: float | None = None
    min_clv: float | None = None

    def matches(self, row: dict[str, Any]) -> bool:
        action = row.get("action")
        if action not in ACTIONS or (self.action != "*" and action != self.action):
            return False
        if self.value_categories is not None and row.get("value_category") \
                not in self.value_categories:
            return False
        if self.b2b is not None and bool(row.get("account_id")) != self.b2b:
            return False
        if self.min_expected_value is not None and \
                _num(row.get("expected_value")) < self.min_expected_value:
            return False
        return not (self.min_clv is not None and _num(row.get("clv")) < self.min_clv)


def _num(v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return -math.inf
    return x if math.isfinite(x) else -math.inf


@dataclass(frozen=True)
class Config:
    rules: tuple[Rule, ...]
    teams: dict[str, str]  # action -> team
    members: dict[str, tuple[str, ...]]  # team -> people
    assignment: str
    account_owner: bool
    high_actions: tuple[str, ...]
    high_expected_value: float
    low_expected_value: float
    due_days: dict[str, int]
    cooldown_days: int
    max_open: dict[str, int] | None = None  # person (or "*") -> active tasks at most

    def capacity(self, person: str) -> float:
        """How many active tasks ``person`` may hold (``inf``: no limit)."""
        if not self.max_open:
            return math.inf
        return self.max_open.get(person, self.max_open.get("*", math.inf))

    def needs_person(self, row: dict[str, Any]) -> bool:
        return any(r.matches(row) for r in self.rules)

    def team_of(self, action: str) -> str:
        return self.teams.get(action, "sales")

    def priority(self, action: str, expected_value: float) -> str:
        if action in self.high_actions or expected_value >= self.high_expected_value:
            return "high"
        return "low" if expected_value < self.low_expected_value else "normal"

    def due(self, created: datetime, priority: str) -> datetime:
        return created + timedelta(days=self.due_days[priority])

    def people(self) -> set[str]:
        return {p for ms in self.members.values() for p in ms}


def _bad(key: str, msg: str) -> InputError:
    return InputError(f"workspace.json tasks.{key}: {msg}", hint="see docs/tasks.md")


def _rule(i: int, raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise _bad(f"rules[{i}]", "a rule is an object such as {\"action\": \"retain\"}")
    extra = set(raw) - RULE_KEYS
    if extra:
        raise _bad(f"rules[{i}]", f"unknown key(s) {', '.join(sorted(map(str, extra)))}; "
                   f"known: {', '.join(sorted(RULE_KEYS))}")
    action = raw.get("action", "*")
    if action != "*" and action not in ACTIONS:
        from idic.suggest import unknown_name

        raise unknown_name("action", str(action), (*ACTIONS, "*"),
                           given_in=f"workspace.json tasks.rules[{i}]")
    cats = raw.get("value_categories")
    if cats is not None:
        if not isinstance(cats, list) or any(c not in VALUE_CATEGORIES for c in cats):
            raise _bad(f"rules[{i}].value_categories",
                       f"a list of {', '.join(VALUE_CATEGORIES)}")
        cats = tuple(cats)
    b2b = raw.get("b2b")
    if b2b is not None and not isinstance(b2b, bool):
        raise _bad(f"rules[{i}].b2b", "true or false")
    nums = {}
    for k in ("min_expected_value", "min_clv"):
        v = raw.get(k)
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise _bad(f"rules[{i}].{k}", "a number")
            nums[k] = float(v)
    return Rule(action, cats, b2b, **nums)


def _people(team: str, raw: Any) -> tuple[str, ...]:
    from idic.customize.tasks.validate import owner

    if not isinstance(raw, list):
        raise _bad(f"members.{team}", "a list of names")
    return tuple(dict.fromkeys(owner(p, what=f"tasks.members.{team}") for p in raw))


def config(ws: Workspace | None) -> Config:
    """The task rules of the workspace (``workspace.json`` ``tasks``), over :data:`DEFAULTS`."""
    raw = ((getattr(ws, "settings", None) or {}).get("tasks") or {})
    if not isinstance(raw, dict):
        raise _bad("", "an object")
    unknown = set(raw) - set(DEFAULTS)
    if unknown:
        raise _bad(sorted(unknown)[0], f"unknown key; known: {', '.join(sorted(DEFAULTS))}")
    c = copy.deepcopy(DEFAULTS)
    for k, v in raw.items():
        if isinstance(c[k], dict) and k not in ("teams", "members"):
            if not isinstance(v, dict):
                raise _bad(k, "an object")
            c[k].update(v)
        else:
            c[k] = v
    if not isinstance(c["rules"], list):
        raise _bad("rules", "a list of rules")
    rules = tuple(_rule(i, r) for i, r in enumerate(c["rules"]))
    if not isinstance(c["teams"], dict):
        raise _bad("teams", "an object team -> [actions]")
    teams: dict[str, str] = {}
    for team, actions in c["teams"].items():
        if not isinstance(actions, list) or any(a not in ACTIONS for a in actions):
            raise _bad(f"teams.{team}", f"a list of actions among {', '.join(ACTIONS)}")
        for a in actions:
            teams[a] = str(team)
    if not isinstance(c["members"], dict):
        raise _bad("members", "an object team -> [names]")
    members = {str(t): _people(str(t), ps) for t, ps in c["members"].items()}
    if c["assignment"] not in ASSIGNMENTS:
        raise _bad("assignment", f"one of {', '.join(ASSIGNMENTS)}")
    pr, dd = c["priority"], c["due_days"]
    for k in ("high_expected_value", "low_expected_value"):
        if isinstance(pr.get(k), bool) or not isinstance(pr.get(k), int | float):
            raise _bad(f"priority.{k}", "a number")
    if set(dd) != set(PRIORITIES) or any(
            isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 3650
            for v in dd.values()):
        raise _bad("due_days", "whole days 0-3650 for high, normal and low")
    cd = c["cooldown_days"]
    if isinstance(cd, bool) or not isinstance(cd, int) or not 0 <= cd <= 3650:
        raise _bad("cooldown_days", "whole days 0-3650")
    return Config(rules, teams, members, c["assignment"], bool(c["account_owner"]),
                  tuple(pr.get("high_actions") or ()), float(pr["high_expected_value"]),
                  float(pr["low_expected_value"]), {k: int(v) for k, v in dd.items()}, cd,
                  _max_open(c["max_open"]))


MAX_OPEN = 100_000


def _max_open(raw: Any) -> dict[str, int] | None:
    """``max_open``: None (no limit), a number for everyone, or ``{"*": n, person: m}``
    (0: the person takes no new tasks, e.g. on leave)."""
    from idic.customize.tasks.validate import owner

    def count(v: Any, key: str) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_OPEN:
            raise _bad(key, f"a whole number of active tasks, 0-{MAX_OPEN:,}")
        return v

    if raw is None:
        return None
    if not isinstance(raw, dict):
        return {"*": count(raw, "max_open")}
    return {("*" if k == "*" else owner(k, what="tasks.max_open")): count(v, f"max_open.{k}")
            for k, v in raw.items()}
