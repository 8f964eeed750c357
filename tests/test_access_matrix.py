"""Every route of the app (found from the router, so new routes are covered automatically) against
seven actors: anon (signed out), admin, lucia (manager of territory A, Latin America), nathan (manager of
territory B, North America), ana (partner user of partner A, Soluções Abertas), bruno (partner user of partner B,
Nube Bravo) and dora (partner user of Distribuidora Delta, the distributor linked to partner A). The objects in
the URLs belong to partner A; its registration and opportunity name Delta as their distributor, so dora reads
them. A route missing from EXPECTED fails the test."""

from __future__ import annotations

import base64

import pytest
from fastapi import APIRouter
from starlette.routing import Mount, Route

from channelbase.app import create_app
from channelbase.core.config import Settings
from channelbase.demo.world import DEMO_PASSWORD

from tests.access_policies import (  # noqa: F401 - the policies the rows below use
    A_LINK, A_LINK_CREATE, A_ROW, A_ROW_STAFF, A_TERRITORY_ADMIN, A_TERRITORY_API, A_TERRITORY_PAGE, ACTORS, ADMIN,
    OWN_TOKEN, PUBLIC, SIGN_OUT, SIGNED_IN, STAFF,
)
from tests.access_rows import extra_bodies, extra_ids, extra_rows

EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGN_OUT,
    ("GET", "/"): SIGNED_IN,
    ("GET", "/account"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("POST", "/account/tokens/{token_id}/revoke"): OWN_TOKEN,
    # Partner pages
    ("GET", "/partners"): SIGNED_IN,
    ("GET", "/partners/new"): STAFF,
    ("POST", "/partners"): STAFF,
    ("POST", "/partners/validate"): STAFF,
    ("GET", "/partners/{partner_id}"): A_ROW,
    ("GET", "/partners/{partner_id}/edit"): A_ROW_STAFF,
    ("POST", "/partners/{partner_id}"): A_ROW_STAFF,
    ("POST", "/partners/{partner_id}/delete"): A_ROW_STAFF,
    ("POST", "/partners/{partner_id}/restore"): A_ROW_STAFF,
    ("POST", "/partners/{partner_id}/links"): A_LINK_CREATE,
    ("POST", "/partners/{partner_id}/links/{link_id}/delete"): A_LINK,
    ("GET", "/contacts"): SIGNED_IN,
    ("POST", "/contacts"): A_ROW,
    ("GET", "/contacts/{contact_id}/edit"): A_ROW,
    ("POST", "/contacts/{contact_id}"): A_ROW,
    ("POST", "/contacts/{contact_id}/delete"): A_ROW,
    ("GET", "/accounts"): SIGNED_IN,
    ("GET", "/accounts/new"): SIGNED_IN,
    ("POST", "/accounts"): SIGNED_IN,
    ("GET", "/accounts/{account_id}"): A_ROW,
    ("GET", "/accounts/{account_id}/edit"): A_ROW,
    ("POST", "/accounts/{account_id}"): A_ROW,
    ("POST", "/accounts/{account_id}/delete"): A_ROW_STAFF,
    ("POST", "/accounts/{account_id}/restore"): A_ROW_STAFF,
    ("GET", "/territories"): STAFF,
    ("POST", "/territories"): ADMIN,
    ("GET", "/territories/{territory_id}"): A_TERRITORY_PAGE,
    ("GET", "/territories/{territory_id}/edit"): A_TERRITORY_ADMIN,
    ("POST", "/territories/{territory_id}/edit"): A_TERRITORY_ADMIN,
    ("GET", "/users"): ADMIN,
    ("POST", "/users"): ADMIN,
    ("POST", "/users/{user_id}/disable"): ADMIN,
    ("POST", "/users/{user_id}/enable"): ADMIN,
    # JSON API
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/partners"): SIGNED_IN,
    ("POST", "/api/v1/partners"): STAFF,
    ("GET", "/api/v1/partners/{partner_id}"): A_ROW,
    ("PATCH", "/api/v1/partners/{partner_id}"): A_ROW_STAFF,
    ("DELETE", "/api/v1/partners/{partner_id}"): A_ROW_STAFF,
    ("POST", "/api/v1/partners/{partner_id}/restore"): A_ROW_STAFF,
    ("GET", "/api/v1/partners/{partner_id}/contacts"): A_ROW,
    ("GET", "/api/v1/partners/{partner_id}/links"): A_ROW,
    ("POST", "/api/v1/links"): A_LINK_CREATE,
    ("DELETE", "/api/v1/links/{link_id}"): A_LINK,
    ("GET", "/api/v1/contacts"): SIGNED_IN,
    ("POST", "/api/v1/contacts"): A_ROW,
    ("GET", "/api/v1/contacts/{contact_id}"): A_ROW,
    ("PATCH", "/api/v1/contacts/{contact_id}"): A_ROW,
    ("DELETE", "/api/v1/contacts/{contact_id}"): A_ROW,
    ("GET", "/api/v1/accounts"): SIGNED_IN,
    ("POST", "/api/v1/accounts"): SIGNED_IN,
    ("GET", "/api/v1/accounts/{account_id}"): A_ROW,
    ("PATCH", "/api/v1/accounts/{account_id}"): A_ROW,
    ("DELETE", "/api/v1/accounts/{account_id}"): A_ROW_STAFF,
    ("POST", "/api/v1/accounts/{account_id}/restore"): A_ROW_STAFF,
    ("GET", "/api/v1/territories"): SIGNED_IN,
    ("GET", "/api/v1/territories/{territory_id}"): A_TERRITORY_API,
    ("POST", "/api/v1/territories"): ADMIN,
    ("PATCH", "/api/v1/territories/{territory_id}"): A_TERRITORY_ADMIN,
    # Products and FX rates: not partner-owned rows. Everyone signed in reads the active catalogue;
    # staff read FX rates and convert; only admins write either.
    ("GET", "/products"): SIGNED_IN,
    ("GET", "/products/new"): ADMIN,
    ("POST", "/products"): ADMIN,
    ("GET", "/products/{product_id}"): SIGNED_IN,
    ("GET", "/products/{product_id}/edit"): ADMIN,
    ("POST", "/products/{product_id}"): ADMIN,
    ("POST", "/products/{product_id}/prices"): ADMIN,
    ("GET", "/fx-rates"): STAFF,
    ("POST", "/fx-rates"): ADMIN,
    ("POST", "/fx-rates/import"): ADMIN,
    ("POST", "/fx-rates/import/commit"): ADMIN,
    ("GET", "/fx-rates/convert"): STAFF,
    ("GET", "/api/v1/products"): SIGNED_IN,
    ("POST", "/api/v1/products"): ADMIN,
    ("GET", "/api/v1/products/{product_id}"): SIGNED_IN,
    ("PATCH", "/api/v1/products/{product_id}"): ADMIN,
    ("PUT", "/api/v1/products/{product_id}/prices/{currency}"): ADMIN,
    ("GET", "/api/v1/fx-rates"): STAFF,
    ("POST", "/api/v1/fx-rates"): ADMIN,
    ("POST", "/api/v1/fx-rates/import"): ADMIN,
    ("GET", "/api/v1/fx-rates/convert"): STAFF,
}
EXPECTED.update(extra_rows())


