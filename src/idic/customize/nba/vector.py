"""The choice of next best action as one engine query (Ibis: DuckDB or Spark), no Python loop.

Per customer, every action of the catalogue becomes columns: is it a candidate, the value at
stake, the uplift (per customer where an uplift model predicted it), the expected value
``uplift x value at stake - cost`` (Peppers & Rogers ch. 12-13), and whether the gates allow
it. The chosen action is the arg-max of the allowed positive expected values (ties: the
action name first in alphabetical order), else ``dont_contact``. The rules are those of
:func:`idic.customize.nba.decide.candidates` and :func:`~idic.customize.nba.decide.choose`,
which stay as the readable reference (a test checks both agree on the demo and on random
profiles). The reason is written in the engine too (:mod:`idic.customize.nba.textfmt`).

Input columns (missing ones count as NULL): ``customer_id``, ``p_alive``, ``clv``,
``orders``, ``revenue``, ``recent_complaints``, ``n_complaints``, ``silent_dissatisfied``,
``dormant``, ``falling_frequency``, ``nps_drop``, ``rec_item``, ``rec_score``,
``value_category``, ``unrealised_potential``, ``cost_to_serve``, ``n_cases``; the gates:
``profiled`` and ``allowed_<action>`` (booleans); per-customer uplifts ``model_up_<action>``
for the actions an uplift model covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from idic.customize.nba.decide import AT_RISK, LAPSED
from idic.customize.nba.priors import WIN_BACK_ORDERS, Prior
from idic.customize.nba.textfmt import fixed

if TYPE_CHECKING:
    from idic.engine.base import Engine

#: the catalogue order (columns, alternatives); ties between equal EVs go alphabetically
ORDER = ("retain", "win_back", "cross_sell", "up_sell", "service_recovery",
         "reduce_cost_to_serve")
NUMBERS = ("p_alive", "clv", "orders", "revenue", "recent_complaints", "n_complaints",
           "rec_score", "unrealised_potential", "cost_to_serve", "n_cases")
FLAGS = ("silent_dissatisfied", "dormant", "falling_frequency", "nps_drop")
TEXTS = ("rec_item", "value_category")
BLOCKED_REASON = ("restricted, objected, erased or no profiling consent: no action may be "
                  "taken")

#: where an uplift came from (column ``uplift_source``)
MODEL, AVERAGE, PRIOR = "measured_model", "measured_average", "prior"


@dataclass(frozen=True)
class Uplift:
    """The uplift of one action: a constant (prior or measured average) and, when an
    uplift model covers the action, the per-customer column ``model_up_<action>``."""

    action: str
    average: float
    source: str  # PRIOR or AVERAGE
    note: str  # where the constant came from, in words
    model_note: str | None = None  # the model, in words; None: no per-customer uplift


def uplift_of(p: Prior, model_note: str | None = None, average: float | None = None,
              average_note: str | None = None) -> Uplift:
    """The :class:`Uplift` of a catalogue entry (prior or experiment) and an optional model
    (whose measured average replaces the prior for customers it cannot score)."""
    if average is not None:
        return Uplift(p.action, average, AVERAGE, average_note or "measured", model_note)
    if p.measured_by:
        ci = f", CI [{p.ci[0]:.3f}, {p.ci[1]:.3f}]" if p.ci else ""
        return Uplift(p.action, p.uplift, AVERAGE, f"experiment '{p.measured_by}'{ci}",
                      model_note)
    return Uplift(p.action, p.uplift, PRIOR, f"no experiment has measured {p.action} yet",
                  model_note)


def f64(x: float) -> ir.FloatingValue:
    """A float64 literal that stays float64 in the engine (Ibis writes ``2.0``, which
    DuckDB reads as DECIMAL(2,1); a cast from text cannot be elided)."""
    return ibis.literal(repr(float(x))).cast("float64")


def _num(t: ir.Table, c: str) -> ir.FloatingValue:
    if c not in t.columns:
        return ibis.null(dt.float64)
    x = t[c].cast("float64")
    return ibis.ifelse(x.isnan() | x.isinf(), ibis.null(dt.float64), x)


def _flag(t: ir.Table, c: str) -> ir.BooleanValue:
    return t[c].cast("boolean").fill_null(False) if c in t.columns else ibis.literal(False)


def _text(t: ir.Table, c: str) -> ir.StringValue:
    return t[c].cast("string") if c in t.columns else ibis.null(dt.string)


def _int(x: ir.FloatingValue) -> ir.IntegerValue:
    """Truncation towards zero, as Python's ``int()`` (clipped to +-1e15)."""
    x = x.clip(lower=-1e15, upper=1e15)
    return ibis.ifelse(x >= 0, x.floor(), x.ceil()).cast("int64")


