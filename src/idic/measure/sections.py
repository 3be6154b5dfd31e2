"""The sections of the customer-strategy report and dashboard, built from the workspace's
tables: numbers, sentences, tables and Plotly figures, shared by :mod:`idic.measure.report`
(one offline HTML file) and :mod:`idic.web` (the dashboard pages).

A section whose stage has not run is returned with ``available=False`` and a ``reason``
("stage not run: ...") instead of failing the whole page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from idic.workspace import Workspace

log = logging.getLogger(__name__)

HEADLINE = ("active_customers", "new_customers", "retention_rate", "churn_rate",
            "revenue", "cash_flow", "equity_end", "roc")
#: metrics where a fall is good news
LOWER_IS_BETTER = {"churn_rate", "churned_customers", "cost_to_serve", "li_falling_frequency",
                   "li_fewer_channels", "li_recent_complaints", "li_nps_drop", "li_dormant",
                   "li_at_risk_clv"}


@dataclass
class Number:
    label: str
    value: str
    change: str = ""  # against the previous period (shown as "... vs previous")
    good: bool | None = None  # True: good news, False: bad news, None: neutral
    note: str = ""  # a line under the value that is not a change (an interval, a cost)


@dataclass
class Section:
    key: str
    title: str
    available: bool = True
    reason: str | None = None
    intro: str = ""
    numbers: list[Number] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    currency: str = ""  # of the money columns in ``tables`` (see idic.format.frame)
    html: list[str] = field(default_factory=list)  # trusted HTML blocks (the journey map)


def currency_of(ws: Workspace) -> str:
    """The reporting currency (:func:`idic.money.reporting_currency`; ``""`` without orders)."""
    from idic.money import reporting_currency

    return reporting_currency(ws)


def fmt(value: Any, unit: str, currency: str = "") -> str:
    """A KPI value for people: 43.6%, 1,234, 12,345 EUR, +12 points."""
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    v = float(value)
    if unit == "rate":
        return f"{v:.1%}"
    if unit == "money":
        return f"{v:,.0f} {currency}".strip()
    if unit == "points":
        return f"{v:+.0f}"
    if unit == "ratio":
        return f"{v:,.2f}"
    return f"{v:,.0f}"


def fmt_change(cur: Any, prev: Any, unit: str, currency: str = "") -> str:
    if cur is None or prev is None or cur != cur or prev != prev:
        return ""
    d = float(cur) - float(prev)
    if unit == "rate":
        return f"{d * 100:+.1f} pts"
    if unit == "points":
        return f"{d:+.0f} pts"
    if float(prev):
        return f"{d / abs(float(prev)):+.1%}"
    return fmt(d, unit, currency)


def _good(metric: str, cur: Any, prev: Any) -> bool | None:
    if cur is None or prev is None or cur != cur or prev != prev or cur == prev:
        return None
    up = float(cur) > float(prev)
    return (not up) if metric in LOWER_IS_BETTER else up


def guarded(key: str, title: str) -> Callable[[Callable[..., Section]], Callable[..., Section]]:
    """Turn a failing section builder into an unavailable section with the error."""
    def deco(fn: Callable[..., Section]) -> Callable[..., Section]:
        def wrapper(ws: Workspace, *args: Any, **kwargs: Any) -> Section:
            try:
                return fn(ws, *args, **kwargs)
            except Exception as exc:
                log.exception("section %s failed", key)
                return Section(key, title, available=False,
                               reason=f"could not be built: {type(exc).__name__}: {exc}")
        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        return wrapper
    return deco


def kpi_frame(ws: Workspace, *, compute_if_missing: bool = False) -> pd.DataFrame | None:
    from idic.measure.stage import read_kpis, run

    k = read_kpis(ws)
    if k is None and compute_if_missing:
        run(ws)
        k = read_kpis(ws)
    return k


# -- summary ----------------------------------------------------------------------------------
@guarded("summary", "Summary")
def summary(ws: Workspace, *, currency: str | None = None, compute: bool = False) -> Section:
    """Headline numbers of the period, what changed since the previous one, the equity / ROC
    waterfall."""
    from idic.charts import measure as mc

    s = Section("summary", "Summary")
    cur = currency_of(ws) if currency is None else currency
    s.currency = cur
    n_orders = ws.engine.count("orders")
    if not n_orders:
        s.available, s.reason = False, "no orders in the workspace: ingest orders first"
        return s
    k = kpi_frame(ws, compute_if_missing=compute)
    if k is None:
        s.available, s.reason = False, "stage not run: `idic report` or the measure stage " \
                                       "builds the kpis table"
        return s
    r0 = k.iloc[0]
    s.intro = (f"Period {r0['period_start']} to {r0['period_end']}, compared with "
               f"{r0['previous_start']} to {r0['previous_end']}. Customer equity is the sum "
               "of the customers' discounted lifetime values (margin over ten years by "
               "default, from the CLV models); return on customer = (cash flow + change in equity) / equity at "
               "the start.")
    for m in HEADLINE:
        if m in k.index:
            r = k.loc[m]
            label = r["label"]
            if r["unit"] == "rate" and r["current"] == r["current"] and r["current"] > 1:
                label += (" - above 100%: the value created exceeds the equity at the start"
                          if m == "roc" else " - above 100%, see the note under the chart")
            s.numbers.append(Number(label, fmt(r["current"], r["unit"], cur),
                                    fmt_change(r["current"], r["previous"], r["unit"], cur),
                                    _good(m, r["current"], r["previous"])))
    s.bullets = what_changed(k, cur)
    if "equity_start" in k.index and k.loc["equity_start", "current"] == \
            k.loc["equity_start", "current"]:
        parts = {m: k.loc[m, "current"] for m in k.index}
        s.figures.append(mc.equity_waterfall(parts, currency=cur + " " if cur else ""))
    else:
        s.bullets.append("Customer equity and ROC: stage not run (needs the CLV models).")
    if {"retention_rate", "churn_rate"} <= set(k.index):
        s.figures.append(mc.kpi_comparison(k))
    table = k.reset_index()[["label", "unit", "current", "previous"]].copy()
    table["this period"] = [fmt(v, u, cur) for v, u in zip(table.current, table.unit,
                                                              strict=True)]
    table["previous period"] = [fmt(v, u, cur) for v, u in zip(table.previous, table.unit,
                                                                  strict=True)]
    table["change"] = [fmt_change(a, b, u, cur) for a, b, u in
                       zip(table.current, table.previous, table.unit, strict=True)]
    s.tables.append(("All KPIs", table[["label", "this period", "previous period", "change"]]
                     .rename(columns={"label": "KPI"})))
    return s


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def what_changed(k: pd.DataFrame, currency: str = "") -> list[str]:
    """Sentences on the biggest moves between the two periods."""
    out = []
    for m in ("active_customers", "new_customers", "retention_rate", "win_back_rate",
              "revenue", "average_order_value", "nps", "equity_end", "roc"):
        if m not in k.index:
            continue
        r = k.loc[m]
        a, b = r["current"], r["previous"]
        if a is None or b is None or a != a or b != b:
            continue
        verb = "rose" if a > b else "fell" if a < b else "held"
        word = "" if verb == "held" else f" ({fmt_change(a, b, r['unit'], currency)})"
        out.append(f"{r['label']} {verb} from {fmt(b, r['unit'], currency)} to "
                   f"{fmt(a, r['unit'], currency)}{word}.")
    if "roc" in k.index and k.loc["roc", "current"] == k.loc["roc", "current"]:
        r = k.loc["roc", "current"]
        vc = k.loc["value_created", "current"] if "value_created" in k.index else None
        out.append(f"Return on customer: {r:.1%} - the customers created "
                   f"{fmt(vc, 'money', currency)} of value (cash flow plus change in customer "
                   f"equity), {r:.1%} of the equity held at the start; the base "
                   + ("grew more valuable." if r > 0 else "lost value.")
                   + (" Above 100% because the value created exceeds the equity held at the "
                      "start: a young or fast-growing customer base." if r > 1 else ""))
    li = [m for m in k.index if m.startswith("li_") and m not in ("li_at_risk_clv",)]
    if li:
        parts = [f"{int(k.loc[m, 'current']):,} {_lower_first(k.loc[m, 'label'].split(': ')[-1])}"
                 for m in li if k.loc[m, "current"] == k.loc[m, "current"]]
        out.append("Leading indicators of value change: " + "; ".join(parts) + ".")
    return out


# -- value ------------------------------------------------------------------------------------
@guarded("value", "Value")
def value(ws: Workspace, *, currency: str | None = None) -> Section:
    """Concentration (Lorenz / Pareto), ABC, RFM grid and segments, value categories, CLV."""
    from idic.charts import measure as mc

    s = Section("value", "Value")
    eng = ws.engine
    cur = currency_of(ws) if currency is None else currency
    s.currency = cur
    if not (eng.has_table("rfm") or eng.has_table("clv")):
        s.available, s.reason = False, "stage not run: `idic value` and `idic clv` build it"
        return s
    from idic.money import summary as money_summary

    m = money_summary(ws)
    other = {c: n for c, n in m["orders"].items() if c != m["currency"]}
    if other:
        s.bullets.append(f"Amounts in {m['currency']}: " + "; ".join(
            f"{n:,} orders in {c} converted at " + (
                f"the rate of each order's day, {m['currency']} per {c}: {m['rates_text'][c]}"
                if isinstance(m["fx_rates"].get(c), dict)
                else f"{m['rates_text'].get(c, 'no rate')} {m['currency']} per {c}")
            for c, n in sorted(other.items()))
            + " (workspace.json fx_rates; `idic currency show`).")
    if eng.has_table("abc") and eng.count("abc"):
        from idic.charts.value import abc_figure, lorenz_figure
        from idic.differentiate.value import abc as abc_mod

        a = ws.table("abc")
        share = abc_mod.share_of_customers_making(a, 0.80)
        g = abc_mod.gini(a)
        s.numbers.append(Number("Customers making 80% of revenue", f"{share:.1%}"))
        s.numbers.append(Number("Gini of revenue", f"{g:.2f}"))
        s.figures.append(lorenz_figure(abc_mod.lorenz_curve(a), gini=g, share_80=share))
        s.figures.append(abc_figure(eng.to_pandas(abc_mod.class_summary(a))))
    if eng.has_table("rfm") and eng.count("rfm"):
        from idic.charts.value import rfm_grid_figure, segment_figure
        from idic.differentiate.value import rfm as rfm_mod

        r = ws.table("rfm")
        s.figures.append(rfm_grid_figure(eng.to_pandas(rfm_mod.grid_summary(r))))
        seg = eng.to_pandas(rfm_mod.segment_summary(r))
        s.figures.append(segment_figure(seg))
    if eng.has_table("value") and eng.count("value"):
        from idic.charts.value import value_matrix_figure

        cv = ws.table("value")
        df = eng.to_pandas(cv.select("customer_id", "actual_value", "unrealised_potential",
                                     "value_category"))
        s.figures.append(value_matrix_figure(df, currency=cur))
        cats = df.groupby("value_category").agg(
            customers=("customer_id", "size"),
            actual_value=("actual_value", lambda x: float(pd.to_numeric(x).sum())),
            unrealised_potential=("unrealised_potential",
                                  lambda x: float(pd.to_numeric(x).sum()))).reset_index()
        for c in ("actual_value", "unrealised_potential"):
            cats[c] = [fmt(v, "money", cur) for v in cats[c]]
        s.tables.append(("Customer value categories (Peppers & Rogers)", cats))
    if eng.has_table("clv") and eng.count("clv"):
        from idic.charts.clv import clv_distribution
        from idic.measure.equity import customer_equity, equity_by, equity_column

        t = ws.table("clv")
        c = eng.to_pandas(t.select("frequency", "recency", "p_alive", "clv",
                                   lifetime_value=t[equity_column(t)]))
        s.numbers.append(Number("Customer equity (sum of lifetime values)",
                                fmt(customer_equity(c, column="lifetime_value"), "money", cur)))
        s.numbers.append(Number("CLV over the next 12 months",
                                fmt(customer_equity(c), "money", cur)))
        s.numbers.append(Number("Average P(alive)", f"{c['p_alive'].mean():.1%}"))
        s.figures.append(clv_distribution(c["clv"], currency=cur))
        s.figures.append(mc.p_alive_map(c))
        by = equity_by(ws, "value_category")
        if not by.empty:
            s.figures.append(mc.equity_by_group(by, "value_category", currency=cur))
    else:
        s.bullets.append("CLV: stage not run (`idic clv`).")
    return s


# -- cohorts ----------------------------------------------------------------------------------
@guarded("cohorts", "Cohorts")
def cohorts(ws: Workspace) -> Section:
    """Cohort retention by first-order month: heat map and the average curve."""
    from idic.charts import measure as mc
    from idic.measure.cohorts import average_curve, retention_matrix

    s = Section("cohorts", "Cohorts")
    if not ws.engine.has_table("cohorts"):
        s.available, s.reason = False, "stage not run: the measure stage builds it"
        return s
    df = ws.engine.to_pandas(ws.table("cohorts"))
    if df.empty:
        s.available, s.reason = False, "no orders yet"
        return s
    curve = average_curve(df)
    s.intro = ("Each row is the customers whose first order fell in that month; each cell the "
               "share of them who ordered again k months later.")
    for k in (1, 3, 6, 12):
        row = curve[curve.months_since_first == k]
        if not row.empty and row["retention"].iloc[0] is not None:
            s.numbers.append(Number(f"Ordering in month {k}", f"{row['retention'].iloc[0]:.1%}"))
    s.figures.append(mc.cohort_heatmap(retention_matrix(df)))
    s.figures.append(mc.retention_curve(curve))
    return s


# -- journeys ---------------------------------------------------------------------------------
@guarded("journeys", "Journeys")
def journeys(ws: Workspace) -> Section:
    """Journey map, stage funnel, most common paths (Sankey), attribution, moments of truth."""
    s = Section("journeys", "Journeys")
    eng = ws.engine
    if not eng.has_table("journeys"):
        s.available, s.reason = False, "stage not run: `idic journeys` builds it"
        return s
    from idic.charts import journeys as jc
    from idic.interact.journeys import attribution as attr
    from idic.interact.journeys import paths as paths_mod
    from idic.interact.journeys import service as svc

    jr = ws.table("journeys")
    counts = svc.summary_counts(ws, jr)
    if not counts["journeys"]:
        s.available, s.reason = False, "no journeys: the workspace has no events"
        return s
    s.numbers += [Number("Journeys", f"{counts['journeys']:,}"),
                  Number("Converted journeys", f"{counts['converted_journeys']:,}"),
                  Number("Conversion rate",
                         f"{counts['converted_journeys'] / counts['journeys']:.1%}"),
                  Number("Persons", f"{counts['persons']:,}")]
    try:
        jm = svc.journey_map(ws)
        from idic.charts.journey_map import embedded_map

        s.html.append(embedded_map(jm, currency=currency_of(ws)))
        steps = funnel_steps(jm.touchpoints)
        if len(steps) >= 2:
            from idic.interact.journeys import funnel

            f = funnel(ws.engine, steps, "30d")
            s.figures.append(jc.funnel_figure(
                f, title="Funnel (ordered steps within 30 days): " + " > ".join(steps)))
        for o in jm.opportunities[:5]:
            s.bullets.append(opportunity_text(o, currency_of(ws)))
    except Exception as exc:
        s.errors.append(f"journey map: {exc}")
    paths = svc.workspace_paths(ws)
    for c in ("conversions", "nulls", "value"):  # stored as DECIMAL: plain floats for NumPy
        if c in paths.columns:
            paths[c] = pd.to_numeric(paths[c], errors="coerce").astype(float).fillna(0.0)
    if not paths.empty:
        s.figures.append(jc.sankey_figure(paths_mod.sankey(paths)))
        try:
            s.figures.append(jc.attribution_figure(attr.compare(paths)))
        except Exception as exc:
            s.errors.append(f"attribution: {exc}")
        top = paths_mod.top_paths(paths, 10)
        s.tables.append(("Most common paths", pd.DataFrame({
            "path": top["path"], "journeys": top["journeys"].astype(int),
            "conversion rate": [f"{v:.1%}" if v == v else "" for v in top["conversion_rate"]],
            "share": [f"{v:.1%}" for v in top["share"]]})))
    m = svc.workspace_moments(ws, "conversion")
    if not m.empty:
        s.figures.append(jc.moments_figure(m))
        mot = sorted(set(m.loc[m["moment_of_truth"].fillna(False).astype(bool), "touchpoint"]))
        if mot:
            s.bullets.append("Moments of truth: " + ", ".join(mot) + ".")
    return s


PRE_PURCHASE = ("awareness", "consideration", "purchase")


def funnel_steps(touchpoints: pd.DataFrame) -> list[str]:
    """A funnel from the data: the most reached touchpoint of each pre-purchase stage (not a
    conversion, not a pain point), then the most reached conversion event."""
    from idic.interact.journeys import load_rules

    conv = {e.lower() for e in load_rules().conversion_events}
    tp = touchpoints.copy()
    tp["_conv"] = tp["touchpoint"].astype(str).str.lower().isin(conv)
    if "sentiment_score" in tp.columns:  # pain points are not steps of a funnel
        tp = tp[pd.to_numeric(tp["sentiment_score"], errors="coerce").fillna(0) >= 0]
    steps: list[str] = []
    for stage in PRE_PURCHASE:
        cand = tp[(tp["stage"] == stage) & ~tp["_conv"] & ~tp["touchpoint"].isin(steps)]
        if not cand.empty:
            steps.append(str(cand.sort_values("reach", ascending=False)["touchpoint"].iloc[0]))
    end = tp[tp["_conv"]].sort_values("reach", ascending=False)
    if not end.empty:
        steps.append(str(end["touchpoint"].iloc[0]))
    return steps


def opportunity_text(o: dict[str, Any], currency: str = "") -> str:
    """One journey-map opportunity as a sentence."""
    from idic import format as F

    try:
        text = (f"Opportunity: {int(o['lost_persons']):,} persons drop off between "
                f"{o['stage']} and {o['next_stage']} ({float(o['drop_off_rate']):.0%})")
    except (KeyError, TypeError, ValueError):
        return "Opportunity: " + ", ".join(f"{k} {v}" for k, v in o.items())
    if o.get("value_at_stake"):
        text += f", {F.money(o['value_at_stake'], currency)} at stake"
    pains = o.get("explained_by") or o.get("pain_points") or []
    if pains:
        names = [p.get("touchpoint", str(p)) if isinstance(p, dict) else str(p) for p in pains]
        text += "; pain points there: " + ", ".join(names)
    return text + "."


# -- what to do next --------------------------------------------------------------------------
@guarded("actions", "What to do next")
def actions(ws: Workspace, *, currency: str | None = None) -> Section:
    """Recommendations with the customers concerned and the value at stake."""
    from idic.charts import measure as mc
    from idic.measure.actions import next_actions

    s = Section("actions", "What to do next")
    cur = currency_of(ws) if currency is None else currency
    s.currency = cur
    acts = next_actions(ws)
    if not acts:
        s.available, s.reason = False, ("stage not run: the value and journeys stages "
                                        "provide the data for recommendations")
        return s
    for a in acts:
        a["value_text"] = fmt(a["value_at_stake"], "money", cur)
    s.actions = acts
    s.figures.append(mc.actions_figure(acts, currency=cur))
    return s


# -- identification inventory --------------------------------------------------------------
@guarded("identification", "Identification")
def identification(ws: Workspace) -> Section:
    """How much identification the company already has (Peppers & Rogers ch. 4)."""
    from idic.charts.identify import identified_by_source
    from idic.errors import NotFoundError
    from idic.identify.inventory import identification_inventory

    s = Section("identification", "Identification")
    try:
        inv = identification_inventory(ws)
    except NotFoundError as err:
        s.available, s.reason = False, str(err)
        return s
    if not inv["identify_has_run"]:
        s.available, s.reason = False, "stage not run: identify resolves records into customers"
        return s
    s.intro = ("How much of what the business sees can already be tied to a known customer: "
               "orders whose buyer record was resolved, events with a user id or a cookie "
               "that later logged in. Anonymous interactions are customers you cannot yet "
               "treat differently.")
    pct = "{:.1%}".format
    for label, key in (("Orders identified", "orders_identified_share"),
                       ("Revenue identified", "revenue_identified_share"),
                       ("Events identified", "events_identified_share"),
                       ("Events anonymous", "anonymous_events_share")):
        if inv.get(key) is not None:
            s.numbers.append(Number(label, pct(inv[key])))
    add = inv.get("addressable") or {}
    if add.get("granted_share", {}).get("email_marketing") is not None:
        s.numbers.append(Number("Reachable by e-mail (consent)",
                                pct(add["granted_share"]["email_marketing"])))
    s.figures.append(identified_by_source(inv))
    rows = []
    for src, d in inv["by_source"].items():
        i = d.get("identities")
        if not i:  # a source of events only (the app, e-mails): no records of its own
            continue
        cov = i.get("identifier_coverage", {})
        rows.append({"Source": src, "Records": f"{i['records']:,}",
                     **{name: pct(cov[c]) if cov.get(c) is not None else ""
                        for c, name in (("email", "E-mail"), ("phone", "Phone"),
                                        ("loyalty_id", "Loyalty card"),
                                        ("account_id", "Account"), ("cookie_id", "Cookie"),
                                        ("device_id", "Device"),
                                        ("social_handle", "Social handle"))}})
    if rows:
        s.tables.append(("Identifier coverage: share of each source's records holding it",
                         pd.DataFrame(rows)))
    return s


def _lazy(module: str, attr: str) -> Callable[..., Section]:
    """A section built in a stage's own module, imported when the section is asked for."""
    def build(ws: Workspace, **kwargs: Any) -> Section:
        import importlib

        return getattr(importlib.import_module(module), attr)(ws, **kwargs)

    build.__name__ = attr
    return build


