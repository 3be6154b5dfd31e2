"""Campaigns: an audience, a channel, a message, a holdout group, caps; the send list and
the results against the holdout.

Creating a campaign takes the audience's members *now* (rule + consent gate), removes those
a contact-pressure cap would overflow (:mod:`idic.customize.pressure`), keeps the
``--max-sends`` most valuable (by CLV) when that volume cap binds, then splits the rest
by deterministic hash (:mod:`idic.customize.assign`, salt = the campaign name) into the
``treatment`` arm (sent: one contact each in ``contacts``) and the ``holdout`` arm (not
sent). Caps and the gate act before the split, so both arms are alike and the holdout is a
true control group (Peppers & Rogers ch. 10, "campaign management"; Kohavi et al. 2020 on
holdouts).

Results (:func:`results`): conversion and revenue per customer in each arm in the days after
the send, the difference with a 95% interval (two-proportion normal interval; Welch's
interval for revenue).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from idic.customize import audiences as au
from idic.customize.assign import assign, srm_pvalue
from idic.customize.gate import CHANNELS
from idic.customize.pressure import (
    parse_cap,
    record_contacts,
    under_caps,
    workspace_caps,
)
from idic.errors import InputError, NotFoundError

CAMPAIGNS = "campaigns"
MEMBERS = "campaign_members"
ARMS = ("treatment", "holdout")
TS = pa.timestamp("us", tz="UTC")
CAMPAIGN_SCHEMA = pa.schema([
    ("name", pa.string()), ("audience", pa.string()), ("audience_version", pa.int64()),
    ("purpose", pa.string()), ("channel", pa.string()), ("message", pa.string()),
    ("holdout", pa.float64()), ("cap", pa.string()), ("max_sends", pa.int64()),
    ("sent_at", TS), ("eligible", pa.int64()), ("excluded_by_cap", pa.int64()),
    ("excluded_by_gate", pa.int64()), ("treatment", pa.int64()), ("holdout_size", pa.int64())])
MEMBER_SCHEMA = pa.schema([("campaign", pa.string()), ("customer_id", pa.string()),
                           ("arm", pa.string()), ("assigned_at", TS),
                           ("clv_at_send", pa.float64())])


@dataclass(frozen=True)
class Campaign:
    name: str
    audience: str
    audience_version: int
    purpose: str
    channel: str | None
    message: str | None
    holdout: float
    cap: str | None
    max_sends: int | None
    sent_at: datetime
    eligible: int
    excluded_by_cap: int
    excluded_by_gate: int
    treatment: int
    holdout_size: int

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sent_at"] = self.sent_at.isoformat()
        return d


def _ensure(ws) -> None:
    eng = ws.engine
    for name, schema in ((CAMPAIGNS, CAMPAIGN_SCHEMA), (MEMBERS, MEMBER_SCHEMA)):
        if not eng.has_table(name):
            eng.create_table(name, schema.empty_table(), overwrite=False)


def all_campaigns(ws) -> list[Campaign]:
    if not ws.engine.has_table(CAMPAIGNS):
        return []
    rows = ws.engine.to_arrow(ws.table(CAMPAIGNS).order_by("sent_at", "name")).to_pylist()
    return [Campaign(**r) for r in rows]


def get(ws, name: str) -> Campaign:
    for c in all_campaigns(ws):
        if c.name == name:
            return c
    raise NotFoundError(f"no campaign named {name!r}",
                        hint="`idic campaigns list` shows them")


def create(ws, name: str, *, audience: str, holdout: float = 0.1, cap: str | None = None,
           channel: str | None = None, message: str | None = None,
           max_sends: int | None = None, at: datetime | None = None) -> Campaign:
    """Build the send and holdout lists of a new campaign (see the module doc)."""
    au.check_name(name, "campaign")
    if not 0.0 <= holdout < 1.0 or math.isnan(holdout):
        raise InputError(f"--holdout {holdout} must be at least 0 and below 1 (a share)")
    if max_sends is not None and max_sends < 1:
        raise InputError("--max-sends must be at least 1")
    aud = au.get(ws, audience)
    ch = channel or aud.channel
    if ch is None:
        raise InputError(f"audience {audience!r} has no channel: give --channel")
    if ch not in CHANNELS:
        from idic.suggest import unknown_name

        raise unknown_name("channel", ch, CHANNELS, given_in="--channel")
    caps = workspace_caps(ws) + ([parse_cap(cap, ch)] if cap else [])
    _ensure(ws)
    if any(c.name == name for c in all_campaigns(ws)):
        raise InputError(f"campaign {name!r} exists (a campaign's lists are kept as sent)",
                         ) from None
    when = at or datetime.now(UTC)
    eng = ws.engine
    base = au.profile(ws)
    matched = au.matches(ws, aud, base)
    from idic.customize.gate import gate

    gated = gate(ws, matched.select("customer_id"), aud.purpose, ch)
    capped = under_caps(ws, gated, ch, when, caps)
    n_match = int(matched.count().execute())
    n_gated = int(gated.count().execute())
    ok = capped
    if max_sends is not None:  # the volume cap binds: the most valuable first
        v = base.select("customer_id", _v=base.clv.cast("float64"))
        ok = ok.join(v, "customer_id", how="left")
        ok = ok.order_by([ibis.desc(ok._v.fill_null(float("-inf"))), "customer_id"]).limit(
            max_sends).select("customer_id")
    arms = assign(ok, f"campaign:{name}", list(ARMS), [1.0 - holdout, holdout])
    vals = base.select("customer_id", _clv=base.clv.cast("float64"))
    arms = arms.left_join(vals, "customer_id").drop("customer_id_right")
    rows = eng.to_arrow(arms.select("customer_id", "arm", "_clv").order_by("customer_id"))
    ids, arm = rows.column("customer_id").to_pylist(), rows.column("arm").to_pylist()
    n_cap = n_gated - int(capped.count().execute())
    treated = [i for i, a in zip(ids, arm, strict=True) if a == "treatment"]
    camp = Campaign(name, aud.name, aud.version, aud.purpose, ch, message, float(holdout),
                    caps[-1].text if cap else None, max_sends, when, len(ids), n_cap,
                    n_match - n_gated, len(treated), len(ids) - len(treated))
    members = pa.table({"campaign": pa.array([name] * len(ids), pa.string()),
                        "customer_id": pa.array(ids, pa.string()),
                        "arm": pa.array(arm, pa.string()),
                        "assigned_at": pa.array([when] * len(ids), TS),
                        "clv_at_send": rows.column("_clv").cast(pa.float64())})
    with eng.transaction():
        eng.append(CAMPAIGNS, pa.Table.from_pylist([asdict(camp)], schema=CAMPAIGN_SCHEMA))
        if members.num_rows:
            eng.append(MEMBERS, members)
        record_contacts(ws, treated, ch, name, when)
    return camp


def members(ws, name: str, arm: str | None = None):
    m = ws.table(MEMBERS)
    m = m.filter(m.campaign == ibis.literal(name))
    return m.filter(m.arm == arm) if arm else m


def results(ws, name: str, *, days: int = 30) -> dict[str, Any]:
    """Conversion and revenue per customer in each arm within ``days`` of the send."""
    camp = get(ws, name)
    m = members(ws, name)
    o = ws.customer_orders()
    t0 = ibis.literal(camp.sent_at, type=dt.Timestamp(timezone="UTC"))
    t1 = ibis.literal(camp.sent_at + timedelta(days=days), type=dt.Timestamp(timezone="UTC"))
    ts = o.ordered_at.cast(dt.Timestamp(timezone="UTC"))
    w = o.filter((ts >= t0) & (ts < t1))
    per = w.group_by("customer_id").aggregate(_rev=w.amount.cast("float64").sum(),
                                              _n=w.count())
    j = m.left_join(per, "customer_id")
    rev = j._rev.fill_null(0.0)
    g = j.group_by("arm").aggregate(customers=j.count(),
                                    converters=(j._n.fill_null(0) > 0).cast("int64").sum(),
                                    revenue=rev.sum(), revenue_sq=(rev * rev).sum())
    rows = {r["arm"]: r for r in ws.engine.to_arrow(g).to_pylist()}
    arms: dict[str, dict[str, Any]] = {}
    for a in ARMS:
        r = rows.get(a) or {"customers": 0, "converters": 0, "revenue": 0.0, "revenue_sq": 0.0}
        n = int(r["customers"])
        mean = float(r["revenue"] or 0) / n if n else None
        var = ((float(r["revenue_sq"] or 0) - n * mean * mean) / (n - 1)
               if n > 1 and mean is not None else None)
        arms[a] = {"customers": n, "converters": int(r["converters"] or 0),
                   "conversion": int(r["converters"] or 0) / n if n else None,
                   "revenue": float(r["revenue"] or 0), "revenue_per_customer": mean,
                   "_var": var}
    clv_now = _clv_change(ws, m)
    for a in ARMS:
        arms[a]["clv_change_per_customer"] = clv_now.get(a)
    t, h = arms["treatment"], arms["holdout"]
    out: dict[str, Any] = {"campaign": name, "days": days, "sent_at": camp.sent_at.isoformat(),
                           "arms": {a: {k: v for k, v in d.items() if not k.startswith("_")}
                                    for a, d in arms.items()}}
    if t["customers"] and h["customers"]:
        p1, p0 = t["conversion"], h["conversion"]
        se = math.sqrt(p1 * (1 - p1) / t["customers"] + p0 * (1 - p0) / h["customers"])
        out["conversion_lift"] = {"difference": p1 - p0, "ci95": [p1 - p0 - 1.96 * se,
                                                                  p1 - p0 + 1.96 * se]}
        if t["_var"] is not None and h["_var"] is not None:
            d = t["revenue_per_customer"] - h["revenue_per_customer"]
            se = math.sqrt(t["_var"] / t["customers"] + h["_var"] / h["customers"])
            out["revenue_lift"] = {"difference": d, "ci95": [d - 1.96 * se, d + 1.96 * se]}
        if camp.holdout > 0:
            out["srm_pvalue"] = srm_pvalue([t["customers"], h["customers"]],
                                           [1 - camp.holdout, camp.holdout])
    return out


def _clv_change(ws, m) -> dict[str, float | None]:
    """Mean change of CLV per customer since the send, per arm (the profile as now)."""
    from idic.customize.profile import profile

    try:
        p = profile(ws)
    except NotFoundError:
        return {}
    j = m.left_join(p.select("customer_id", _now=p.clv.cast("float64")), "customer_id")
    d = j._now - j.clv_at_send
    g = j.group_by("arm").aggregate(v=d.mean())
    return {r["arm"]: r["v"] for r in ws.engine.to_arrow(g).to_pylist()}
