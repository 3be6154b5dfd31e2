"""Touchpoint taxonomy: stage, channel, creator and sentiment of every event.

An event keeps the values it carries; the missing ones are derived by rules kept in a JSON
file users can edit (the default is ``rules.json`` beside this module). The taxonomy follows
the course notes in the seeds ("touchpoints by buying stage, by channel, by creator, by
sentiment": Lemon & Verhoef 2016, *Understanding Customer Experience Throughout the Customer
Journey*, J. Marketing 80(6)): stage rolls up to pre-purchase / purchase / post-purchase,
channel to online / offline, sentiment +1 (love point) / 0 / -1 (pain point).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from idic.errors import InputError
from idic.schema.tables import CHANNELS, CREATORS, SENTIMENTS, STAGES

DEFAULT_RULES = Path(__file__).with_name("rules.json")
ATTRIBUTES = ("stage", "channel", "creator", "sentiment", "owner")
#: who owns a touchpoint (Lemon & Verhoef 2016, table 1): designed and controlled by the
#: firm, jointly with a partner (carrier, marketplace, agency), by the customer alone (their
#: own review, post, choice to unsubscribe), or by others (peers, search engines, press)
OWNERS = ("brand-owned", "partner-owned", "customer-owned", "social/external")
#: generic navigation events (page / screen / product views) and outbound messages (e-mails,
#: SMS, pushes sent, delivered, opened, clicked): how people move and how the firm reaches the
#: people it chose, not experiences; see :mod:`.moments` for how they are judged
DEFAULT_NAVIGATION = (r"^(page|screen|product|products|category|catalog|home ?page|listing)"
                      r"( list)? view(ed)?$"
                      r"|^(e-?mail|sms|push( notification)?) (sent|opened|clicked|delivered)$"
                      r"|^(page|screen)$|^(product|category|page|screen)s? (viewed|seen|opened)$")
#: messages the firm sends (e-mails, SMS, pushes sent or delivered): it chose who gets them,
#: so their association with any outcome is the targeting, not the message's effect - never
#: judged as pain or love points; a holdout (``idic campaigns``) measures them
DEFAULT_OUTBOUND = (r"^(e-?mail|sms|push( notification)?|newsletter|message|mailing)s? "
                    r"(sent|delivered)$")
ALLOWED = {"stage": STAGES, "channel": CHANNELS, "creator": CREATORS, "sentiment": SENTIMENTS,
           "owner": OWNERS}
MATCHERS = ("event", "source", "type", "properties", "channel")


@dataclass(frozen=True)
class Rule:
    """Set ``values`` on events whose fields match every regular expression in ``match``."""

    match: dict[str, str]
    values: dict[str, str]


@dataclass(frozen=True)
class Taxonomy:
    """The rules and roll-ups of one rules file (round-trips to JSON via :meth:`to_dict`)."""

    rules: tuple[Rule, ...]
    defaults: dict[str, str]
    conversion_events: tuple[str, ...]
    value_properties: tuple[str, ...]
    stage_order: tuple[str, ...] = STAGES
    stage_phase: dict[str, str] = field(default_factory=dict)
    channel_kind: dict[str, str] = field(default_factory=dict)
    sentiment_score: dict[str, int] = field(default_factory=dict)
    navigation_events: str = DEFAULT_NAVIGATION
    outbound_events: str = DEFAULT_OUTBOUND

    def is_outbound(self, event: str) -> bool:
        """True for a message the firm sent (lower-cased name matches ``outbound_events``)."""
        return bool(re.search(self.outbound_events, str(event).strip().lower()))

    def is_navigation(self, event: str) -> bool:
        """True for a generic navigation event (lower-cased name matches
        ``navigation_events``)."""
        return bool(re.search(self.navigation_events, str(event).strip().lower()))

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, origin: str = "rules") -> Taxonomy:
        rules = []
        for i, r in enumerate(d.get("rules", [])):
            values = r.get("set") or {}
            match = {k: str(v).lower() for k, v in r.items() if k in MATCHERS}
            unknown = set(r) - set(MATCHERS) - {"set", "_doc"}
            if unknown or not match or not values:
                raise InputError(
                    f"{origin}: rule {i + 1} needs matchers ({', '.join(MATCHERS)}) and a 'set'"
                    + (f"; unknown keys {sorted(unknown)}" if unknown else ""))
            for attr, v in values.items():
                _check_value(attr, v, f"{origin}: rule {i + 1}")
            rules.append(Rule(match, dict(values)))
        defaults = dict(d.get("defaults", {}))
        for attr, v in defaults.items():
            _check_value(attr, v, f"{origin}: defaults")
        order = tuple(d.get("stage_order", STAGES))
        nav = str(d.get("navigation_events", DEFAULT_NAVIGATION))
        outbound = str(d.get("outbound_events", DEFAULT_OUTBOUND))
        for key, pattern in (("navigation_events", nav), ("outbound_events", outbound)):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise InputError(f"{origin}: {key} is not a regular expression: {exc}",
                                 hint="e.g. \"^page viewed$|^e-?mail opened$\"") from None
        return cls(
            rules=tuple(rules),
            defaults=defaults,
            conversion_events=tuple(e.lower() for e in d.get("conversion_events", ())),
            value_properties=tuple(d.get("value_properties", ("revenue",))),
            stage_order=order,
            stage_phase=dict(d.get("stage_phase", {})),
            channel_kind=dict(d.get("channel_kind", {})),
            sentiment_score={k: int(v) for k, v in d.get("sentiment_score", {}).items()},
            navigation_events=nav,
            outbound_events=outbound,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "conversion_events": list(self.conversion_events),
            "value_properties": list(self.value_properties),
            "stage_order": list(self.stage_order),
            "stage_phase": self.stage_phase,
            "channel_kind": self.channel_kind,
            "sentiment_score": self.sentiment_score,
            "navigation_events": self.navigation_events,
            "outbound_events": self.outbound_events,
            "defaults": self.defaults,
            "rules": [{**r.match, "set": r.values} for r in self.rules],
        }

    def with_conversions(self, events: list[str] | tuple[str, ...] | None) -> Taxonomy:
        """A copy whose conversion events are ``events`` (when given)."""
        if not events:
            return self
        d = self.to_dict()
        d["conversion_events"] = [e.lower() for e in events]
        return Taxonomy.from_dict(d)


def _check_value(attr: str, value: str, where: str) -> None:
    if attr not in ALLOWED:
        raise InputError(f"{where}: unknown attribute {attr!r}; expected one of {', '.join(ATTRIBUTES)}")
    if value not in ALLOWED[attr]:
        raise InputError(f"{where}: {attr} {value!r} is not one of {', '.join(ALLOWED[attr])}")


@cache
def _default_taxonomy() -> Taxonomy:
    return Taxonomy.from_dict(json.loads(DEFAULT_RULES.read_text()), origin=str(DEFAULT_RULES))


def load_rules(path: str | Path | None = None) -> Taxonomy:
    """The taxonomy of the rules file ``path`` (the packaged default when None)."""
    if path is None:
        return _default_taxonomy()
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise InputError(f"rules file {p} does not exist") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"rules file {p} is not valid JSON: {exc}") from None
    return Taxonomy.from_dict(data, origin=str(p))


def _text(t: ir.Table, name: str) -> ir.StringValue:
    return t[name].cast("string").lower().fill_null("")


def _matches(t: ir.Table, rule: Rule) -> ir.BooleanValue:
    conds = [_text(t, col).re_search(pattern) for col, pattern in rule.match.items()]
    out = conds[0]
    for c in conds[1:]:
        out = out & c
    return out


def classify(events: ir.Table, taxonomy: Taxonomy | None = None) -> ir.Table:
    """``events`` with stage/channel/creator/sentiment filled in, plus the roll-ups.

    Adds ``owner`` (brand-owned / partner-owned / customer-owned / social/external: never
    carried by an event, always from the rules), ``phase`` (pre-purchase / purchase /
    post-purchase), ``channel_kind`` (online / offline), ``sentiment_score`` (+1 / 0 / -1)
    and ``is_conversion``.
    """
    tax = taxonomy or load_rules()
    derived: dict[str, ir.Value] = {}
    for attr in ATTRIBUTES:
        branches = [(_matches(events, r), ibis.literal(r.values[attr]))
                    for r in tax.rules if attr in r.values]
        default = ibis.literal(tax.defaults.get(attr), type="string")
        rule_value = ibis.cases(*branches, else_=default) if branches else default
        given = events[attr] if attr in events.columns else ibis.null("string")
        derived[attr] = ibis.coalesce(given, rule_value)
    t = events.mutate(**derived)
    t = t.mutate(
        phase=_lookup(t.stage, tax.stage_phase),
        channel_kind=_lookup(t.channel, tax.channel_kind),
        sentiment_score=_lookup(t.sentiment, tax.sentiment_score, "int8").fill_null(0),
        is_conversion=_lower_event(t).isin(tax.conversion_events) if tax.conversion_events
        else ibis.literal(False),
    )
    return t


def _lower_event(t: ir.Table) -> ir.StringValue:
    return t.event.lower().fill_null("")


def _lookup(col: ir.Value, mapping: dict[str, Any], type_: str = "string") -> ir.Value:
    if not mapping:
        return ibis.null(type_)
    return ibis.cases(*[(col == k, ibis.literal(v, type=type_)) for k, v in mapping.items()],
                      else_=ibis.null(type_))


def value_of(t: ir.Table, taxonomy: Taxonomy | None = None) -> ir.FloatingValue:
    """The money value of an event: the first of ``value_properties`` found in its properties.

    A regular expression over the JSON text keeps this identical on every engine (JSON
    functions differ in how they cast quoted numbers).
    """
    tax = taxonomy or load_rules()
    out: ir.FloatingValue | None = None
    props = t.properties.fill_null("")
    for key in tax.value_properties:
        raw = props.re_extract(rf'"{key}"\s*:\s*"?(-?[0-9]+(\.[0-9]+)?)', 1)
        v = ibis.cases((raw == "", ibis.null("float64")), else_=raw.cast("float64"))
        out = v if out is None else ibis.coalesce(out, v)
    return out if out is not None else ibis.null("float64")