def _join(*parts: ir.StringValue) -> ir.StringValue:
    return ibis.literal(", ").join(list(parts))


def features(t: ir.Table) -> ir.Table:
    """Layer 1 (numbers): the cleaned inputs and, per action, ``cand_<a>`` and
    ``stake_<a>``."""
    # step 0: the inputs cleaned (NaN and infinities are missing), one column each
    c = t.select(
        customer_id=t.customer_id.cast("string"), profiled=_flag(t, "profiled"),
        **{k: _num(t, k) for k in NUMBERS}, **{k: _flag(t, k) for k in FLAGS},
        **{k: _text(t, k) for k in TEXTS},
        **{f"allowed_{a}": _flag(t, f"allowed_{a}") for a in ORDER},
        **{f"model_up_{a}": _num(t, f"model_up_{a}") for a in ORDER
           if f"model_up_{a}" in t.columns}).view()
    rc, nc = c.recent_complaints.fill_null(0.0), c.n_complaints.fill_null(0.0)
    c = c.mutate(_complaints=ibis.ifelse(rc != 0, rc, nc),
                 _cases=c.n_cases.fill_null(0.0)).view()
    orders, revenue = c.orders.fill_null(0.0), c.revenue.fill_null(0.0)
    base = c.select(
        "customer_id", "profiled", "p_alive", *[f"allowed_{a}" for a in ORDER],
        *[f"model_up_{a}" for a in ORDER if f"model_up_{a}" in c.columns],
        has_p=c.p_alive.notnull(), clv0=c.clv.fill_null(0.0),
        orders=orders, aov=ibis.ifelse(orders > 0, revenue / orders, 0.0),
        complaints=_int(c._complaints),
        lapsed=c.dormant | (c.p_alive.notnull() & (c.p_alive < LAPSED)),
        ff=c.falling_frequency, nd=c.nps_drop, silent=c.silent_dissatisfied,
        score=c.rec_score.fill_null(0.0), item=c.rec_item, vc=c.value_category,
        unreal=c.unrealised_potential.fill_null(0.0),
        cts=c.cost_to_serve.fill_null(0.0), cases=_int(c._cases)).view()
    b = base
    stake = {
        "retain": b.clv0,
        "win_back": WIN_BACK_ORDERS * b.aov,
        "cross_sell": b.aov * (1.0 + b.score),
        "up_sell": b.unreal,
        "service_recovery": ibis.ifelse(b.clv0 > 0, b.clv0, b.aov),
        "reduce_cost_to_serve": b.cts,
    }
    cand = {
        "retain": ~b.lapsed & (b.clv0 > 0) & ((b.has_p & (b.p_alive < AT_RISK)) | b.ff
                                              | b.nd),
        "win_back": b.lapsed & (b.orders > 0),
        "cross_sell": ~b.lapsed & b.item.notnull() & (b.item != "") & (b.aov > 0),
        "up_sell": ~b.lapsed & b.vc.isin(["MGC", "MVC"]).fill_null(False) & (b.unreal > 0),
        "service_recovery": (b.complaints > 0) | b.silent,
        "reduce_cost_to_serve": (b.cts > 0) & ((b.vc == "BZ").fill_null(False)
                                               | (b.cases >= 3)),
    }
    return b.mutate(**{f"stake_{a}": stake[a] for a in ORDER},
                    **{f"cand_{a}": (cand[a] & (stake[a] > 0)).fill_null(False)
                       for a in ORDER})