SECTIONS: dict[str, Callable[..., Section]] = {
    "summary": summary, "actions": actions, "value": value, "cohorts": cohorts,
    "journeys": journeys, "identification": identification,
    "needs": _lazy("idic.differentiate.needs.section", "needs"),
    "accounts": _lazy("idic.accounts.section", "accounts"),
    "voice": _lazy("idic.interact.voice.section", "voice_section"),
    "network": _lazy("idic.interact.network.section", "network"),
    "treatments": _lazy("idic.customize.section", "treatments"),
    "audiences": _lazy("idic.customize.section", "audiences_and_campaigns"),
    "experiments": _lazy("idic.customize.experiments.section", "experiments"),
    "nba": _lazy("idic.customize.nba.section", "next_best_action"),
    "tasks": _lazy("idic.customize.tasks.section", "tasks_section"),
}
#: the sections whose builder takes the workspace's ``currency``
TAKES_CURRENCY = {"summary", "actions", "value", "accounts", "voice", "network"}
#: the report's sections, in order
REPORT = ("summary", "actions", "value", "needs", "cohorts", "journeys", "identification",
          "accounts", "voice", "network", "treatments", "experiments", "nba", "tasks")


def all_sections(ws: Workspace, *, compute: bool = False) -> list[Section]:
    cur = currency_of(ws)
    out = []
    for name in REPORT:
        kwargs: dict[str, Any] = {"currency": cur} if name in TAKES_CURRENCY else {}
        if name == "summary":
            kwargs["compute"] = compute
        out.append(SECTIONS[name](ws, **kwargs))
    return out
