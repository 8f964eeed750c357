"""Serving behind a reverse proxy: whose address the app sees, which scheme, and Secure cookies over https."""

from __future__ import annotations


import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from channelbase.app import create_app
from channelbase.auth.models import LoginAttempt
from channelbase.demo.world import DEMO_PASSWORD

PROXY = ("127.0.0.1", 51000)  # the reverse proxy on this machine, trusted by default
STRANGER = ("198.51.100.7", 51000)  # anyone else, who may send any header it likes


def _failed_sign_in(app, client_address, headers):
    with TestClient(app, base_url="http://testserver", follow_redirects=False, client=client_address) as client:
        client.cookies.set("cb_csrf", "abc")
        response = client.post("/login", headers=headers, data={
            "email": "nobody@example.com", "password": "wrong", "csrf_token": "abc", "next": "/"})
    assert response.status_code == 401
    return response


def _recorded_addresses(db) -> list[str]:
    return list(db.scalars(select(LoginAttempt.ip).where(LoginAttempt.email == "nobody@example.com")
                           .order_by(LoginAttempt.id)))


def test_the_app_counts_sign_ins_by_the_address_a_trusted_proxy_forwards(app, db):
    _failed_sign_in(app, PROXY, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert _recorded_addresses(db) == ["203.0.113.9"]


def test_forwarded_headers_from_anyone_else_are_ignored(app, db):
    # Otherwise a password guesser would send a new X-Forwarded-For with every try and never be limited.
    _failed_sign_in(app, STRANGER, {"X-Forwarded-For": "203.0.113.9"})
    assert _recorded_addresses(db) == ["198.51.100.7"]


def test_trusted_proxies_are_configurable(settings, session_factory, db):
    app = create_app(settings.model_copy(update={"trusted_proxies": "198.51.100.0/24"}),
                     session_factory=session_factory)
    _failed_sign_in(app, STRANGER, {"X-Forwarded-For": "203.0.113.10"})
    _failed_sign_in(app, PROXY, {"X-Forwarded-For": "203.0.113.11"})  # no longer trusted
    assert _recorded_addresses(db) == ["203.0.113.10", "127.0.0.1"]


@pytest.mark.parametrize("base_url, secure", [("https://prm.example.com", True), ("http://127.0.0.1:8000", False)])
def test_cookies_are_secure_exactly_when_the_public_url_is_https(settings, session_factory, world, base_url, secure):
    app = create_app(settings.model_copy(update={"base_url": base_url}), session_factory=session_factory)
    # The browser speaks https to the proxy (it would not send a Secure cookie back over http).
    scheme = "https" if secure else "http"
    with TestClient(app, base_url=f"{scheme}://testserver", follow_redirects=False, client=PROXY) as client:
        page = client.get("/login", headers={"X-Forwarded-Proto": scheme})
        csrf = page.cookies.get("cb_csrf")
        signed_in = client.post("/login", data={"email": "admin@channelbase.demo", "password": DEMO_PASSWORD,
                                                "csrf_token": csrf, "next": "/"},
                                headers={"X-Forwarded-Proto": scheme})
    assert signed_in.status_code == 303, signed_in.text
    cookies = {header.split("=", 1)[0]: header for header in signed_in.headers.get_list("set-cookie")}
    csrf_cookie = next(h for h in page.headers.get_list("set-cookie") if h.startswith("cb_csrf="))
    assert ("Secure" in cookies["cb_session"]) is secure
    assert ("Secure" in csrf_cookie) is secure
    assert "HttpOnly" in cookies["cb_session"] and "SameSite=lax" in cookies["cb_session"].replace("Lax", "lax")
