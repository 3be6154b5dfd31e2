"""Dashboard routes (``router``), mounted by :func:`idic.api.create_app`.

``GET /`` login form (an API key) -> ``POST /login`` sets a signed session cookie (an
``Authorization: Bearer KEY`` header works too, for scripts; ``POST /logout`` ends it; both
posts must come from this site's own pages) ->
``GET /dashboard`` overview, ``/dashboard/customers`` (search, top customers),
``/dashboard/customers/{id}`` (360), ``/dashboard/value``, ``/dashboard/segments``,
``/dashboard/journeys``, ``/dashboard/voice``, ``/dashboard/network``,
``/dashboard/experiments``.
Plotly's JavaScript: ``GET /static/plotly.min.js`` from the installed package.

Pages read the workspace through the API's gate (one unit of work each) and cache their
HTML until the workspace changes. Roles: admin, analyst, marketer and privacy officers see
the dashboard; PII on customer pages is masked by role as in the API.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jinja2
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from idic.web import session

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).with_name("templates")
VIEW_ROLES = ("admin", "analyst", "marketer", "privacy")
PAGES = (("overview", "Overview", "/dashboard"), ("customers", "Customers", "/dashboard/customers"),
         ("value", "Value", "/dashboard/value"), ("segments", "Segments", "/dashboard/segments"),
         ("journeys", "Journeys", "/dashboard/journeys"), ("voice", "Voice", "/dashboard/voice"),
         ("network", "Network", "/dashboard/network"),
         ("audiences", "Audiences", "/dashboard/audiences"),
         ("experiments", "Experiments", "/dashboard/experiments"),
         ("tasks", "Tasks", "/dashboard/tasks"))


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(
        [str(TEMPLATES), str(Path(__file__).parents[1] / "measure" / "templates")]),
        autoescape=jinja2.select_autoescape(["html", "j2"]))
    from idic import format as F

    env.filters["label"] = F.label  # numbers and column names for people (idic.format)
    env.filters["human"] = lambda v, key="", currency="": F.cell(v, F.unit_of(str(key)), currency)
    from idic.web import cards

    env.globals["cards_of"] = cards.customer_cards  # the customer 360's cards (issue 18)
    env.globals["cards_currency"] = cards.currency_of
    return env


@lru_cache(maxsize=1)
def _css() -> str:
    return (Path(__file__).parents[1] / "measure" / "templates" / "style.css").read_text()


def _render(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    ctx.setdefault("pages", PAGES)
    html = _env().get_template(name).render(css=_css(), **ctx)
    return HTMLResponse(html, status_code=status)


def _state(request: Request) -> Any:
    st = getattr(request.app.state, "idic", None)
    if st is None:  # pragma: no cover - the router is meant for create_app
        raise RuntimeError("the dashboard needs the idic API app (idic.api.create_app)")
    return st


def _principal(request: Request) -> tuple[str, str] | None:
    """(key_id, role) from the session cookie, else from an ``Authorization: Bearer`` header
    (scripts and checks reach the pages like the API; HTTP Basic is for collection only)."""
    st = _state(request)
    who = session.read(st.secret, request.cookies.get(session.COOKIE), st.path)
    if who is not None:
        return who
    from idic.api.auth import extract_key
    from idic.privacy.keys import lookup_key

    entry = lookup_key(st.path, extract_key(request))
    return None if entry is None else (entry["key_id"], entry["role"])


def _guard(request: Request) -> tuple[str, str] | Response:
    """The session's (key_id, role), or the response to send instead (login / forbidden)."""
    who = _principal(request)
    if who is None:
        return RedirectResponse("/?next=" + request.url.path, status_code=303)
    if who[1] not in VIEW_ROLES:
        why = f"the role {who[1]!r} may not view the dashboard" + (
            ": a service key works its tasks through the API (GET /v1/tasks)"
            if who[1] == "service" else "")
        return _render("login.html", 403, error=why, active=None, role=who[1])
    return who


def _audit(request: Request, who: tuple[str, str], action: str, target: str | None = None,
           status: int = 200) -> None:
    try:
        from idic.api.auth import Principal

        _state(request).audit_event(request, Principal(*who), action, target=target,
                                    status=status)
    except Exception:
        log.exception("audit failed")


# -- login ------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/dashboard") -> Response:
    who = _principal(request)
    return _render("login.html", active=None, next=_safe_next(next),
                   role=who[1] if who else None)


def _safe_next(url: str | None) -> str:
    return url if url and url.startswith("/dashboard") and "//" not in url else "/dashboard"