def _why(b: ir.Table, currency: str) -> dict[str, ir.StringValue]:
    """Per action, the data behind it in words (built in layer 3, for the chosen action
    only: the engine evaluates a CASE branch on the rows that take it)."""
    null_s = ibis.null(dt.string)
    cur = f" {currency}" if currency else ""

    def m(col: str) -> ir.StringValue:
        return txt(b, col) + cur

    p2 = txt(b, "p_alive", grouping=False)
    alive = ibis.ifelse(b.has_p, "P(alive) " + p2, null_s)
    return {
        "retain": _join(
            ibis.ifelse(b.has_p, ibis.ifelse(b.p_alive < AT_RISK, "P(alive) fell to " + p2,
                                             alive), null_s),
            "CLV " + m("clv0") + " at stake",
            ibis.ifelse(b.ff, "falling purchase frequency", null_s),
            ibis.ifelse(b.nd, "NPS dropped", null_s)),
        "win_back": "lapsed (" + alive.fill_null("dormant") + "), "
                    + _int(b.orders).cast("string") + " past orders of " + m("aov")
                    + " on average",
        "cross_sell": "recommended " + b.item.fill_null("") + " (score "
                      + txt(b, "score", grouping=False) + "), average order " + m("aov"),
        "up_sell": b.vc.fill_null("") + " with unrealised potential " + m("unreal"),
        "service_recovery": _join(
            ibis.ifelse(b.complaints != 0, b.complaints.cast("string") + " recent complaint"
                        + ibis.ifelse(b.complaints != 1, "s", ""), null_s),
            ibis.ifelse(b.silent, "silent dissatisfied", null_s),
            ibis.ifelse(b.clv0 > 0, "CLV " + m("clv0"), null_s)),
        "reduce_cost_to_serve": "value category "
                                + ibis.ifelse(b.vc.isnull() | (b.vc == ""), "-", b.vc)
                                + ", " + b.cases.cast("string")
                                + " service cases, cost to serve " + m("cts"),
    }


#: the numbers the reasons write (column: decimals)
TEXT_NUMBERS = {"p_alive": 2, "clv0": 0, "aov": 0, "unreal": 0, "cts": 0, "score": 2,
                **{f"stake_{a}": 0 for a in ORDER}, **{f"up_{a}": 3 for a in ORDER},
                **{f"ev_{a}": 2 for a in ORDER}}


def txt(t: ir.Table, col: str, *, grouping: bool = True) -> ir.StringValue:
    """The text of the number ``t[col]``."""
    return fixed(t[col], TEXT_NUMBERS[col], grouping=grouping)


#: the layer-1 columns the reasons read (kept in layer 2)
REASON_INPUTS = ("p_alive", "has_p", "clv0", "orders", "aov", "complaints", "ff", "nd",
                 "silent", "score", "item", "vc", "unreal", "cts", "cases")


def scored(b: ir.Table, priors: dict[str, Prior], uplifts: dict[str, Uplift],
           currency: str = "") -> ir.Table:
    """Layer 2 (on layer 1): per action ``up_<a>``, ``src_<a>``, ``ev_<a>`` and ``ok_<a>``
    (an allowed candidate with a positive expected value), and ``best``: the unconstrained
    choice."""
    cols: dict[str, ir.Value] = {}
    ev: dict[str, ir.Value] = {}
    for a in ORDER:
        u = uplifts[a]
        if u.model_note is not None and f"model_up_{a}" in b.columns:
            mu = b[f"model_up_{a}"]
            up = mu.fill_null(u.average)
            src = ibis.ifelse(mu.notnull(), MODEL, u.source)
        else:
            up, src = f64(u.average), ibis.literal(u.source)
        ev[a] = ibis.ifelse(b[f"cand_{a}"], up * b[f"stake_{a}"] - priors[a].cost,
                            ibis.null(dt.float64))
        if u.model_note is not None and f"model_up_{a}" in b.columns:
            cols[f"up_{a}"] = up  # (a constant uplift stays a literal of layer 3)
            cols[f"src_{a}"] = src
        cols[f"ev_{a}"] = ev[a]
    keep = ["customer_id", "profiled", *REASON_INPUTS,
            *[f"{p}_{a}" for a in ORDER for p in ("cand", "stake", "allowed")]]
    # (each step a view: the engine computes every column once, the SQL stays small)
    e = b.select(*keep, **cols).view()
    ok = {f"ok_{a}": (e.profiled & e[f"cand_{a}"] & e[f"allowed_{a}"] & (e[f"ev_{a}"] > 0))
          .fill_null(False) for a in ORDER}
    k = e.mutate(**ok).view()
    top = ibis.greatest(*[ibis.ifelse(k[f"ok_{a}"], k[f"ev_{a}"], ibis.null(dt.float64))
                          for a in ORDER])
    g = k.mutate(_top=top).view()
    best = ibis.cases(*[(g[f"ok_{a}"] & (g[f"ev_{a}"] == g._top), a) for a in sorted(ORDER)],
                      else_="dont_contact")
    return g.mutate(best=best).drop("_top").view()


