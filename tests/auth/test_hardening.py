"""Sign-in and session hardening: account lockout, password rules, session rotation, sign out everywhere,
security headers, no inline script anywhere, and no secret in the logs."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from channelbase import cli
from channelbase.app import create_app
from channelbase.auth import service
from channelbase.auth.models import LoginAttempt
from channelbase.auth.passwords import PASSWORD_RULES, check_new_password
from channelbase.cli_support import engine as cli_engine
from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.core.db import make_sessionmaker, unit_of_work
from channelbase.core.errors import InvalidInput, NotPermitted
from channelbase.demo.world import DEMO_PASSWORD, PARTNER_USERS, STAFF
from channelbase.engagement import calendar
from channelbase.ops.logs import JsonFormatter, TextFormatter
from channelbase.ops.middleware import redact
from tests.cli_harness import cli_database, invoke
from tests.conftest import CSRF

PACKAGE = Path(__file__).resolve().parents[2] / "channelbase"
NATHAN = "nathan@channelbase.demo"
LOCK_AFTER = 4  # failures that lock an account in these tests (the default is 10)
LOCKED_MESSAGE = re.compile(r"This account is locked after 4 failed sign-ins until (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC\. "
                            r"Sign in with a link sent by e-mail, or ask an admin to unlock it\.")


def _login(client: TestClient, email: str, password: str):
    client.cookies.set("cb_csrf", CSRF)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": CSRF, "next": "/"})


def _fail(db, email: str, times: int, **kwargs) -> None:
    for _ in range(times):
        assert service.authenticate(db, email, "not-the-password", max_failures=100, lockout_failures=LOCK_AFTER,
                                    **kwargs) is None


def _audit(db, user_id: int, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "users", AuditEntry.entity_id == user_id,
                                                    AuditEntry.action == action)))


@pytest.fixture
def strict_browser(settings, session_factory) -> Iterator[TestClient]:
    """A browser on an app that locks after LOCK_AFTER failures, with a rate limit too loose to get there first."""
    strict = settings.model_copy(update={"login_max_failures": 50, "login_lockout_failures": LOCK_AFTER})
    with TestClient(create_app(strict, session_factory=session_factory), base_url="http://testserver",
                    follow_redirects=False) as client:
        yield client


# Account lockout ---------------------------------------------------------------------------------------

def test_repeated_failures_lock_the_account_even_against_the_right_password(strict_browser, db, world):
    for _ in range(LOCK_AFTER):
        assert _login(strict_browser, NATHAN, "a-wrong-guess").status_code == 401
    page = _login(strict_browser, NATHAN, DEMO_PASSWORD)
    assert page.status_code == 423
    assert LOCKED_MESSAGE.search(html.unescape(page.text)), page.text
    assert "cb_session" not in page.headers.get("set-cookie", "")
    [entry] = _audit(db, world.users["nathan"], "lock")
    assert entry.actor_label == "system" and entry.after["failures"] == LOCK_AFTER


def test_a_locked_account_answers_no_password_guesses(db, actor):
    _fail(db, NATHAN, LOCK_AFTER)
    attempts = db.scalar(select(LoginAttempt.id).where(LoginAttempt.email == NATHAN).order_by(LoginAttempt.id.desc()))
    with pytest.raises(service.AccountLocked):
        service.authenticate(db, NATHAN, "another-guess", lockout_failures=LOCK_AFTER, max_failures=100)
    # Refused before the password is checked, and not counted: the newest attempt is still the last failure.
    assert db.scalar(select(LoginAttempt.id).where(LoginAttempt.email == NATHAN)
                     .order_by(LoginAttempt.id.desc())) == attempts
    assert service.lock_of(db, actor("nathan")).failures == LOCK_AFTER


def test_an_admin_unlocks_on_the_users_page_and_sign_in_works_again(strict_browser, client_as, db, world):
    for _ in range(LOCK_AFTER):
        _login(strict_browser, NATHAN, "a-wrong-guess")
    admin = client_as("admin")
    row = admin.get("/users").text.split("Nathan Brooks")[1].split("</tr>")[0]
    assert "Locked until" in row and f'action="/users/{world.users["nathan"]}/unlock"' in row
    assert admin.post(f"/users/{world.users['nathan']}/unlock").status_code == 303
    assert "Locked until" not in admin.get("/users").text.split("Nathan Brooks")[1].split("</tr>")[0]
    # The failures before the unlock no longer count: one more wrong password does not lock again.
    assert _login(strict_browser, NATHAN, "a-wrong-guess").status_code == 401
    assert _login(strict_browser, NATHAN, DEMO_PASSWORD).status_code == 303
    [entry] = _audit(db, world.users["nathan"], "unlock")
    assert entry.actor_id == world.users["admin"]


def test_only_admins_unlock(db, actor):
    _fail(db, NATHAN, LOCK_AFTER)
    with pytest.raises(NotPermitted):
        service.unlock(db, actor("lucia"), actor("nathan"))
    assert service.lock_of(db, actor("nathan")) is not None


def test_the_app_itself_unlocks_for_a_sign_in_by_e_mail_link(db, actor, world):
    _fail(db, NATHAN, LOCK_AFTER)
    assert service.unlock(db, None, actor("nathan")) is True
    assert service.lock_of(db, actor("nathan")) is None
    assert service.unlock(db, None, actor("nathan")) is False  # nothing left to lift
    assert [e.actor_label for e in _audit(db, world.users["nathan"], "unlock")] == ["system"]


def test_a_lock_ends_by_itself(db, actor):
    _fail(db, NATHAN, LOCK_AFTER)
    later = utcnow() + timedelta(minutes=30)
    with pytest.raises(service.AccountLocked):
        service.authenticate(db, NATHAN, DEMO_PASSWORD, lockout_failures=LOCK_AFTER, now=later)
    after_the_lock = utcnow() + timedelta(minutes=61)
    assert service.lock_of(db, actor("nathan"), now=after_the_lock) is None
    # One more failure after the lock ended does not lock again at once, and the right password works.
    _fail(db, NATHAN, 1, now=after_the_lock)
    assert service.authenticate(db, NATHAN, DEMO_PASSWORD, lockout_failures=LOCK_AFTER, now=after_the_lock)


def test_a_successful_sign_in_starts_the_count_again(db, actor):
    _fail(db, NATHAN, LOCK_AFTER - 1)
    assert service.authenticate(db, NATHAN, DEMO_PASSWORD, lockout_failures=LOCK_AFTER)
    _fail(db, NATHAN, LOCK_AFTER - 1)
    assert service.lock_of(db, actor("nathan")) is None


def test_failures_older_than_a_day_do_not_count(db, actor):
    db.add_all([LoginAttempt(email=NATHAN, at=utcnow() - timedelta(hours=25)) for _ in range(LOCK_AFTER)])
    _fail(db, NATHAN, 1)
    assert service.lock_of(db, actor("nathan")) is None


def test_unknown_addresses_are_never_locked(db):
    _fail(db, "nobody@channelbase.demo", LOCK_AFTER + 1)


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory):
    with cli_database(tmp_path_factory.mktemp("cli"), wide_consoles=(cli,)) as world:
        yield world


def test_the_cli_unlocks_an_account(cli_world):
    factory = make_sessionmaker(cli_engine())
    with unit_of_work(factory) as session:
        _fail(session, NATHAN, LOCK_AFTER)
    result = invoke("users", "unlock", NATHAN)
    assert result.exit_code == 0 and f"Unlocked {NATHAN}." in result.output, result.output
    with unit_of_work(factory) as session:
        assert service.authenticate(session, NATHAN, DEMO_PASSWORD, lockout_failures=LOCK_AFTER) is not None
    again = invoke("users", "unlock", NATHAN)
    assert again.exit_code == 0 and "was not locked" in again.output
    unknown = invoke("users", "unlock", "nobody@channelbase.demo")
    assert unknown.exit_code == 1 and "No user with e-mail" in unknown.output


# Password rules ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("password, kwargs, reason", [
    ("eleven-char", {}, "at least 12 characters"),
    ("x" * 1025, {}, "at most 1024 characters"),
    ("password1234", {}, "too common"),
    ("Qwerty123456!", {}, "too common"),
    ("monkeymonkeymonkey", {}, "too common"),
    ("marta-rocks-2026", {"email": "Marta.Lima@abertas.com.br"}, "contains your e-mail or name"),
    ("i-am-fernandez-77", {"name": "Lucía Fernández"}, "contains your e-mail or name"),
    ("LUCIA-is-here-77", {"name": "Lucía Fernández"}, "contains your e-mail or name"),
])
def test_a_new_password_must_follow_each_rule(password, kwargs, reason):
    with pytest.raises(InvalidInput) as refused:
        check_new_password(password, **kwargs)
    assert refused.value.field_errors == {"password": reason}


@pytest.mark.parametrize("email, name", [(email, name) for _k, email, name, *_ in STAFF + PARTNER_USERS])
def test_the_demo_password_follows_the_rules(email, name):
    check_new_password(DEMO_PASSWORD, email=email, name=name)


def test_creating_a_user_applies_the_rules(db, actor):
    with pytest.raises(InvalidInput) as refused:
        service.create_user(db, actor("admin"), email="marta@abertas.com.br", name="Marta Lima", role="manager",
                            password="marta-lima-2026")
    assert refused.value.field_errors == {"password": "contains your e-mail or name"}


def test_the_users_page_shows_the_rules_and_the_refusal_beside_the_field(client_as):
    admin = client_as("admin")
    assert PASSWORD_RULES in admin.get("/users").text
    page = admin.post("/users", data={"email": "marta@abertas.com.br", "name": "Marta", "role": "manager",
                                      "password": "password12345", "language": "en"})
    assert page.status_code == 422
    assert '<small class="error" id="e-password" aria-live="polite">too common</small>' in page.text


def test_changing_the_password_applies_the_rules_under_the_new_password_field(client_as, db, world):
    client = client_as("nathan")
    assert PASSWORD_RULES in client.get("/account").text
    page = client.post("/account/password", data={"current_password": DEMO_PASSWORD,
                                                  "new_password": "nathan-brooks-1", "confirm_password": "nathan-brooks-1"})
    assert page.status_code == 422
    assert '<small class="error" id="e-new_password">contains your e-mail or name</small>' in page.text
    assert service.authenticate(db, NATHAN, DEMO_PASSWORD) is not None  # unchanged


# Sessions ----------------------------------------------------------------------------------------------

def test_signing_in_again_ends_the_session_the_browser_had(client_as, anon, db, world):
    browser = client_as("lucia")
    old = browser.cookies.get("cb_session")
    response = _login(browser, "lucia@channelbase.demo", DEMO_PASSWORD)
    new = response.cookies.get("cb_session")
    assert response.status_code == 303 and new and new != old
    assert service.user_for_session(db, old) is None
    anon.cookies.set("cb_session", old)
    assert anon.get("/account").status_code == 303  # the old cookie signs nobody in
    assert browser.get("/account").status_code == 200


def test_sign_out_everywhere_ends_every_web_session_but_not_api_tokens(client_as, api_as, db, world):
    laptop, phone, api = client_as("lucia"), client_as("lucia"), api_as("lucia")
    laptop_token = laptop.cookies.get("cb_session")
    page = laptop.get("/account").text
    assert 'action="/account/sessions/end-all"' in page and "API tokens keep working" in page
    response = laptop.post("/account/sessions/end-all")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert service.user_for_session(db, laptop_token) is None
    assert phone.get("/account").status_code == 303
    assert api.get("/api/v1/me").status_code == 200
    assert client_as("nathan").get("/account").status_code == 200  # nobody else is signed out
    assert len(_audit(db, world.users["lucia"], "end_sessions")) == 1


# Headers and templates ---------------------------------------------------------------------------------

HSTS = "max-age=31536000; includeSubDomains"


def test_hsts_is_sent_over_https_only(anon, settings, session_factory):
    assert anon.get("https://testserver/login").headers["strict-transport-security"] == HSTS
    assert "strict-transport-security" not in anon.get("http://testserver/login").headers
    # An untrusted client cannot claim https; a trusted proxy can.
    assert "strict-transport-security" not in anon.get("/login", headers={"X-Forwarded-Proto": "https"}).headers
    proxied = create_app(settings.model_copy(update={"trusted_proxies": "*"}), session_factory=session_factory)
    with TestClient(proxied, base_url="http://testserver") as client:
        assert client.get("/login", headers={"X-Forwarded-Proto": "https"}).headers["strict-transport-security"] == HSTS


def test_the_browser_may_not_use_camera_microphone_or_location(anon):
    policy = anon.get("/login").headers["permissions-policy"]
    assert {"camera=()", "microphone=()", "geolocation=()"} <= {p.strip() for p in policy.split(",")}


def test_the_csp_allows_no_inline_script(anon):
    csp = anon.get("/login").headers["content-security-policy"]
    directives = dict(d.strip().partition(" ")[::2] for d in csp.split(";"))
    assert "'self'" in directives["script-src"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]


TEMPLATES = sorted(PACKAGE.glob("**/templates/**/*.html"))
JINJA = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)  # blanked first: `{% if a > b %}` is no tag
TAG = re.compile(r"<[A-Za-z][^<>]*>")
INLINE_HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)  # htmx's hx-on evaluates code too


def _script_offences(text: str) -> list[str]:
    markup = JINJA.sub(" ", text)
    found = [f"javascript: URL near {m.start()}" for m in re.finditer(r"javascript\s*:", markup, re.IGNORECASE)]
    for tag in TAG.findall(markup):
        if re.match(r"<script\b", tag, re.IGNORECASE) and not re.search(r"\ssrc\s*=", tag, re.IGNORECASE):
            found.append(f"inline script {tag}")
        elif INLINE_HANDLER.search(tag):
            found.append(f"event handler attribute in {tag}")
    return found


def test_the_template_scan_finds_what_it_looks_for():
    assert len(_script_offences('<script>x()</script><a href="JavaScript:x()"><b onclick="x()"></b>'
                                '<div hx-on:click="x()"></div><script src="/static/app.js"></script>')) == 4


def test_no_template_has_inline_script_handlers_or_javascript_urls():
    assert len(TEMPLATES) > 20
    offences = {str(p.relative_to(PACKAGE)): found for p in TEMPLATES if (found := _script_offences(p.read_text()))}
    assert not offences


# Logs --------------------------------------------------------------------------------------------------

def test_redact_hides_credentials_in_paths_and_queries():
    assert redact("/login/link/short-one") == "/login/link/{redacted}"
    assert redact("/calendar/abc.ics") == "/calendar/{redacted}.ics"
    assert redact("/calendar/feed") == "/calendar/feed"
    assert redact("/x/" + "a" * 40) == "/x/{redacted}"
    assert redact("/partners", "q=acme&api_key=k1&password=p1&access_token=t1&secret=s1") == \
        "/partners?q=acme&api_key={redacted}&password={redacted}&access_token={redacted}&secret={redacted}"


def _logged_text(records: list[logging.LogRecord]) -> str:
    # httpx logs each URL the test client requests: that is the browser's side, not the app's, so left out.
    ours = [r for r in records if not r.name.startswith(("httpx", "httpcore"))]
    return "\n".join(f"{TextFormatter().format(r)}\n{JsonFormatter().format(r)}\n{r.__dict__!r}" for r in ours)


def test_no_secret_reaches_the_log_even_at_debug(anon, db, actor, caplog):
    _feed, feed_token = calendar.create_feed(db, actor("lucia"))
    db.flush()
    short_link, long_link = "short-link-77", "L" * 43  # sign-in link secrets; the prefix hides both
    caplog.set_level(logging.DEBUG)
    signed_in = _login(anon, "lucia@channelbase.demo", DEMO_PASSWORD)
    session_cookie = signed_in.cookies.get("cb_session")
    for secret in (short_link, long_link):
        anon.get(f"/login/link/{secret}")
        anon.post(f"/login/link/{secret}", data={"csrf_token": CSRF})
        anon.get(f"/login/link/{secret}/near-miss")  # no route: the path itself is logged, redacted
    assert anon.get(f"/calendar/{feed_token}.ics").status_code == 200
    anon.get(f"/calendar/{feed_token}.ics/")
    anon.get(f"/partners?token={feed_token}&password=query-password-1")
    text = _logged_text(caplog.records)
    assert signed_in.status_code == 303 and session_cookie
    assert "/calendar/{feed_token}.ics" in text and "/login/link/{redacted}" in text  # the requests were logged
    for secret in (DEMO_PASSWORD, session_cookie, short_link, long_link, feed_token, "query-password-1"):
        assert secret not in text, secret

