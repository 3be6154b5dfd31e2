"""Audiences: saved, versioned rules over the customer profile, behind the consent gate.

An audience is a name, a ``--where`` rule (:mod:`idic.customize.where`), the purpose it
processes data for and the channel it reaches customers on. Saving a name again makes a new
version (the old ones stay in ``audience_definitions``). :func:`refresh` evaluates the latest version
on the profile, sends the matches through :func:`idic.customize.gate.gate` and writes:

* ``audience_members`` (audience, version, customer_id, joined_at, refreshed_at): who is in
  now;
* ``audience_history`` (audience, version, customer_id, change = joined / left, at): who
  joined and who left at each refresh.

Exports refresh first, so a consent withdrawn a second ago is honoured by the next export.
Rule-based segments that are saved, refreshed and exported as lists are the "segments and
audiences" of Customize (Peppers & Rogers, *Managing Customer Experience and
Relationships*, ch. 9).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from idic.customize.gate import check_purpose, gate
from idic.customize.profile import profile
from idic.customize.where import Rule, parse_for
from idic.errors import InputError, NotFoundError

AUDIENCES = "audience_definitions"
MEMBERS = "audience_members"
HISTORY = "audience_history"

TS = pa.timestamp("us", tz="UTC")
AUDIENCE_SCHEMA = pa.schema([("name", pa.string()), ("version", pa.int64()),
                             ("rule", pa.string()), ("purpose", pa.string()),
                             ("channel", pa.string()), ("description", pa.string()),
                             ("created_at", TS)])
MEMBER_SCHEMA = pa.schema([("audience", pa.string()), ("version", pa.int64()),
                           ("customer_id", pa.string()), ("joined_at", TS),
                           ("refreshed_at", TS)])
HISTORY_SCHEMA = pa.schema([("audience", pa.string()), ("version", pa.int64()),
                            ("customer_id", pa.string()), ("change", pa.string()),
                            ("at", TS)])

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Audience:
    name: str
    version: int
    rule: str
    purpose: str
    channel: str | None
    description: str | None
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        return d


def check_name(name: str, what: str = "audience") -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(f"bad {what} name {name!r}: use 1-64 letters, digits, '_', '-', '.', "
                         "starting with a letter or digit")
    return name


def _ensure(ws) -> None:
    eng = ws.engine
    for name, schema in ((AUDIENCES, AUDIENCE_SCHEMA), (MEMBERS, MEMBER_SCHEMA),
                         (HISTORY, HISTORY_SCHEMA)):
        if not eng.has_table(name):
            eng.create_table(name, schema.empty_table(), overwrite=False)


def load_spec(path: Path) -> dict[str, Any]:
    """An audience spec file (YAML): name, where, purpose, channel, description."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the spec: {exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: the spec must be a mapping (name: ..., where: ..., "
                         "purpose: ...)")
    known = {"name", "where", "purpose", "channel", "description", "version"}
    extra = sorted(set(map(str, data)) - known)
    if extra:
        from idic.suggest import unknown_name

        raise unknown_name("key", extra[0], known, given_in=str(path))
    for k in ("name", "where", "purpose"):
        if not isinstance(data.get(k), str) or not data[k].strip():
            raise InputError(f"{path}: '{k}' is required and must be text")
    for k in ("channel", "description"):
        if data.get(k) is not None and not isinstance(data[k], str):
            raise InputError(f"{path}: '{k}' must be text")
    return data


def check_rule(ws, rule: str) -> Rule:
    return parse_for(rule, profile(ws))


def create(ws, name: str, *, where: str, purpose: str, channel: str | None = None,
           description: str | None = None) -> Audience:
    """Save (a new version of) the audience after checking its rule on the profile."""
    check_name(name)
    check_purpose(purpose, channel)
    check_rule(ws, where)
    _ensure(ws)
    a = ws.table(AUDIENCES)
    last = ws.engine.to_arrow(a.filter(a.name == ibis.literal(name)).aggregate(
        v=a.version.max())).column("v")[0].as_py()
    aud = Audience(name, int(last or 0) + 1, where, purpose, channel, description,
                   datetime.now(UTC))
    ws.engine.append(AUDIENCES, pa.Table.from_pylist([asdict(aud)], schema=AUDIENCE_SCHEMA))
    return aud


def all_audiences(ws) -> list[Audience]:
    """The latest version of every audience, by name."""
    if not ws.engine.has_table(AUDIENCES):
        return []
    a = ws.table(AUDIENCES)
    if set(AUDIENCE_SCHEMA.names) - set(a.columns):
        return []
    rows = ws.engine.to_arrow(a.order_by("name", "version")).to_pylist()
    latest: dict[str, dict] = {}
    for r in rows:
        latest[r["name"]] = r
    return [Audience(**r) for _, r in sorted(latest.items())]


def get(ws, name: str) -> Audience:
    for a in all_audiences(ws):
        if a.name == name:
            return a
    from idic.suggest import closest

    names = [a.name for a in all_audiences(ws)]
    near = closest(name, names) if names else []
    raise NotFoundError(f"no audience named {name!r}" + (
        f"; closest: {', '.join(repr(n) for n in near)}" if near else ""),
        hint="`idic audiences list` shows them; `idic audiences create` makes one")


def matches(ws, aud: Audience, base: ir.Table | None = None) -> ir.Table:
    """Profile rows meeting the audience's rule (before the consent gate)."""
    p = base if base is not None else profile(ws)
    return parse_for(aud.rule, p).filter(p)


def members_expr(ws, aud: Audience, base: ir.Table | None = None) -> ir.Table:
    """Customer ids in the audience now: rule, then the consent gate (always)."""
    return gate(ws, matches(ws, aud, base).select("customer_id"), aud.purpose, aud.channel)