def _up(t: ir.Table, a: str, u: Uplift) -> ir.FloatingValue:
    return t[f"up_{a}"] if f"up_{a}" in t.columns else f64(u.average)


def _src(t: ir.Table, a: str, u: Uplift) -> ir.StringValue:
    return t[f"src_{a}"] if f"src_{a}" in t.columns else ibis.literal(u.source)


def _note(t: ir.Table, a: str, u: Uplift) -> ir.StringValue:
    if f"up_{a}" not in t.columns:
        return ibis.literal(f"uplift {u.average:.3f} from {u.source}: {u.note}")
    up = txt(t, f"up_{a}", grouping=False)
    const = f" from {u.source}: {u.note}"
    if u.model_note is None:
        return "uplift " + up + const
    return "uplift " + up + ibis.ifelse(t[f"src_{a}"] == MODEL,
                                        f" from {MODEL}: {u.model_note}", const)


def _cost(x: float) -> str:
    return f"{x:g}"


def decided(t: ir.Table, priors: dict[str, Prior], uplifts: dict[str, Uplift],
            currency: str, *, chosen: ir.StringValue | None = None,
            constraint: ir.StringValue | None = None) -> ir.Table:
    """Layer 3 (on layer 2): the output table. ``chosen`` (default: ``best``) is the action after the
    budget and capacities; ``constraint`` says why it differs from ``best``."""
    act = t.best if chosen is None else chosen.fill_null("dont_contact")
    cur = f" {currency}" if currency else ""
    why = _why(t, currency)
    reasons = []
    for a in ORDER:
        r = (f"{a} because " + why[a] + "; EV = "
             + (txt(t, f"up_{a}", grouping=False) if f"up_{a}" in t.columns
                else ibis.literal(f"{uplifts[a].average:.3f}"))
             + " x " + txt(t, f"stake_{a}") + cur
             + f" - {_cost(priors[a].cost)} = " + txt(t, f"ev_{a}")
             + " (" + _note(t, a, uplifts[a]) + ")")
        reasons.append((act == a, r))
    gated = _join(*[ibis.ifelse(t[f"cand_{a}"] & ~t[f"allowed_{a}"], a, ibis.null(dt.string))
                    for a in ORDER])
    anycand = ibis.or_(*[t[f"cand_{a}"] for a in ORDER])
    idle = ibis.cases(
        (~t.profiled, BLOCKED_REASON),
        (gated != "", gated + " not allowed (no consent for the purpose or contact cap "
                              "reached)"),
        (anycand, "no action with a positive expected value"),
        else_="no action relevant to this customer's data")
    reason = ibis.cases(*reasons, else_=idle)
    if constraint is not None:
        best_ev = ibis.cases(*[(t.best == a, t[f"ev_{a}"]) for a in ORDER])
        lost = (t.best + " (EV " + fixed(best_ev, 2) + ") not taken: " + constraint)
        reason = ibis.ifelse((act != t.best) & (t.best != "dont_contact"),
                             ibis.ifelse(act == "dont_contact", lost, reason + "; " + lost),
                             reason)
    alts = []
    for a in ORDER:
        js = (f'{{"action": "{a}", "expected_value": '
              + txt(t, f"ev_{a}", grouping=False) + ', "allowed": '
              + ibis.ifelse(t[f"allowed_{a}"], "true", "false") + "}")
        alts.append(ibis.ifelse(t[f"cand_{a}"], js, ibis.null(dt.string)))
    alternatives = ibis.ifelse(t.profiled, "[" + _join(*alts) + "]", "[]")

    ev = ibis.cases(*[(act == a, t[f"ev_{a}"]) for a in ORDER], else_=f64(0.0))
    chan = {a: priors[a].channel for a in ORDER}
    purp = {a: priors[a].purpose for a in ORDER}
    return t.select(
        customer_id=t.customer_id,
        action=act,
        expected_value=ev.round(2),
        reason=reason,
        channel=ibis.cases(*[(act == a, ibis.literal(chan[a], dt.string)) for a in ORDER],
                           else_=ibis.null(dt.string)),
        purpose=ibis.cases(*[(act == a, ibis.literal(purp[a], dt.string)) for a in ORDER],
                           else_=ibis.null(dt.string)),
        uplift_source=ibis.cases(*[(act == a, _src(t, a, uplifts[a])) for a in ORDER],
                                 else_=ibis.null(dt.string)),
        alternatives=alternatives,
        uplift=ibis.cases(*[(act == a, _up(t, a, uplifts[a])) for a in ORDER],
                          else_=ibis.null(dt.float64)),
        cost=ibis.cases(*[(act == a, f64(priors[a].cost)) for a in ORDER], else_=f64(0.0)),
        unconstrained_action=t.best,
    )


