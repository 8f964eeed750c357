"""Every page that changes something refuses a request without the CSRF token, whoever sends it: the check is
wired once for all page routers, so a new router cannot forget it. The JSON API is exempt: it takes Bearer
tokens, never cookies."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from tests.test_access_matrix import app_routes

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ROUTES = sorted({(method, path) for method, path in app_routes()
                 if method in UNSAFE and not path.startswith("/api/v1")})


def test_the_check_covers_the_routers_that_came_late():
    paths = {path for _method, path in ROUTES}
    for path in ("/trainings/courses", "/growth/quotas", "/portal/register", "/events", "/apply", "/tiers"):
        assert path in paths


@pytest.mark.parametrize("method, path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_a_signed_in_form_post_without_the_token_is_refused(method, path, app, session_factory, world):
    with session_factory.begin() as session:
        token = auth_service.start_session(session, session.get(User, world.users["admin"]))
    url = re.sub(r"\{[^}]+\}", "1", path)
    with TestClient(app, base_url="http://testserver", follow_redirects=False,
                    cookies={"cb_session": token, "cb_csrf": "the-cookie"}) as client:
        response = client.request(method, url, data={"csrf_token": "not-the-cookie", "name": "x"})
    assert response.status_code == 403, f"{method} {url} -> {response.status_code}"
