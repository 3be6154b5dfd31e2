"""Next best action under a budget and capacities: which customers get which action when
not everyone can get their best one.

The problem (a multiple-choice knapsack with side constraints): every customer gets at most
one of their allowed actions with a positive expected value (EV); the total cost stays
within the **budget**; the number of customers given the actions of a **capacity** group
(an action, or a channel: ``call_centre`` for the service-recovery calls, ``email``) stays
within its capacity; the total EV is the largest possible. A customer who loses their best
action gets their next-best permitted one, or ``dont_contact``.

* **Exact** (up to :data:`EXACT_PAIRS` candidate pairs): the integer program solved by
  HiGHS through ``scipy.optimize.milp`` (branch and bound; the gap it reports is 0 at the
  optimum).
* **Greedy** (larger problems): candidate pairs in decreasing EV per unit of cost (the
  classic greedy of the knapsack problem, Dantzig 1957), a customer's assignment upgraded
  when a later pair of theirs adds EV and its extra cost still fits (the incremental idea of
  Sinha & Zoltners 1979 for the multiple-choice knapsack). Its optimality gap is bounded
  above by the Lagrangian dual bound (budget and capacities priced, each customer then
  takes their best priced action; the price minimising the bound is searched), reported
  as ``bound`` and ``gap``.

When no limit binds, the choice is each customer's best action (the unconstrained arg-max).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from idic.errors import InputError

if TYPE_CHECKING:
    from idic.customize.nba.priors import Prior
    from idic.workspace import Workspace

#: the exact integer program is solved up to this many (customer, action) pairs
EXACT_PAIRS = 5_000
#: channel names accepted for ``--capacity`` beside the action names
ALIASES = {"call": "call_centre", "phone": "call_centre", "calls": "call_centre",
           "mail": "email", "emails": "email"}
_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")
_COUNT = re.compile(r"^\s*\d+\s*$")


@dataclass(frozen=True)
class Limits:
    budget: float | None = None
    capacity: dict[str, int] = field(default_factory=dict)  # group name -> customers

    @property
    def active(self) -> bool:
        return self.budget is not None or bool(self.capacity)

    def as_dict(self) -> dict[str, Any]:
        return {"budget": self.budget, "capacity": dict(self.capacity)}


def parse_budget(text: str | float | int | None) -> float | None:
    """A total cost ``>= 0`` (``5000``, ``2500.50``); None stays None."""
    if text is None:
        return None
    if isinstance(text, bool):
        raise InputError(f"budget {text!r} is not an amount")
    if isinstance(text, int | float):
        v = float(text)
    else:
        if not isinstance(text, str) or not _NUMBER.match(text):
            raise InputError(f"budget {text!r} is not an amount",
                             hint="a plain number in the workspace currency, e.g. 5000")
        v = float(text)
    if not math.isfinite(v) or v < 0 or v > 1e15:
        raise InputError(f"budget {text!r} must be between 0 and 1e15")
    return v


def capacity_keys(priors: dict[str, Prior]) -> dict[str, frozenset[str]]:
    """Capacity group names: every action, and every channel (its actions)."""
    out: dict[str, frozenset[str]] = {a: frozenset([a]) for a in priors}
    for ch in sorted({p.channel for p in priors.values() if p.channel}):
        out[ch] = frozenset(a for a, p in priors.items() if p.channel == ch)
    return out


def parse_capacity(items: Sequence[str] | str | dict[str, Any] | None,
                   priors: dict[str, Prior]) -> dict[str, int]:
    """``["call=200", "email=5000,retain=10"]`` (or a dict from ``workspace.json``) to
    ``{group: customers}``; groups are actions or channels (``call`` = ``call_centre``)."""
    if items is None:
        return {}
    keys = capacity_keys(priors)
    pairs: list[tuple[str, Any]] = []
    if isinstance(items, dict):
        pairs = list(items.items())
    else:
        for item in [items] if isinstance(items, str) else items:
            if not isinstance(item, str):
                raise InputError(f"capacity {item!r} is not KEY=N")
            for part in item.split(","):
                if not part.strip():
                    continue
                if part.count("=") != 1:
                    raise InputError(f"capacity {part.strip()!r} is not KEY=N",
                                     hint="e.g. --capacity call=200 --capacity email=5000")
                k, v = part.split("=")
                pairs.append((k, v))
    out: dict[str, int] = {}
    for k, v in pairs:
        name = str(k).strip().lower()
        name = ALIASES.get(name, name)
        if name not in keys:
            raise InputError(f"capacity: unknown action or channel {str(k).strip()!r}",
                             hint=", ".join([*keys, *ALIASES]))
        if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str)
                                                             and _COUNT.match(v))):
            raise InputError(f"capacity {name}={v!r}: the capacity is a whole number of "
                             "customers")
        n = int(v)
        if n < 0 or n > 10**12:
            raise InputError(f"capacity {name}={n} is out of range")
        if name in out:
            raise InputError(f"capacity for {name!r} is given twice")
        out[name] = n
    return out


def limits_of(ws: Workspace | None, budget: Any, capacity: Any,
              priors: dict[str, Prior]) -> Limits:
    """The limits of this run: the options given, else ``workspace.json`` (``nba.budget``,
    ``nba.capacity``)."""
    cfg = ((getattr(ws, "settings", None) or {}).get("nba", {}) or {})
    b = parse_budget(budget if budget is not None else cfg.get("budget"))
    c = parse_capacity(capacity if capacity else cfg.get("capacity"), priors)
    return Limits(b, c)


@dataclass
class Allocation:
    chosen: np.ndarray  # per pair: taken
    method: str  # "unconstrained", "exact" or "greedy"
    value: float
    cost: float
    bound: float | None = None  # an upper bound of the best total EV under the limits
    binding: list[str] = field(default_factory=list)  # the limits that bind

    @property
    def gap(self) -> float | None:
        return None if self.bound is None else max(0.0, self.bound - self.value)

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "total_expected_value": round(self.value, 2),
                "total_cost": round(self.cost, 2),
                "bound": None if self.bound is None else round(self.bound, 2) + 0.0,
                "gap": None if self.gap is None else round(self.gap, 2),
                "binding": self.binding}


def _groups(limits: Limits, priors: dict[str, Prior], actions: np.ndarray
            ) -> list[tuple[str, np.ndarray, int]]:
    keys = capacity_keys(priors)
    return [(g, np.isin(actions, sorted(keys[g])), cap) for g, cap in limits.capacity.items()]


def allocate(customer: np.ndarray, action: np.ndarray, ev: np.ndarray, cost: np.ndarray,
             best: np.ndarray, limits: Limits, priors: dict[str, Prior]) -> Allocation:
    """Choose pairs (``customer[i]`` gets ``action[i]``) under ``limits``. Pairs are the
    allowed candidates with a positive EV; ``best[i]`` marks each customer's unconstrained
    choice. Customers are integer codes."""
    ev, cost = np.asarray(ev, float), np.asarray(cost, float)
    best = np.asarray(best, bool)
    groups = _groups(limits, priors, action)

    def binding(take: np.ndarray) -> list[str]:
        out = []
        if limits.budget is not None and cost[take].sum() > limits.budget + 1e-9:
            out.append("budget")
        out += [g for g, m, cap in groups if (m & take).sum() > cap]
        return out

    bind = binding(best)
    if not bind:
        return Allocation(best.copy(), "unconstrained", float(ev[best].sum()),
                          float(cost[best].sum()))
    if len(ev) <= EXACT_PAIRS:
        take, bound = _exact(customer, ev, cost, limits, groups)
        method = "exact"
    else:
        take = _greedy(customer, ev, cost, limits, groups)
        bound = _dual_bound(customer, ev, cost, limits, groups)
        method = "greedy"
    return Allocation(take, method, float(ev[take].sum()), float(cost[take].sum()),
                      bound, bind)


def _exact(customer: np.ndarray, ev: np.ndarray, cost: np.ndarray, limits: Limits,
           groups: list[tuple[str, np.ndarray, int]]) -> tuple[np.ndarray, float]:
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    m = len(ev)
    codes, cust = np.unique(customer, return_inverse=True)
    rows = [sp.csr_matrix((np.ones(m), (cust, np.arange(m))), shape=(len(codes), m))]
    hi = [np.ones(len(codes))]
    if limits.budget is not None:
        rows.append(sp.csr_matrix(cost[None, :]))
        hi.append(np.array([limits.budget]))
    for _g, mask, cap in groups:
        rows.append(sp.csr_matrix(mask.astype(float)[None, :]))
        hi.append(np.array([float(cap)]))
    a = sp.vstack(rows).tocsr()
    ub = np.concatenate(hi)
    res = milp(-ev, constraints=LinearConstraint(a, -np.inf, ub), integrality=np.ones(m),
               bounds=Bounds(0, 1), options={"time_limit": 30, "mip_rel_gap": 1e-9})
    if res.x is None:  # pragma: no cover - HiGHS found nothing in time: fall back
        return _greedy(customer, ev, cost, limits, groups), float("nan")
    take = res.x > 0.5
    bound = getattr(res, "mip_dual_bound", None)
    return take, float(-bound) if bound is not None else float(ev[take].sum())


def _greedy(customer: np.ndarray, ev: np.ndarray, cost: np.ndarray, limits: Limits,
            groups: list[tuple[str, np.ndarray, int]]) -> np.ndarray:
    ratio = np.where(cost > 0, ev / np.where(cost > 0, cost, 1.0), np.inf)
    order = np.lexsort((-ev, -ratio))
    budget = math.inf if limits.budget is None else limits.budget
    left = [cap for _g, _m, cap in groups]
    member = [m for _g, m, _cap in groups]
    held: dict[Any, int] = {}
    take = np.zeros(len(ev), bool)
    spent = 0.0
    for i in order:
        c = customer[i]
        j = held.get(c)
        extra = cost[i] - (cost[j] if j is not None else 0.0)
        if j is not None and ev[i] <= ev[j]:
            continue
        if spent + extra > budget + 1e-9:
            continue
        ok = True
        for k, m in enumerate(member):
            if m[i] and not (j is not None and m[j]) and left[k] <= 0:
                ok = False
                break
        if not ok:
            continue
        for k, m in enumerate(member):
            if j is not None and m[j]:
                left[k] += 1
            if m[i]:
                left[k] -= 1
        if j is not None:
            take[j] = False
        take[i] = True
        held[c] = i
        spent += extra
    return take


def _dual_bound(customer: np.ndarray, ev: np.ndarray, cost: np.ndarray, limits: Limits,
                groups: list[tuple[str, np.ndarray, int]]) -> float:
    """min over prices of the Lagrangian bound (weak duality); prices searched one at a
    time (golden section on the budget price, then each capacity price), a few rounds."""
    codes, cust = np.unique(customer, return_inverse=True)
    n = len(codes)
    lam = 0.0
    mu = np.zeros(len(groups))
    masks = [m for _g, m, _c in groups]
    caps = np.array([c for _g, _m, c in groups], float)

    def ub(lam_: float, mu_: np.ndarray) -> float:
        red = ev - lam_ * cost
        for k, m in enumerate(masks):
            red = red - mu_[k] * m
        best = np.zeros(n)
        np.maximum.at(best, cust, red)
        return float(np.maximum(best, 0).sum() + lam_ * (limits.budget or 0.0)
                     + (mu_ * caps).sum())

    def golden(f: Any, hi: float) -> float:
        a, b = 0.0, hi
        g = (math.sqrt(5) - 1) / 2
        for _ in range(40):
            c1, c2 = b - g * (b - a), a + g * (b - a)
            if f(c1) <= f(c2):
                b = c2
            else:
                a = c1
        return (a + b) / 2

    top = float(np.max(ev)) if len(ev) else 0.0
    for _ in range(3):
        if limits.budget is not None:
            pos = cost > 0
            hi = float(np.max(ev[pos] / cost[pos])) if pos.any() else 0.0
            lam = golden(lambda x: ub(x, mu), hi)
        for k in range(len(groups)):
            def f(x: float, k: int = k, lam: float = lam) -> float:
                mm = mu.copy()
                mm[k] = x
                return ub(lam, mm)
            mu[k] = golden(f, top)
    return min(ub(lam, mu), ub(0.0, np.zeros(len(groups))))