def same_origin(request: Request) -> bool:
    """A form post from this site's own pages (CSRF defence for /login and /logout).

    Browsers send ``Origin`` on every POST (``Sec-Fetch-Site`` too); it must name this
    server as the browser reached it (scheme, host and port; the scheme from the TLS proxy
    when proxy headers are trusted). A client that sends neither header is no browser: no
    ambient cookie to abuse.
    """
    from urllib.parse import urlsplit

    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def _cross_site(request: Request) -> Response:
    who = _principal(request)
    return _render("login.html", 403, error="refused: this form was posted from another site",
                   next="/dashboard", active=None, role=who[1] if who else None)


@router.post("/login")
async def login(request: Request) -> Response:
    if not same_origin(request):
        return _cross_site(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0].strip()
    nxt = _safe_next((form.get("next") or [None])[0])
    st = _state(request)
    from idic.api.auth import verify_key
    from idic.privacy.keys import lookup_key

    role = verify_key(st.path, key) if key else None
    entry = lookup_key(st.path, key) if role else None
    if entry is None:
        return _render("login.html", 401, error="invalid or revoked API key", next=nxt,
                       active=None)
    resp = RedirectResponse(nxt, status_code=303)
    secure = st.settings.secure_cookies or request.url.scheme == "https"
    resp.set_cookie(session.COOKIE, session.issue(st.secret, entry["key_id"], role),
                    max_age=session.MAX_AGE, httponly=True, samesite="lax", secure=secure)
    return resp


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session (its cookie is refused from now on, wherever it was copied)."""
    if not same_origin(request):
        return _cross_site(request)
    st = _state(request)
    session.end(st.secret, request.cookies.get(session.COOKIE), st.path)
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(session.COOKIE)
    return resp


@router.get("/static/plotly.min.js")
def plotly_js() -> Response:
    from idic.measure.report import plotly_js as js

    return Response(js(), media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})


# -- section pages ----------------------------------------------------------------------------
def _sections_page(request: Request, page: str, names: tuple[str, ...], title: str) -> Response:
    who = _guard(request)
    if isinstance(who, Response):
        return who
    st = _state(request)

    def compute() -> list[dict[str, Any]]:
        from idic.measure import sections as sec
        from idic.measure.report import render_sections

        with st.gate.use() as ws:
            cur = sec.currency_of(ws)
            built = []
            for n in names:
                fn = sec.SECTIONS[n]
                built.append(fn(ws, currency=cur) if n in sec.TAKES_CURRENCY else fn(ws))
        return render_sections(built)

    secs = st.cached(("web", page), compute)
    return _render("page.html", title=title, active=page, sections=secs, role=who[1])


#: dashboard pages made of report sections: (page, path, section names, title)
SECTION_PAGES = (
    ("overview", "/dashboard", ("summary", "actions", "cohorts", "identification", "accounts"),
     "Overview"),
    ("value", "/dashboard/value", ("value",), "Value"),
    ("segments", "/dashboard/segments", ("needs",), "Segments"),
    ("journeys", "/dashboard/journeys", ("journeys",), "Journeys"),
    ("voice", "/dashboard/voice", ("voice",), "Voice of the customer"),
    ("network", "/dashboard/network", ("network",), "Roles and networks"),
    ("experiments", "/dashboard/experiments", ("experiments",), "Experiments"),
    ("tasks", "/dashboard/tasks", ("tasks",), "Follow-up tasks"),
    ("audiences", "/dashboard/audiences", ("audiences", "treatments"),
     "Audiences and campaigns"),
)


def _section_route(page: str, names: tuple[str, ...], title: str) -> Any:
    async def handler(request: Request) -> Response:
        return await run_in_threadpool(_sections_page, request, page, names, title)

    handler.__name__ = f"{page}_page"
    return handler


for _page, _path, _names, _title in SECTION_PAGES:
    router.add_api_route(_path, _section_route(_page, _names, _title), methods=["GET"],
                         response_class=HTMLResponse)


# -- customers --------------------------------------------------------------------------------
SEARCH_COLUMNS = ("customer_id", "first_name", "last_name", "email", "phone", "city",
                  "postcode", "loyalty_id")
#: roles that see every identifier may search by any part of one; the others (who see
#: masked or pseudonymised profiles) only by customer id or an exact, full identifier, so
#: that a search cannot be used to read what the mask hides one character at a time
SUBSTRING_ROLES = ("admin", "privacy")
EXACT_COLUMNS = ("customer_id", "email", "phone", "loyalty_id")


def _exact(t: Any, q: str) -> Any:
    """customer_id / loyalty_id equal to ``q``, e-mail equal ignoring case, phone equal
    ignoring spaces, dots, dashes and brackets."""
    digits = q.translate(str.maketrans("", "", " .-()"))
    cond = None
    for c in (c for c in EXACT_COLUMNS if c in t.columns):
        col = t[c].cast("string")
        e = (col.lower() == q.lower() if c == "email" else col == digits if c == "phone"
             else col == q)
        cond = e if cond is None else (cond | e)
    return cond


PAGE_SIZE = 50


def _search_expr(ws: Any, q: str, exact: bool) -> tuple[Any, list[str]]:
    """The customers table filtered by ``q`` (see :func:`search_customers`), and the columns
    shown."""
    eng = ws.engine
    if eng.has_table("customers"):
        t = ws.table("customers")
    else:
        t = ws.table("identities")
        t = t.mutate(customer_id=t.source.concat(":", t.source_record_id))
    cols = [c for c in SEARCH_COLUMNS if c in t.columns]
    show = [c for c in ("customer_id", "first_name", "last_name", "email", "phone", "city",
                        "country") if c in t.columns]
    if q and exact:
        t = t.filter(_exact(t, q.strip()))
    elif q:
        needle = q.strip().lower()
        cond = None
        for c in cols:
            e = t[c].cast("string").lower().contains(needle)
            cond = e if cond is None else (cond | e)
        t = t.filter(cond)
    return t, show


def search_total(ws: Any, q: str, *, exact: bool = False) -> int:
    """How many customers :func:`search_customers` would find without its limit."""
    t, _ = _search_expr(ws, q, exact)
    if not q and ws.engine.has_table("clv"):  # the list is the customers with a CLV
        c = ws.table("clv").select("customer_id")
        t = t.select("customer_id").join(c, "customer_id")
    return int(ws.engine.to_pandas(t.aggregate(n=t.count()))["n"].iloc[0])


def search_customers(ws: Any, q: str, limit: int = 50, *, exact: bool = False,
                     offset: int = 0) -> list[dict[str, Any]]:
    """Customers whose id, name, e-mail, phone, city or postcode contains ``q`` (any case);
    with ``exact``, only those whose customer id, e-mail, phone or loyalty id *is* ``q``;
    with an empty ``q`` the customers with the highest CLV. ``limit`` rows from ``offset``
    (:func:`search_total` counts them all)."""
    eng = ws.engine
    t, show = _search_expr(ws, q, exact)
    if q or not eng.has_table("clv"):
        rows = eng.to_pandas(t.select(*show).order_by("customer_id").limit(limit, offset=offset))
    else:
        c = ws.table("clv").select("customer_id", "clv")
        j = t.select(*show).join(c, "customer_id")
        rows = eng.to_pandas(j.order_by([j.clv.desc(), j.customer_id])
                             .limit(limit, offset=offset).select(*show))
    if eng.has_table("value") and not rows.empty:
        cv = ws.table("value")
        cv = cv.filter(cv.customer_id.isin(rows["customer_id"].astype(str).tolist())).select(
            "customer_id", "value_category", "revenue", "clv", "p_alive")
        rows = rows.merge(eng.to_pandas(cv), on="customer_id", how="left")
    return [{k: (None if (isinstance(v, float) and v != v) or v is pd.NaT else v)
             for k, v in r.items()} for r in rows.to_dict("records")]


@router.get("/dashboard/customers", response_class=HTMLResponse)
async def customers_page(request: Request, q: str = "", page: int = 1) -> Response:
    def work() -> Response:
        who = _guard(request)
        if isinstance(who, Response):
            return who
        st = _state(request)
        query = q.strip()[:100]
        from idic.privacy.roles import mask_row

        exact = who[1] not in SUBSTRING_ROLES
        page_no = max(1, min(int(page), 100_000))
        with st.gate.use() as ws:
            rows = search_customers(ws, query, exact=exact, limit=PAGE_SIZE,
                                    offset=(page_no - 1) * PAGE_SIZE)
            total = search_total(ws, query, exact=exact)
            from idic.measure.sections import currency_of

            cur = currency_of(ws) if ws.engine.has_table("orders") else ""
        rows = [mask_row(r, who[1], st.secret) for r in rows]
        _audit(request, who, "web_search" if query else "web_list",
               target=st.hashed("query", query) if query else None)
        return _render("customers.html", title="Customers", active="customers", q=query,
                       rows=rows, role=who[1], exact=exact, total=total, page=page_no,
                       currency=cur,
                       first=(page_no - 1) * PAGE_SIZE + 1 if rows else 0,
                       last=(page_no - 1) * PAGE_SIZE + len(rows),
                       has_next=(page_no - 1) * PAGE_SIZE + len(rows) < total)

    return await run_in_threadpool(work)


def timeline(ws: Any, customer_id: str, limit: int = 300, offset: int = 0) -> pd.DataFrame:
    """The customer's touchpoints (journeys stage), newest first (``offset``: a later page)."""
    eng = ws.engine
    if eng.has_table("touchpoints"):
        t = ws.table("touchpoints")
        t = t.filter(t.person_id == customer_id).order_by(
            [t.timestamp.desc(), t.event]).limit(limit, offset=offset)
        return eng.to_pandas(t.select("timestamp", "event", "stage", "channel", "sentiment",
                                      "journey_id"))
    return pd.DataFrame(columns=["timestamp", "event", "stage", "channel", "sentiment"])