class Layers:
    """The choice as one query in layers, each an Ibis ``view`` (a sub-query the engine
    computes once) so that Ibis does not inline an expression into every use of it (one
    query held 2.6 MB of SQL for six actions otherwise); layer 2 is materialised only when
    the allocation reads it too. ``with Layers(eng, t, ...) as L:
    eng.create_table(name, L.decided())``."""

    def __init__(self, eng: Engine, t: ir.Table, priors: dict[str, Prior],
                 uplifts: dict[str, Uplift], currency: str = "", *, tag: str = "nba") -> None:
        self.eng, self.t, self.priors, self.uplifts, self.currency = (
            eng, t, priors, uplifts, currency)
        self.names = (f"_idic_{tag}_l1", f"_idic_{tag}_l2")

    def __enter__(self) -> Layers:
        self.staged: list[str] = []
        self.scored = scored(features(self.t).view(), self.priors, self.uplifts,
                             self.currency)
        return self

    def materialise(self) -> None:
        """Stage layer 2 (when it is read twice: the allocation's pairs, then the output)."""
        self.scored = self.eng.stage(self.scored, self.names[1])
        self.staged.append(self.names[1])

    def decided(self, changes: ir.Table | None = None) -> ir.Table:
        """The output; ``changes`` (``customer_id, chosen, note``) overrides the choice of
        the customers the budget or a capacity moved off their best action."""
        if changes is None:
            return decided(self.scored, self.priors, self.uplifts, self.currency)
        c = changes.select(_cid=changes.customer_id, _chosen=changes.chosen,
                           _note=changes.note)
        j = self.scored.left_join(c, self.scored.customer_id == c._cid).drop("_cid")
        return decided(j, self.priors, self.uplifts, self.currency,
                       chosen=ibis.ifelse(j._chosen.isnull(), j.best, j._chosen),
                       constraint=j._note)

    def pairs(self) -> ir.Table:
        """The allowed candidates with a positive expected value, one row per (customer,
        action): ``customer_id, action, ev, cost, best`` (the input of the allocation)."""
        t = self.scored
        parts = [t.filter(t[f"ok_{a}"]).select(
            customer_id=t.customer_id, action=ibis.literal(a),
            ev=t[f"ev_{a}"], cost=f64(self.priors[a].cost),
            best=t.best == a) for a in ORDER]
        out = parts[0]
        for p in parts[1:]:
            out = out.union(p)
        return out

    def __exit__(self, *exc: object) -> None:
        for name in reversed(self.staged):
            self.eng.unstage(name)
