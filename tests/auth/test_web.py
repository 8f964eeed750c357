from channelbase.demo.world import DEMO_PASSWORD


def _login(client, email, password, csrf="abc"):
    client.cookies.set("cb_csrf", csrf)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf, "next": "/partners"})


def test_it_signs_in_with_the_right_password_and_sets_a_secure_session_cookie(anon):
    response = _login(anon, "lucia@channelbase.demo", DEMO_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/partners"
    cookie = response.headers["set-cookie"]
    assert "cb_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(anon):
    response = _login(anon, "lucia@channelbase.demo", "wrong-password")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.text
    assert "cb_session=" not in response.headers.get("set-cookie", "")


def test_it_locks_sign_in_after_repeated_failures_even_with_the_right_password(anon):
    for _ in range(3):  # settings fixture: login_max_failures=3
        assert _login(anon, "nathan@channelbase.demo", "nope-nope-nope").status_code == 401
    response = _login(anon, "nathan@channelbase.demo", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_it_rejects_a_form_post_without_the_csrf_token(anon):
    anon.cookies.set("cb_csrf", "abc")
    response = anon.post("/login", data={"email": "lucia@channelbase.demo", "password": DEMO_PASSWORD})
    assert response.status_code == 403
    assert "form expired" in response.text


def test_it_redirects_anonymous_visitors_to_sign_in(anon):
    response = anon.get("/partners?status=active")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/partners%3Fstatus%3Dactive"


def test_it_refuses_open_redirects_after_sign_in(anon):
    anon.cookies.set("cb_csrf", "abc")
    response = anon.post("/login", data={"email": "lucia@channelbase.demo", "password": DEMO_PASSWORD,
                                         "csrf_token": "abc", "next": "//evil.example/x"})
    assert response.headers["location"] == "/"


def test_home_shows_real_partner_counts_for_the_actor(client_as, world):
    page = client_as("lucia").get("/")
    assert page.status_code == 200
    # Lucía owns Latin America: three partners there (Abertas, Bravo, Delta), not Northwind.
    assert '<div class="value">3</div><div class="label">Partners</div>' in page.text
    assert f'href="/partners?territory_id={world.territories["brazil"]}">Brazil</a>' in page.text
    assert "US East" not in page.text


def test_sign_out_ends_the_session(client_as):
    client = client_as("ana")
    assert client.get("/portal").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/portal").headers["location"].startswith("/login")


def test_account_page_creates_a_token_shown_once_and_stored_hashed(client_as, db):
    from sqlalchemy import select

    from channelbase.auth.models import ApiToken
    page = client_as("lucia").post("/account/tokens", data={"name": "CRM sync"})
    assert page.status_code == 200
    secret = page.text.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("cb_")
    stored = db.scalars(select(ApiToken.token_hash)).all()
    assert secret not in stored and all(len(h) == 64 for h in stored)


def test_the_sign_in_page_sets_the_csrf_cookie_that_its_form_carries(anon):
    response = anon.get("/login")
    cookie = response.cookies.get("cb_csrf")
    assert cookie and f'name="csrf_token" value="{cookie}"' in response.text
    assert "httponly" in response.headers["set-cookie"].lower()


def test_every_response_has_security_headers_and_server_timing(anon):
    response = anon.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["server-timing"].startswith("app;dur=")


def test_the_api_docs_load_nothing_from_a_cdn(anon):
    page = anon.get("/api/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text.split("<body")[0]
    assert anon.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_no_template_or_asset_loads_from_a_cdn():
    from pathlib import Path
    package = Path(__file__).resolve().parents[2] / "channelbase"
    offenders = [str(p) for p in package.rglob("*.html") if "//cdn" in p.read_text() or "unpkg.com" in p.read_text()]
    assert not offenders


def test_the_account_page_changes_the_password_and_says_what_is_wrong(client_as):
    client = client_as("nathan")
    mismatch = client.post("/account/password", data={"current_password": DEMO_PASSWORD,
                                                      "new_password": "new-secret-one", "confirm_password": "other"})
    assert mismatch.status_code == 422 and "does not match" in mismatch.text
    short = client.post("/account/password", data={"current_password": DEMO_PASSWORD,
                                                   "new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422 and "at least 12" in short.text
    done = client.post("/account/password", data={"current_password": DEMO_PASSWORD,
                                                  "new_password": "new-secret-one", "confirm_password": "new-secret-one"})
    assert done.status_code == 200 and "Password changed" in done.text
    assert client.get("/").status_code == 200  # this session survives