def matrix_app():
    """The app whose routes the matrix enumerates (no database is opened)."""
    return create_app(Settings(_env_file=None, secret_key="m" * 40, database_url="sqlite://"))


def app_routes(routes=None, prefix: str = ""):
    """(method, path) of every route, walking included routers."""
    if routes is None:
        routes = matrix_app().routes
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from app_routes(included.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, prefix + route.path


ROUTES = sorted(set(app_routes()))


def routes_without_expectations(routes, expected) -> list[tuple[str, str]]:
    """The (method, path) routes that `expected` says nothing about, sorted."""
    return sorted(set(routes) - set(expected))


def expectations_without_routes(routes, expected) -> list[tuple[str, str]]:
    """The entries of `expected` for routes that no longer exist, sorted."""
    return sorted(set(expected) - set(routes))


def test_every_route_has_expectations():
    missing = routes_without_expectations(ROUTES, EXPECTED)
    assert not missing, f"add these routes to EXPECTED in tests/test_access_matrix.py: {missing}"
    stale = expectations_without_routes(ROUTES, EXPECTED)
    assert not stale, f"these routes no longer exist; remove them from EXPECTED: {stale}"


def test_a_new_route_without_expectations_is_reported():
    app = matrix_app()
    # Empty while EXPECTED is complete (the test above says so); kept apart so this test checks only the probes.
    before = routes_without_expectations(app_routes(app.routes), EXPECTED)

    @app.get("/matrix-probe")
    def probe():
        return {}

    router = APIRouter(prefix="/inner")

    @router.post("/things/{thing_id}")
    def probe_thing(thing_id: int):
        return {}

    app.include_router(router, prefix="/api/v1/matrix")
    probes = [("GET", "/matrix-probe"), ("POST", "/api/v1/matrix/inner/things/{thing_id}")]
    assert routes_without_expectations(app_routes(app.routes), EXPECTED) == sorted(before + probes)


def _url(path: str, world, token_id: int, product_id: int, settings_ids: dict[str, int]) -> str:
    ids = {"partner_id": world.partners["abertas"], "contact_id": world.contacts["ana"],
           "account_id": world.accounts["abertas"], "territory_id": world.territories["brazil"],
           "link_id": world.links["delta_abertas"], "user_id": world.users["ana"], "token_id": token_id,
           "product_id": product_id, "currency": "BRL", "registration_id": world.registrations["abertas"],
           "opportunity_id": world.opportunities["abertas"], **settings_ids}
    path = "/static/app.css" if path == "/static" else path
    query = "?amount=1000&currency=USD" if path.endswith("/fx-rates/convert") else ""
    return path.format(**ids) + query


RATES_CSV = b"currency,date,rate\nBRL,2026-11-01,0.1864\n"


def _files(path: str) -> dict | None:
    """A valid CSV upload for the FX import routes."""
    return {"file": ("matrix.csv", RATES_CSV, "text/csv")} if path.endswith("/fx-rates/import") else None


def _body(method: str, path: str, world) -> dict:
    """A valid body, so a permitted actor's request reaches the action (not just the validator)."""
    abertas, brazil = world.partners["abertas"], world.territories["brazil"]
    bodies = {
        "/partners": dict(name="Matrix Redes Ltda.", type="var", territory_id=brazil, country="BR", currency="BRL"),
        "/partners/{partner_id}": dict(version=1, name="Soluções Abertas Ltda.", type="var", territory_id=brazil,
                                       country="BR", currency="BRL", tier="gold", status="active", city="Santos"),
        "/partners/{partner_id}/links": dict(distributor_id=world.partners["delta"], reseller_id=abertas),
        "/links": dict(distributor_id=world.partners["delta"], reseller_id=abertas),
        "/contacts": dict(partner_id=abertas, name="Matrix Contact", email="matrix@abertas.com.br"),
        "/contacts/{contact_id}": dict(version=1, name="Ana Souza", email="ana@abertas.com.br", phone="+55 11 5555"),
        "/accounts": dict(name="Matrix Cliente S.A.", country="BR", territory_id=brazil),
        "/accounts/{account_id}": dict(version=1, name="Prefeitura de Campinas", country="BR", industry="Government"),
        "/territories": dict(name="Matrix Land", parent_id=brazil, currency="BRL"),
        "/territories/{territory_id}/edit": dict(version=1, name="Brazil", currency="BRL"),
        "/users": dict(email="matrix@channelbase.demo", name="Matrix", role="manager", password="grid-password-17"),
        "/login": dict(email="ana@abertas.com.br", password=DEMO_PASSWORD),
        "/account/tokens": dict(name="matrix"),
        "/account/password": dict(current_password=DEMO_PASSWORD, new_password="matrix-password-2",
                                  confirm_password="matrix-password-2"),
        "/products": dict(sku="MATRIX-1", name="Matrix Product", family="OS", term="annual"),
        "/products/{product_id}": dict(version=1, sku="MATRIX-P", name="Matrix Product", family="OS", term="annual"),
        "/products/{product_id}/prices": dict(currency="BRL", amount="1.234,56", decimal_comma="1"),
        "/products/{product_id}/prices/{currency}": dict(amount="1234.56"),
        "/fx-rates": dict(currency="BRL", effective_date="2026-11-01", rate="0.1864"),
        "/fx-rates/import/commit": dict(content=base64.b64encode(RATES_CSV).decode(), filename="matrix.csv"),
    }
    key = path.removeprefix("/api/v1")
    extra = extra_bodies().get((method, path))
    if extra is not None:
        return extra(world)
    body = dict(bodies.get(key, {}))
    if method == "PATCH":
        body = {"version": 1, "city": "Santos"} if "partner" in key else {"version": 1, "name": body.get("name", "X")}
    return body


def _outcome(response, api: bool) -> str:
    status = response.status_code
    if api and status == 401:
        return "login"
    if status in (302, 303) and response.headers.get("location", "").startswith("/login"):
        return "login"
    if status in (403, 404):
        return str(status)
    assert status < 500, f"server error {status}: {response.text[:300]}"
    return "ok" if status < 400 or status in (409, 422) else f"unexpected {status}"


@pytest.fixture
def admin_token_id(db, actor):
    from channelbase.auth import service as auth_service
    token, _secret = auth_service.create_api_token(db, actor("admin"), "matrix")
    db.flush()
    return token.id


@pytest.fixture
def product_id(db, actor):
    from channelbase.deals import products
    from channelbase.deals.schemas import ProductCreate
    product = products.create_product(db, actor("admin"), ProductCreate(sku="MATRIX-P", name="Matrix Product",
                                                                        family="OS", term="annual"))
    db.flush()
    return product.id


@pytest.fixture
def settings_ids(db) -> dict[str, int]:
    """Ids of the settings rows in URLs: the first pipeline stage and the default program."""
    from channelbase.deals import stages
    return {"stage_id": stages.list_stages(db)[0].id, "program_id": stages.default_program(db).id}


@pytest.fixture
def engagement_ids(db, actor, world) -> dict[str, int | str]:
    """An activity and a task of partner A (logged by and assigned to its manager), a cadence rule, and
    the manager's calendar-feed token."""
    from datetime import date, timedelta

    from channelbase.engagement import activities, cadence, calendar, tasks
    from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, TaskCreate
    lucia = actor("lucia")
    activity = activities.log_activity(db, lucia, ActivityCreate(partner_id=world.partners["abertas"], type="call",
                                                                 summary="Matrix call"))
    task = tasks.create_task(db, lucia, TaskCreate(title="Matrix task", due_on=date.today() + timedelta(days=1),
                                                   partner_id=world.partners["abertas"]))
    rule = cadence.create_rule(db, actor("admin"), CadenceRuleIn(name="Matrix rule", every_days=30,
                                                                 counted_types=["call"]))
    _feed, feed_token = calendar.create_feed(db, lucia)
    db.flush()
    return {"activity_id": activity.id, "task_id": task.id, "rule_id": rule.id, "feed_token": feed_token}


@pytest.fixture
def webhook_ids(db, actor) -> dict[str, int]:
    """A webhook subscription and one of its deliveries (tests/access_rows/webhooks_web.py)."""
    from tests.access_rows.webhooks_web import make_ids
    return make_ids(db, actor)


@pytest.fixture
def import_ids(db, actor) -> dict[str, int]:
    """An import run uploaded by Lucía (tests/access_rows/imports_web.py)."""
    from tests.access_rows.imports_web import make_ids
    return make_ids(db, actor)


@pytest.fixture
def growth_ids(db, actor) -> dict[str, int | str]:
    """A quota of Brazil, in Lucía's region (tests/access_rows/growth_web.py)."""
    from tests.access_rows.growth_web import make_ids
    return make_ids(db, actor)


@pytest.fixture
def enablement_ids(db, actor) -> dict[str, int]:
    """A training session next week with partner A's Ana enrolled (tests/access_rows/enablement_web.py)."""
    from tests.access_rows.enablement_web import make_ids
    return make_ids(db, actor)


@pytest.fixture
def portal_ids(db, actor) -> dict[str, int | str]:
    """A sign-in link of Ana's and an announcement (tests/access_rows/portal_web.py)."""
    from tests.access_rows.portal_web import make_ids
    return make_ids(db, actor)


@pytest.fixture
def area_ids(db, actor) -> dict[str, int | str]:
    """The ids of the areas whose access rows make their own (AUTO_IDS in tests/access_rows/*)."""
    return extra_ids(db, actor)


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("method, path", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_access(method, path, who, anon, client_as, api_as, world, admin_token_id, product_id, settings_ids,
                engagement_ids, webhook_ids, import_ids, growth_ids, portal_ids, enablement_ids, area_ids):
    expected = EXPECTED.get((method, path))
    if expected is None:
        pytest.fail(f"{method} {path} has no expectations in EXPECTED")
    api = path.startswith("/api/v1/") and path != "/api/v1/openapi.json"
    if who == "anon":
        client = anon
        client.cookies.set("cb_csrf", "matrix")
        client.headers["X-CSRF-Token"] = "matrix"
    else:
        client = api_as(who) if api else client_as(who)
    ids = {**settings_ids, **engagement_ids, **webhook_ids, **import_ids, **growth_ids, **portal_ids,
           **enablement_ids, **area_ids}
    url, body = _url(path, world, admin_token_id, product_id, ids), _body(method, path, world)
    if method == "GET":
        response = client.get(url)
    elif _files(path):
        response = client.request(method, url, files=_files(path))
    elif api:
        response = client.request(method, url, json=body if method in ("POST", "PATCH", "PUT") else None)
    else:
        response = client.request(method, url, data=body)
    assert _outcome(response, api) == expected[who], f"{who} {method} {url} -> {response.status_code}"
