"""A visual test of what a manager sees (issue 18): every report section, every dashboard page
and the journey map rendered in headless Chromium at 1,400 px, with screenshots saved under
``test-output/screens/`` (git-ignored) for people to look at, and what can be checked by a
machine checked: no JavaScript errors, no empty figure, no text running out of its container,
every figure titled and every axis of a cartesian chart titled, chart text of at least 11 px.
"""

from __future__ import annotations

import os
from pathlib import Path

import ibis
import pytest
from tests.e2e.test_browser import ARGS, CHROMIUM

SCREENS = Path(os.environ.get("IDIC_SCREENS", Path(__file__).parents[2] / "test-output" /
                              "screens"))
WIDTH = 1400
DASHBOARD = (("overview", "/dashboard"), ("value", "/dashboard/value"),
             ("journeys", "/dashboard/journeys"), ("customers", "/dashboard/customers"),
             ("customer-360", "/dashboard/customer"), ("experiments", "/dashboard/experiments"),
             ("tasks", "/dashboard/tasks"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent: apt-get install chromium")

#: run in the page: figures without data or titles, cartesian axes without titles, chart
#: text under 11 px, and elements whose box runs past their section or their own box
CHECKS = """
() => {
  const out = {empty: [], untitled: [], noaxis: [], small: [], overflow: [], figures: 0};
  const NO_AXES = new Set(['sankey', 'funnel', 'pie', 'table', 'indicator']);
  document.querySelectorAll('.js-plotly-plot').forEach((gd, i) => {
    out.figures += 1;
    const id = gd.id || ('figure ' + i);
    const data = gd.data || [];
    const lay = gd._fullLayout || {};
    // titles from the figure's own layout (the full layout holds placeholders such as
    // "Click to enter Plot title" where none was given)
    const own = gd.layout || {};
    const text = t => (typeof t === 'string' ? t : (t && t.text) || '');
    // arrays may come as Plotly's typed-array specs ({dtype, bdata}: base64)
    const len = a => !a ? 0 : (a.length || (a.bdata && a.bdata.length) || 0);
    const n = t => ['x', 'y', 'z', 'values'].map(k => len(t[k])).reduce((a, b) => a + b, 0)
      + ((t.node && len(t.node.label)) || 0);
    if (!data.length || !data.some(t => n(t) > 0)) out.empty.push(id);
    const title = text(own.title);
    if (!title.trim()) out.untitled.push(id);
    if (data.some(t => !NO_AXES.has(t.type || 'scatter'))) {
      for (const k of Object.keys(lay)) {
        if (!/^[xy]axis\\d*$/.test(k) || lay[k].visible === false) continue;
        const t = text(own[k] && own[k].title);
        if (!t.trim()) out.noaxis.push(id + ' ' + k);
      }
    }
    gd.querySelectorAll('text').forEach(el => {
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (el.textContent.trim() && size < 11) out.small.push(id + ': "' +
        el.textContent.trim().slice(0, 30) + '" ' + size + 'px');
    });
  });
  const sections = document.querySelectorAll('section.section, .jmap');
  sections.forEach(sec => {
    const box = sec.getBoundingClientRect();
    sec.querySelectorAll('*').forEach(el => {
      if (el.closest('.js-plotly-plot') || el.closest('svg')) return;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) return;
      const cs = getComputedStyle(el);
      const clipped = cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1 &&
        el.children.length === 0;
      if (r.right > box.right + 1 || clipped) {
        out.overflow.push((sec.id || 'map') + ': <' + el.tagName.toLowerCase() + '> "' +
          (el.textContent || '').trim().slice(0, 40) + '"');
      }
    });
  });
  return out;
}
"""


def _check(page, name: str, problems: list[str], *, figures: bool = True) -> None:
    res = page.evaluate(CHECKS)
    if figures and res["figures"] == 0 and name != "journey-map":
        problems.append(f"{name}: no figure")
    for key in ("empty", "untitled", "noaxis", "small", "overflow"):
        for item in res[key][:10]:
            problems.append(f"{name}: {key}: {item}")


def _shots_dir() -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for old in SCREENS.glob("*.png"):
        old.unlink()
    return SCREENS


ORIGIN = "http://idic.test"


@pytest.fixture(scope="module")
def rendered(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The report, the dashboard pages and the journey map of the small demo, rendered with
    the product's own templates from one computation of the sections (the server route
    ``_sections_page`` does the same per page; tests/e2e/test_browser.py covers serving)."""
    from datetime import UTC, datetime

    from idic import __version__
    from idic.charts.journey_map import map_page
    from idic.interact.journeys.service import journey_map
    from idic.measure.report import TEMPLATES, environment, plotly_js, render_sections
    from idic.measure.sections import all_sections, currency_of
    from idic.web.routes import _render
    from idic.workspace import Workspace

    base = tmp_path_factory.mktemp("visual")
    with Workspace.open(small_demo, read_only=True) as ws:
        built = all_sections(ws)
        jm_html = map_page(journey_map(ws), currency=currency_of(ws))
    report = base / "report.html"
    report.write_text(environment().get_template("report.html.j2").render(
        title="Customer strategy report", workspace=str(small_demo),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), version=__version__,
        css=(TEMPLATES / "style.css").read_text(), plotly_js=plotly_js(),
        sections=render_sections(built)), encoding="utf-8")
    (base / "map.html").write_text(jm_html, encoding="utf-8")
    by_key = {s.key: s for s in built}
    pages = {}
    for name, url, keys, title in (
            ("overview", "/dashboard", ("summary", "actions", "cohorts", "identification"),
             "Overview"),
            ("value", "/dashboard/value", ("value",), "Value"),
            ("journeys", "/dashboard/journeys", ("journeys",), "Journeys"),
            ("experiments", "/dashboard/experiments", ("experiments",), "Experiments"),
            ("tasks", "/dashboard/tasks", ("tasks",), "Follow-up tasks")):
        secs = render_sections([by_key[k] for k in keys if k in by_key])
        pages[url] = _render("page.html", title=title, active=name, sections=secs,
                             role="admin").body.decode()
    # the customer 360 of the customer with the most orders (as customer_page renders it)
    from idic.measure.report import figure_html
    from idic.service.customers360 import profile
    from idic.web.routes import timeline, timeline_figure

    with Workspace.open(small_demo, read_only=True) as ws:
        o, m = ws.table("orders"), ws.table("identity_map")
        j = m.join(o, [m.source == o.source, m.source_record_id == o.source_customer_id])
        top = ws.engine.to_pandas(j.group_by("customer_id").agg(n=j.count())
                                  .order_by([ibis.desc("n"), "customer_id"]).limit(1))
        cid = str(top["customer_id"].iloc[0])
        prof = profile(ws, cid)
        events = timeline(ws, cid)
        from idic.web.routes import PAGE_SIZE, search_customers, search_total

        found = search_customers(ws, "", limit=PAGE_SIZE)
        total = search_total(ws, "")
    pages["/dashboard/customers"] = _render(
        "customers.html", title="Customers", active="customers", q="", rows=found,
        role="admin", exact=False, total=total, page=1, first=1, last=len(found),
        has_next=len(found) < total).body.decode()
    pages["/dashboard/customer"] = _render(
        "customer.html", title=f"Customer {cid}", active="customers", customer_id=cid,
        profile=prof, timeline=figure_html(timeline_figure(events, prof.get("orders") or []),
                                           "timeline"),
        events=events.head(50).to_dict("records"), role="admin").body.decode()
    return {"report": report, "map": base / "map.html", "pages": pages,
            "plotly": plotly_js()}


def test_every_section_and_page_reads_well_at_1400px(rendered: dict) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = _shots_dir()
    errors: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
            # the report: one screenshot per section
            page.goto(rendered["report"].as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
            _check(page, "report", problems)
            sections = page.locator("section.section")
            keys = []
            for i in range(sections.count()):
                sec = sections.nth(i)
                key = sec.get_attribute("id") or str(i)
                keys.append(key)
                sec.screenshot(path=str(shots / f"report-{i:02d}-{key}.png"))
            assert {"summary", "value", "journeys"} <= set(keys)
            # the journey map page
            page.goto(rendered["map"].as_uri())
            _check(page, "journey-map", problems, figures=False)
            page.screenshot(path=str(shots / "journey-map.png"), full_page=True)
            # the dashboard pages, served to the browser from the rendered HTML
            page.route(ORIGIN + "/**", lambda route: route.fulfill(
                status=200, content_type="application/javascript"
                if route.request.url.endswith(".js") else "text/html",
                body=rendered["plotly"] if route.request.url.endswith(".js")
                else rendered["pages"].get(route.request.url[len(ORIGIN):], "not found")))
            for name, url in DASHBOARD:
                page.goto(ORIGIN + url)
                if name != "customers":
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
                assert "could not be built" not in page.content(), name
                if name == "customers":
                    assert " of " in page.locator("#paging").inner_text()
                if name == "customer-360":  # "20 of 52": the table says it is not all
                    assert "most recent of" in page.locator("#orders h2").inner_text()
                    cards = page.locator("#cards .card")  # the cards read at a glance
                    assert cards.count() >= 4
                    assert page.locator("#card-clv").inner_text().endswith(" EUR")
                    assert "%" in page.locator("#card-alive").inner_text()
                    box = page.locator("#cards").bounding_box()
                    assert box and box["y"] + box["height"] < 900  # above the fold
                _check(page, f"dashboard {name}", problems, figures=name != "customers")
                page.screenshot(path=str(shots / f"dashboard-{name}.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)
    assert len(list(shots.glob("*.png"))) >= 3 + 1 + len(DASHBOARD)


def test_the_checks_catch_what_they_look_for(tmp_path: Path) -> None:
    """The page checks are not vacuous: a figure without titles, tiny chart text, an empty
    figure and a table running out of its section are all reported."""
    sync_api = pytest.importorskip("playwright.sync_api")
    import plotly.graph_objects as go

    from idic.measure.report import plotly_js

    bad = go.Figure(go.Bar(x=["a", "b"], y=[1, 2], text=["tiny", "tiny"],
                           textfont={"size": 8}, textposition="outside"))
    empty = go.Figure(go.Scatter(x=[], y=[]))
    empty.update_layout(title="nothing", xaxis_title="x", yaxis_title="y")
    html = (f"<html><head><script>{plotly_js()}</script></head><body>"
            '<section class="section" id="s" style="width:600px">'
            f"{bad.to_html(full_html=False, include_plotlyjs=False, div_id='bad')}"
            f"{empty.to_html(full_html=False, include_plotlyjs=False, div_id='empty')}"
            '<table><tr><td style="white-space:nowrap">' + "wide " * 200 +
            "</td></tr></table></section></body></html>")
    (tmp_path / "bad.html").write_text(html)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.goto((tmp_path / "bad.html").as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg")
            res = page.evaluate(CHECKS)
        finally:
            browser.close()
    assert res["untitled"] == ["bad"]
    assert "bad xaxis" in res["noaxis"] and "bad yaxis" in res["noaxis"]
    assert res["empty"] == ["empty"]
    assert any("tiny" in s for s in res["small"])
    assert any("<td>" in s for s in res["overflow"])