def refresh(ws, name: str | None = None, *, at: datetime | None = None) -> dict[str, Any]:
    """Recompute members of one audience (or all); record who joined and left."""
    _ensure(ws)
    auds = [get(ws, name)] if name else all_audiences(ws)
    now = at or datetime.now(UTC)
    out: dict[str, Any] = {}
    eng = ws.engine
    base = profile(ws)
    for aud in auds:
        matched = matches(ws, aud, base).select("customer_id")
        new = eng.to_arrow(gate(ws, matched, aud.purpose, aud.channel).select("customer_id")
                           ).column(0).to_pylist()
        n_matched = int(matched.count().execute())
        m = ws.table(MEMBERS)
        old_rows = eng.to_arrow(m.filter(m.audience == ibis.literal(aud.name)).select(
            "customer_id", "joined_at")).to_pylist()
        old = {r["customer_id"]: r["joined_at"] for r in old_rows}
        new_set = set(new)
        joined = sorted(new_set - set(old))
        left = sorted(set(old) - new_set)
        hist = [{"audience": aud.name, "version": aud.version, "customer_id": c,
                 "change": "joined", "at": now} for c in joined]
        hist += [{"audience": aud.name, "version": aud.version, "customer_id": c,
                  "change": "left", "at": now} for c in left]
        rows = pa.Table.from_pylist(
            [{"audience": aud.name, "version": aud.version, "customer_id": c,
              "joined_at": old.get(c, now), "refreshed_at": now} for c in sorted(new_set)],
            schema=MEMBER_SCHEMA)
        with eng.transaction():
            eng.delete_where(MEMBERS, lambda t, n=aud.name: t.audience == ibis.literal(n))
            if rows.num_rows:
                eng.append(MEMBERS, rows)
            if hist:
                eng.append(HISTORY, pa.Table.from_pylist(hist, schema=HISTORY_SCHEMA))
        out[aud.name] = {"version": aud.version, "matched": n_matched, "members": len(new_set),
                         "excluded_by_gate": n_matched - len(new_set), "joined": len(joined),
                         "left": len(left)}
    return out


def members(ws, name: str) -> ir.Table:
    m = ws.table(MEMBERS)
    return m.filter(m.audience == ibis.literal(name))


def export(ws, name: str, path: Path) -> dict[str, Any]:
    """Refresh the audience, then write its members (``customer_id``, audience, version,
    purpose, channel) to ``path`` (.csv or .parquet)."""
    aud = get(ws, name)
    info = refresh(ws, name)[name]
    m = members(ws, name)
    t = m.select("customer_id", "audience", "version",
                 purpose=ibis.literal(aud.purpose),
                 channel=ibis.literal(aud.channel, type="string")).order_by("customer_id")
    rows = ws.engine.export(t, Path(path))
    return {"audience": name, "version": aud.version, "output": str(path), "rows": rows,
            "excluded_by_gate": info["excluded_by_gate"]}


def why(ws, name: str, customer_id: str) -> dict[str, Any]:
    """Transparency: the rule and the customer's values of the columns it reads, whether the
    rule is met, whether consent lets them in, and their membership history."""
    aud = get(ws, name)
    p = profile(ws)
    rule = parse_for(aud.rule, p)
    one = p.filter(p.customer_id == ibis.literal(customer_id))
    row = ws.engine.to_arrow(one.select("customer_id", *rule.columns,
                                        _met=rule.predicate(one))).to_pylist()
    if not row:
        raise NotFoundError(f"no customer {customer_id!r} on the profile")
    r = row[0]
    passed = ws.engine.to_arrow(gate(ws, one.select("customer_id"), aud.purpose, aud.channel)
                                ).num_rows > 0
    h = ws.table(HISTORY) if ws.engine.has_table(HISTORY) else None
    hist = [] if h is None else ws.engine.to_arrow(
        h.filter((h.audience == ibis.literal(name)) & (h.customer_id == ibis.literal(customer_id)))
        .order_by("at").select("change", "at", "version")).to_pylist()
    return {"audience": name, "version": aud.version, "rule": aud.rule,
            "values": {c: r[c] for c in rule.columns}, "rule_met": bool(r["_met"]),
            "purpose": aud.purpose, "channel": aud.channel, "consent_ok": passed,
            "member": bool(r["_met"]) and passed,
            "history": [{**x, "at": x["at"].isoformat()} for x in hist]}


def post_webhook(ws, name: str, url: str, *, batch: int = 1000, timeout: float = 10.0
                 ) -> dict[str, Any]:
    """Refresh the audience, then POST its members as JSON to ``url`` in batches:
    ``{"audience", "version", "batch", "customer_ids": [...]}``. http(s) only."""
    import json
    import urllib.request
    from urllib.parse import urlparse

    u = urlparse(url)
    if u.scheme not in ("http", "https") or not u.netloc:
        raise InputError(f"--webhook {url!r}: expected an http:// or https:// URL")
    aud = get(ws, name)
    refresh(ws, name)
    ids = ws.engine.to_arrow(members(ws, name).select("customer_id").order_by(
        "customer_id")).column(0).to_pylist()
    sent = 0
    for i in range(0, max(len(ids), 1), batch):
        body = json.dumps({"audience": name, "version": aud.version, "batch": i // batch,
                           "customer_ids": ids[i:i + batch]}).encode()
        req = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                if resp.status >= 300:
                    raise InputError(f"--webhook answered {resp.status}")
        except OSError as exc:
            raise InputError(f"--webhook {url}: {exc}") from None
        sent += len(ids[i:i + batch])
    return {"audience": name, "version": aud.version, "webhook": url, "rows": sent}