def touchpoint_count(ws: Any, customer_id: str) -> int:
    if not ws.engine.has_table("touchpoints"):
        return 0
    t = ws.table("touchpoints")
    return int(t.filter(t.person_id == customer_id).count().execute())


def timeline_figure(events: pd.DataFrame, orders: list[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    colors = {"positive": "#2ca02c", "negative": "#d62728"}
    fig = go.Figure()
    if not events.empty:
        fig.add_trace(go.Scatter(
            x=events["timestamp"], y=events["stage"], mode="markers", name="touchpoints",
            marker={"size": 9, "color": [colors.get(s, "#7f7f7f") for s in events["sentiment"]]},
            text=[f"{e} ({c})" for e, c in zip(events["event"], events["channel"], strict=True)],
            hovertemplate="%{x}<br>%{text}<extra></extra>"))
    if orders:
        fig.add_trace(go.Scatter(
            x=[o.get("ordered_at") for o in orders], y=["order"] * len(orders), mode="markers",
            name="orders", marker={"size": 12, "symbol": "diamond", "color": "#1f77b4"},
            text=[f"{o.get('amount')} {o.get('currency', '')}" for o in orders],
            hovertemplate="%{x}<br>order %{text}<extra></extra>"))
    fig.update_layout(height=400, width=1100, yaxis={"type": "category"})
    from idic.charts.style import finish

    title = "Journey timeline"
    if not events.empty:
        title = (f"{len(events):,} touchpoints and {len(orders):,} recent orders"
                 "<br><sup>Journey timeline: red pain, green love, diamonds orders</sup>")
    return finish(fig, title, x="date", y="stage")


ORDERS_PAGE = 20  #: orders per page on the 360 (profile()'s ``recent``)
EVENTS_PAGE = 50  #: touchpoints per page in the 360's table under the timeline


@router.get("/dashboard/customers/{customer_id:path}", response_class=HTMLResponse)
async def customer_page(request: Request, customer_id: str, orders_page: int = 1,
                        events_page: int = 1) -> Response:
    def work() -> Response:
        who = _guard(request)
        if isinstance(who, Response):
            return who
        st = _state(request)
        from idic.api.routes.customers import mask_profile
        from idic.measure.report import figure_html
        from idic.service import customers360 as svc

        with st.gate.use() as ws:
            p = svc.profile(ws, customer_id)
            events = timeline(ws, customer_id) if p is not None else pd.DataFrame()
            e_page = max(1, min(int(events_page), 100_000))
            e_off = (e_page - 1) * EVENTS_PAGE
            e_total = touchpoint_count(ws, customer_id) if p is not None else 0
            ev_rows = (events.iloc[e_off:e_off + EVENTS_PAGE] if e_off + EVENTS_PAGE
                       <= len(events) else timeline(ws, customer_id, EVENTS_PAGE, e_off)
                       ).to_dict("records") if p is not None else []
            recent = list((p or {}).get("orders") or [])
            o_page = max(1, min(int(orders_page), 100_000))
            if p is not None and o_page > 1 and p.get("orders_total"):  # older orders
                p["orders_offset"] = (o_page - 1) * ORDERS_PAGE
                p["orders"] = svc.orders_of(ws, customer_id, limit=ORDERS_PAGE,
                                            offset=p["orders_offset"])
        _audit(request, who, "web_read_profile", target=customer_id,
               status=200 if p is not None else 404)
        if p is None:
            return _render("customer.html", 404, title="Customer not found", active="customers",
                           customer_id=customer_id, profile=None, role=who[1])
        p = mask_profile(p, who[1], st.secret)
        fig = figure_html(timeline_figure(events, recent), "timeline")
        return _render("customer.html", title=f"Customer {customer_id}", active="customers",
                       customer_id=customer_id, profile=p, timeline=fig, events=ev_rows,
                       events_offset=e_off, events_total=e_total, events_per_page=EVENTS_PAGE,
                       role=who[1])

    return await run_in_threadpool(work)
