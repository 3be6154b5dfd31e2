"""A pilot's roll-out plan: the "picket fence" (Peppers & Rogers, *Managing Customer Experience
and Relationships*, ch. 13, pilot projects): the new treatment goes to some customers (or
regions, stores, cities) first, comparable ones are kept as the control, and the roll-out then
widens wave by wave while each wave is compared with those not treated yet.

Units. ``customer``: every customer with at least one order before the pilot's start;
``region``: the values of a customers column (``city`` by default), each unit all the
customers living there. Everything describing a unit is computed from the orders **before the
start** (orders, revenue, recency, tenure, a value tier), so the plan can be back-dated and
never uses what the pilot itself changed; ``value_category`` and ``segment`` (the current
value and needs tables) may be used to stratify a plan that starts now.

Assignment: stratified randomisation. Units are grouped into strata (the combination of the
``stratify`` columns; a numeric column is cut into quartiles); inside each stratum they are
ordered by a deterministic hash of ``(name, seed, draw, unit)`` (SHA-256, as campaigns'
:mod:`idic.customize.assign`) and the first ``share`` of them form wave 1 (the pilot), the
count per stratum rounded systematically so the total is ``round(share x units)``; the
others are dealt in hash order to waves 2..W. Balance: the standardised mean differences of
the covariates (:mod:`.balance`). When the largest |SMD| is 0.1 or more the assignment is
redrawn with the next ``draw`` (rerandomisation, Morgan & Rubin 2012, "Rerandomization to
improve covariate balance in experiments", *Annals of Statistics* 40: 1263-1282), up to
``MAX_DRAWS`` times, keeping the best; the plan records which draw it kept.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from idic.customize.experiments.pilots.balance import (
    SMD_THRESHOLD,
    covariates,
    max_abs_smd,
    rows_of,
    smd_vector,
)
from idic.errors import InputError

if TYPE_CHECKING:
    from idic.workspace import Workspace

UNITS = ("customer", "region")
DEFAULT_STRATIFY = {"customer": ("value_tier", "country"), "region": ("country", "size_tier")}
NUMERIC = {"customer": ("orders_pre", "revenue_pre", "recency_days", "tenure_days"),
           "region": ("customers", "orders_pre", "revenue_pre", "revenue_per_customer")}
MAX_DRAWS = 200
MAX_WAVES = 20
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$")
#: categorical columns offered to --stratify, by unit
CATEGORIES = {"customer": ("value_tier", "country", "city", "region", "value_category",
                           "segment"),
              "region": ("country", "size_tier", "value_tier")}


@dataclass
class Plan:
    """A saved pilot plan: its parameters, one row per unit, and the balance table."""

    name: str
    unit: str
    start: date
    share: float
    waves: int
    seed: int
    stratify: list[str]
    region_col: str | None
    draw: int
    units: pd.DataFrame  # unit_id, wave, arm, stratum + covariates
    balance: list[dict[str, Any]] = field(default_factory=list)

    @property
    def max_abs_smd(self) -> float:
        return max_abs_smd(self.balance)

    def to_dict(self, *, rows: bool = False) -> dict[str, Any]:
        waves = self.units.wave.value_counts().sort_index()
        out: dict[str, Any] = {
            "name": self.name, "unit": self.unit, "start": self.start.isoformat(),
            "share": self.share, "waves": self.waves, "seed": self.seed,
            "stratify": list(self.stratify), "region_col": self.region_col,
            "units": len(self.units), "test_units": int((self.units.wave == 1).sum()),
            "control_units": int((self.units.wave != 1).sum()),
            "wave_sizes": {int(k): int(v) for k, v in waves.items()},
            "strata": int(self.units.stratum.nunique()),
            "draw": self.draw, "max_abs_smd": self.max_abs_smd,
            "balanced": all(r["balanced"] for r in self.balance), "balance": self.balance,
        }
        if rows:
            out["assignment"] = self.units[["unit_id", "wave", "arm", "stratum"]].to_dict(
                "records")
        return out


def check_name(name: str) -> str:
    n = (name or "").strip()
    if not NAME_RE.match(n):
        raise InputError(f"bad pilot name {name!r}",
                         hint="1-80 letters, digits, spaces, '.', '_' or '-', starting with a "
                              "letter or digit, e.g. --name loyalty-pilot-2026")
    return n


def _hash_rank(keys: pd.Series, salt: str) -> np.ndarray:
    return np.array([int(hashlib.sha256(f"{salt}:{k}".encode()).hexdigest()[:15], 16)
                     for k in keys.astype(str)], dtype=np.int64)


def latest_order_day(ws: Workspace) -> date | None:
    from idic.measure.kpis import latest_order_date

    return latest_order_date(ws.customer_orders())


def customer_units(ws: Workspace, start: date) -> pd.DataFrame:
    """One row per customer with an order before ``start``: pre-period orders, revenue,
    recency and tenure (days), value tier (terciles of pre-period revenue), place, and, for a
    plan that starts after the latest order, the current value category and needs segment
    where those tables exist (a back-dated plan would see what the pilot changed)."""
    eng = ws.engine
    o = ws.customer_orders()
    before = o.filter(o.ordered_at.date() < ibis.date(start.isoformat()))
    per = before.group_by("customer_id").agg(
        orders_pre=before.count(), revenue_pre=before.amount.cast("float64").sum(),
        first_at=before.ordered_at.min(), last_at=before.ordered_at.max())
    df = eng.to_pandas(per)
    if df.empty:
        raise InputError(f"no customer has an order before the start {start.isoformat()}",
                         hint="a pilot needs existing customers: choose a later --start")
    if eng.has_table("customers"):
        cols = [c for c in ("customer_id", "country", "city", "region")
                if c in ws.table("customers").columns]
        df = df.merge(eng.to_pandas(ws.table("customers").select(*cols)), on="customer_id",
                      how="left")
    last = latest_order_day(ws)
    current = last is not None and start > last  # a plan that starts now
    for extra, table, col in (("value_category", "value", "value_category"),
                              ("segment", "segments", "segment_name")):
        if current and eng.has_table(table) and col in ws.table(table).columns:
            t = ws.table(table)
            df = df.merge(eng.to_pandas(t.select("customer_id", **{extra: t[col]})),
                          on="customer_id", how="left")
    st = pd.Timestamp(start.isoformat(), tz="UTC")
    df["recency_days"] = (st - pd.to_datetime(df.last_at, utc=True)).dt.days.astype(float)
    df["tenure_days"] = (st - pd.to_datetime(df.first_at, utc=True)).dt.days.astype(float)
    df["revenue_pre"] = df.revenue_pre.fillna(0.0).astype(float)
    df["value_tier"] = _tiers(df.revenue_pre)
    df = df.drop(columns=["first_at", "last_at"]).rename(columns={"customer_id": "unit_id"})
    return df.sort_values("unit_id").reset_index(drop=True)


def region_units(ws: Workspace, start: date, region_col: str) -> pd.DataFrame:
    """One row per value of ``region_col`` of the customers table (blank: ``(unknown)``):
    customers, their pre-period orders and revenue, revenue per customer, the main country,
    size and value tiers (terciles)."""
    eng = ws.engine
    if not eng.has_table("customers"):
        raise InputError("region pilots need the customers table: run `idic run` first")
    cust = ws.table("customers")
    if region_col not in cust.columns:
        from idic.suggest import unknown_name

        raise unknown_name("region column", region_col, cust.columns,
                           given_in="the customers table")
    c = eng.to_pandas(cust.select("customer_id", region=cust[region_col].cast("string"),
                                  **({"country": cust.country} if "country" in cust.columns
                                     else {})))
    c["region"] = c.region.fillna("").str.strip().replace("", "(unknown)")
    o = ws.customer_orders()
    before = o.filter(o.ordered_at.date() < ibis.date(start.isoformat()))
    per = eng.to_pandas(before.group_by("customer_id").agg(
        orders_pre=before.count(), revenue_pre=before.amount.cast("float64").sum()))
    c = c.merge(per, on="customer_id", how="inner")  # customers at the start
    if c.empty:
        raise InputError(f"no customer has an order before the start {start.isoformat()}")
    agg = {"customers": ("customer_id", "count"), "orders_pre": ("orders_pre", "sum"),
           "revenue_pre": ("revenue_pre", "sum")}
    if "country" in c.columns:
        agg["country"] = ("country", lambda s: s.mode().iloc[0] if s.notna().any() else None)
    df = c.groupby("region").agg(**agg).reset_index().rename(columns={"region": "unit_id"})
    df["revenue_per_customer"] = df.revenue_pre / df.customers
    df["size_tier"] = _tiers(df.customers.astype(float))
    df["value_tier"] = _tiers(df.revenue_per_customer)
    return df.sort_values("unit_id").reset_index(drop=True)


def _tiers(x: pd.Series) -> pd.Series:
    """low / mid / high terciles (ranks, so ties and zeros split cleanly)."""
    if len(x) < 3:
        return pd.Series(["mid"] * len(x), index=x.index)
    return pd.qcut(x.rank(method="first"), 3, labels=["low", "mid", "high"]).astype(str)


def _strata(units: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not cols:
        return pd.Series(["all"] * len(units), index=units.index)
    parts = []
    for col in cols:
        v = units[col]
        if pd.api.types.is_numeric_dtype(v) and v.nunique() > 4:
            v = pd.qcut(v.rank(method="first"), 4, labels=["q1", "q2", "q3", "q4"]).astype(str)
        parts.append(v.astype("string").fillna("(missing)").astype(str))
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return out


def assign_waves(units: pd.DataFrame, strata: pd.Series, share: float, waves: int,
                 salt: str) -> np.ndarray:
    """Wave of each unit (1 = the pilot): stratified, hash-ordered, systematic rounding."""
    order = pd.DataFrame({"stratum": strata.to_numpy(), "h": _hash_rank(units.unit_id, salt),
                          "i": np.arange(len(units))}).sort_values(["stratum", "h"])
    wave = np.zeros(len(units), dtype=np.int64)
    done_n, done_test = 0, 0
    rest: list[np.ndarray] = []
    for _, g in order.groupby("stratum", sort=True):
        n = len(g)
        k = round(share * (done_n + n)) - done_test
        k = max(0, min(n, k))
        done_n, done_test = done_n + n, done_test + k
        idx = g.i.to_numpy()
        wave[idx[:k]] = 1
        rest.append(idx[k:])
    # the rest are dealt to waves 2..W systematically over all strata in turn (dealt per
    # stratum, strata smaller than W - 1 all started at wave 2 and the last waves stayed empty)
    later = np.concatenate(rest) if rest else np.zeros(0, dtype=np.int64)
    if len(later):
        wave[later] = 2 + (np.arange(len(later)) * (waves - 1)) // len(later)
    return wave


def make_plan(ws: Workspace, *, name: str, unit: str = "customer", share: float = 0.2,
              waves: int = 3, stratify: list[str] | str | None = None, seed: int = 0,
              start: date | str | None = None, region_col: str = "city") -> Plan:
    """Plan the pilot ``name`` (not saved: :func:`idic.customize.experiments.pilots.store.
    save_plan`)."""
    name = check_name(name)
    if unit not in UNITS:
        raise InputError(f"unknown unit {unit!r}", hint="customer or region")
    if not isinstance(share, int | float) or not 0 < share < 1 or share != share:
        raise InputError(f"--share must be between 0 and 1 (exclusive), got {share!r}")
    if not isinstance(waves, int) or not 2 <= waves <= MAX_WAVES:
        raise InputError(f"--waves must be a whole number from 2 to {MAX_WAVES}, got {waves!r}",
                         hint="wave 1 is the pilot, the later waves widen the roll-out")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**63:
        raise InputError(f"--seed must be a non-negative whole number, got {seed!r}")
    if not ws.engine.has_table("orders") or ws.engine.count("orders") == 0:
        raise InputError("the workspace has no orders: a pilot plans on existing customers")
    start_d = _start(ws, start)
    units = (customer_units(ws, start_d) if unit == "customer"
             else region_units(ws, start_d, region_col))
    cols = _stratify_cols(stratify, unit, units)
    if len(units) < 2:
        raise InputError(f"only {len(units)} {unit} unit(s): nothing to compare")
    strata = _strata(units, cols)
    numeric = list(NUMERIC[unit])
    categorical = list(dict.fromkeys([*(c for c in cols if not pd.api.types.is_numeric_dtype(
        units[c])), *(c for c in ("value_tier", "value_category", "segment", "country")
                      if c in units.columns)]))
    labels, x, binary = covariates(units, numeric, categorical)
    best: tuple[float, int, np.ndarray] | None = None
    for draw in range(MAX_DRAWS):
        wave = assign_waves(units, strata, share, waves, f"{name}:{seed}:{draw}")
        test = wave == 1
        if test.all() or not test.any():
            raise InputError(f"--share {share:g} of {len(units)} units leaves no test or no "
                             "control unit", hint="raise or lower --share")
        d = np.abs(smd_vector(x, binary, test))
        score = float(np.nan_to_num(d, nan=np.inf).max()) if d.size else 0.0
        if best is None or score < best[0]:
            best = (score, draw, wave)
        if score < SMD_THRESHOLD:
            break
    assert best is not None
    _, draw, wave = best
    rows = rows_of(labels, x, binary, wave == 1)
    units = units.assign(wave=wave, arm=np.where(wave == 1, "test", "control"),
                         stratum=strata.to_numpy())
    return Plan(name=name, unit=unit, start=start_d, share=float(share), waves=waves,
                seed=seed, stratify=cols, region_col=region_col if unit == "region" else None,
                draw=draw, units=units, balance=rows)


def _start(ws: Workspace, start: date | str | None) -> date:
    if start is None:
        last = latest_order_day(ws)
        if last is None:
            raise InputError("the workspace has no dated orders")
        return last + timedelta(days=1)  # the pilot starts now: after the last order
    if isinstance(start, date):
        return start
    try:
        return date.fromisoformat(str(start).strip())
    except ValueError:
        raise InputError(f"bad --start {start!r}", hint="a date, e.g. 2026-04-01") from None


def _stratify_cols(stratify: list[str] | str | None, unit: str,
                   units: pd.DataFrame) -> list[str]:
    if stratify is None:
        cols = [c for c in DEFAULT_STRATIFY[unit] if c in units.columns]
    else:
        raw = stratify.split(",") if isinstance(stratify, str) else list(stratify)
        cols = list(dict.fromkeys(c.strip() for c in raw if c.strip()))
    known = [c for c in (*CATEGORIES[unit], *NUMERIC[unit]) if c in units.columns]
    for c in cols:
        if c not in known:
            from idic.suggest import unknown_name

            raise unknown_name("stratify column", c, known, given_in=f"{unit} units")
    if len(cols) > 4:
        raise InputError(f"{len(cols)} stratify columns: at most 4",
                         hint="more strata than units leaves strata of one")
    return cols
