"""The dashboard in a real browser: headless Chromium (Debian package ``chromium``) driven by
Playwright, against ``idic serve`` (a real uvicorn on 127.0.0.1) serving a small demo
workspace. Logs in, opens every page, checks that the charts render without JavaScript
errors, that the customer search finds a demo customer and that the 360 page opens;
screenshots go to the test's output folder (``tmp_path``).
"""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LAUNCH = "import typer; from idic.cli.serve import serve_cmd; typer.run(serve_cmd)"
PAGES = (("overview", "/dashboard"), ("value", "/dashboard/value"),
         ("journeys", "/dashboard/journeys"), ("customers", "/dashboard/customers"))
STAGES = ("idic.identify.stage", "idic.differentiate.value.clv.stage",
          "idic.differentiate.value.stage", "idic.interact.journeys.stage", "idic.measure.stage")

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is absent: apt-get install chromium")


def build_demo(path: Path, customers: int = 1000, seed: int = 3) -> dict[str, str]:
    """A small demo workspace: generated data, ingested, every stage that runs."""
    from idic.datasets.demo import generate
    from idic.datasets.demo_orders import MONEY_SETTINGS
    from idic.workspace import Workspace

    data = path.parent / "demo-data"
    manifest = generate(data, customers=customers, seed=seed)
    files = manifest.files if hasattr(manifest, "files") else manifest["files"]
    done = {}
    with Workspace.init(path) as ws:
        ws.save_settings(**MONEY_SETTINGS)  # as `idic demo`: its GBP orders at its rate
        for kind, name in files.items():
            ws.ingest(kind, data / name)
        for module in STAGES:
            try:
                importlib.import_module(module).run(ws)
                done[module] = "ok"
            except Exception as exc:
                done[module] = f"failed: {exc}"
    return done


def demo_customer(path: Path) -> tuple[str, str]:
    """(customer_id, a search term) of the demo customer with the highest CLV."""
    from idic.web.routes import search_customers
    from idic.workspace import Workspace

    with Workspace.open(path, read_only=True) as ws:
        row = search_customers(ws, "", limit=1)[0]
    term = row.get("last_name") or row.get("email") or row["customer_id"]
    return row["customer_id"], str(term)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("browser")
    ws = base / "ws"
    stages = build_demo(ws)
    cid, term = demo_customer(ws)
    from idic.privacy.keys import create_key

    key = create_key(ws, "admin")["key"]
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "--workspace", str(ws), "--host", "127.0.0.1",
         "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode()[-2000:])
            try:
                if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("idic serve did not start")
            time.sleep(0.2)
        yield {"url": url, "key": key, "customer_id": cid, "term": term, "stages": stages}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_dashboard_in_chromium(served: dict, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
            page.goto(served["url"] + "/")
            page.screenshot(path=str(shots / "00-login.png"))
            page.fill("#key", "not-a-key")
            page.click("#login-submit")
            assert page.locator("#login-error").is_visible()
            # the browser logs the deliberate 401 of the wrong key as a console error
            errors[:] = [e for e in errors if "status of 401" not in e]
            page.fill("#key", served["key"])
            page.click("#login-submit")
            page.wait_for_url("**/dashboard")
            for i, (name, url) in enumerate(PAGES, start=1):
                page.goto(served["url"] + url)
                page.wait_for_load_state("networkidle")
                assert page.locator("header.top h1").is_visible()
                assert "could not be built" not in page.content(), name
                if name != "customers":
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
                    assert page.locator(".js-plotly-plot").count() >= 1, name
                page.screenshot(path=str(shots / f"{i:02d}-{name}.png"), full_page=True)
            # search finds the demo customer, the link opens their 360 page
            page.goto(served["url"] + "/dashboard/customers")
            page.fill("#q", served["term"])
            page.click("#search-submit")
            page.wait_for_load_state("networkidle")
            links = page.locator("a.customer-link")
            assert links.count() >= 1, f"no result for {served['term']!r}"
            page.screenshot(path=str(shots / "05-search.png"), full_page=True)
            page.locator(f"a.customer-link:text-is('{served['customer_id']}')").first.click()
            page.wait_for_selector("#golden")
            page.wait_for_load_state("networkidle")
            assert served["customer_id"] in page.content()
            page.screenshot(path=str(shots / "06-customer-360.png"), full_page=True)
            # log out (a POST from the page's own form): the old cookie no longer works
            cookie = next(c for c in page.context.cookies() if c["name"] == "idic_session")
            page.click("#logout")
            page.wait_for_url(served["url"] + "/")
            assert not [c for c in page.context.cookies() if c["name"] == "idic_session"]
            r = httpx.get(served["url"] + "/dashboard", follow_redirects=False,
                          cookies={"idic_session": cookie["value"]})
            assert r.status_code == 303 and r.headers["x-frame-options"] == "DENY"
        finally:
            browser.close()
    assert not errors, errors
    assert len(list(shots.glob("*.png"))) == 7
