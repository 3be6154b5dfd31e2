import re

from tests.web.conftest import login

from idic.web import session

PAGES = ("/dashboard", "/dashboard/value", "/dashboard/journeys", "/dashboard/customers",
         "/dashboard/voice", "/dashboard/network", "/dashboard/experiments",
         "/dashboard/segments", "/dashboard/audiences")


def test_login_form_and_redirects(client):
    r = client.get("/")
    assert r.status_code == 200 and 'name="key"' in r.text and 'type="password"' in r.text
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/?next=")
    r = client.post("/login", data={"key": "idic_nope_wrong"})
    assert r.status_code == 401 and "invalid" in r.text
    assert session.COOKIE not in client.cookies


def test_every_page_renders_with_a_valid_key(client, keys):
    login(client, keys["analyst"])
    cookie = client.cookies[session.COOKIE]
    assert keys["analyst"] not in cookie  # the key itself never goes to the browser
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 200, url
        assert "could not be built" not in r.text, url
        assert not re.search(r"<script[^>]+src=[\"']?https?:", r.text), url
    assert "Plotly.newPlot" in client.get("/dashboard").text
    assert '<script src="/static/plotly.min.js">' in client.get("/dashboard/value").text
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith(
        "application/javascript") and len(js.content) > 1_000_000


def test_search_and_customer_360(client, keys):
    login(client, keys["admin"])
    r = client.get("/dashboard/customers", params={"q": "ann.lee0@"})
    assert r.status_code == 200
    ids = re.findall(r'class="customer-link" href="/dashboard/customers/([^"]+)"', r.text)
    assert ids == ["web%3AW-0000"]
    r = client.get("/dashboard/customers/web:W-0000")
    assert r.status_code == 200
    for part in ('id="golden"', 'id="value"', 'id="journey"', 'id="identities"',
                 'id="consents"', "email_marketing", "ann.lee0@example.com"):
        assert part in r.text, part
    assert client.get("/dashboard/customers/web:nobody").status_code == 404
    r = client.get("/dashboard/customers", params={"q": "zzzz-no-such"})
    assert 'id="no-results"' in r.text


def test_pii_is_masked_for_analysts(client, keys):
    login(client, keys["analyst"])
    r = client.get("/dashboard/customers/web:W-0000")
    assert r.status_code == 200 and "ann.lee0@example.com" not in r.text


def test_roles_and_revocation(client, keys, web_ws):
    login(client, keys["collector"])
    assert client.get("/dashboard").status_code == 403
    from idic.privacy.keys import create_key, revoke_key

    k = create_key(web_ws, "marketer")
    login(client, k["key"])
    assert client.get("/dashboard").status_code == 200
    revoke_key(web_ws, k["key_id"])
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303  # the session ends with its key
    client.post("/logout")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_tampered_cookie_is_refused(client, keys):
    login(client, keys["analyst"])
    token = client.cookies[session.COOKIE]
    key_id, _role, exp, sid, sig = token.split(".")
    client.cookies.set(session.COOKIE, f"{key_id}.admin.{exp}.{sid}.{sig}")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_a_bearer_key_opens_the_dashboard_without_a_session(client, keys):
    r = client.get("/dashboard", headers={"Authorization": f"Bearer {keys['analyst']}"})
    assert r.status_code == 200 and "Summary" in r.text
    r = client.get("/dashboard", headers={"Authorization": "Bearer idic_wrong"},
                   follow_redirects=False)
    assert r.status_code == 303


def _found(client, q: str) -> list[str]:
    r = client.get("/dashboard/customers", params={"q": q})
    assert r.status_code == 200
    return re.findall(r'class="customer-link" href="/dashboard/customers/([^"]+)"', r.text)


def test_masked_roles_search_only_by_id_or_a_full_identifier(client, keys):
    """An analyst or marketer cannot read a masked e-mail one character at a time."""
    for role in ("analyst", "marketer"):
        login(client, keys[role])
        assert _found(client, "ann.lee0@") == []  # a prefix: nothing
        assert _found(client, "ann.lee0@example.co") == []
        assert _found(client, "Lee") == []  # nor names, cities, postcodes
        assert _found(client, "ANN.LEE0@example.com") == ["web%3AW-0000"]  # the full e-mail
        assert _found(client, "web:W-0000") == ["web%3AW-0000"]  # or the customer id
        assert _found(client, "web:W-00") == []
    login(client, keys["admin"])  # roles that see everything keep the substring search
    assert _found(client, "ann.lee0@") == ["web%3AW-0000"]


def test_a_missing_profile_is_audited_as_404(client, keys):
    login(client, keys["admin"])
    assert client.get("/dashboard/customers/web:nobody-here").status_code == 404
    client.app.state.idic.collector.flush()
    r = client.get("/v1/audit", params={"action": "web_read_profile"},
                   headers={"Authorization": f"Bearer {keys['admin']}"})
    by_target = {e["target"]: e["status"] for e in r.json()["entries"]}
    assert by_target["web:nobody-here"] == 404


def test_logout_is_a_post_that_ends_the_session(client, keys):
    login(client, keys["admin"])
    token = client.cookies[session.COOKIE]
    page = client.get("/dashboard").text
    assert '<form method="post" action="/logout"' in page and 'href="/logout"' not in page
    assert client.get("/logout", follow_redirects=False).status_code == 405
    assert client.get("/dashboard").status_code == 200  # a GET did not end anything
    r = client.post("/logout", follow_redirects=False)
    assert r.status_code == 303 and session.COOKIE not in client.cookies
    client.cookies.set(session.COOKIE, token)  # the cookie, copied before the logout
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    login(client, keys["admin"])  # a new session works
    assert client.get("/dashboard").status_code == 200


def test_cross_site_posts_are_refused(client, keys):
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site"},
                    {"Referer": "http://evil.example/form.html"},
                    {"Origin": "https://testserver"}):  # another scheme: another origin
        r = client.post("/login", data={"key": keys["admin"]}, headers=headers,
                        follow_redirects=False)
        assert r.status_code == 403, headers
        assert session.COOKIE not in client.cookies
    r = client.post("/login", data={"key": keys["admin"]}, follow_redirects=False,
                    headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303 and session.COOKIE in client.cookies
    r = client.post("/logout", headers={"Origin": "http://evil.example"},
                    follow_redirects=False)
    assert r.status_code == 403  # a forged logout does not end the session
    assert client.get("/dashboard").status_code == 200


def test_security_headers_on_every_answer(client, keys):
    for r in (client.get("/"), client.get("/v1/health"), client.get("/docs"),
              client.get("/dashboard", follow_redirects=False),
              client.get("/dashboard", headers={"Authorization": f"Bearer {keys['admin']}"}),
              client.post("/v1/batch", content=b"x" * 600_000,
                          headers={"Authorization": f"Bearer {keys['collector']}"})):
        assert r.headers["x-frame-options"] == "DENY", r.url
        assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert r.headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_secure_over_https_or_when_told(web_ws, keys):
    from tests.web.conftest import TestClient

    from idic.api import create_app
    from idic.api.settings import ApiSettings

    def cookie(app, base: str) -> str:
        with TestClient(app, base_url=base) as c:
            r = c.post("/login", data={"key": keys["admin"]}, follow_redirects=False)
            assert r.status_code == 303
            return r.headers["set-cookie"]

    assert "secure" not in cookie(create_app(web_ws), "http://testserver").lower()
    assert "secure" in cookie(create_app(web_ws), "https://testserver").lower()
    told = create_app(web_ws, ApiSettings(secure_cookies=True))
    assert "secure" in cookie(told, "http://testserver").lower()
