"""The web application: pages, the JSON API and static files in one FastAPI app."""

from __future__ import annotations

import gc
import logging
import time

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from channelbase import __version__
from channelbase.core.config import Settings, get_settings
from channelbase.core.db import make_engine, make_sessionmaker
from channelbase.core.errors import Conflict, DomainError, StaleEdit
from channelbase.web import deps
from channelbase.web.forms import field_errors

log = logging.getLogger("channelbase")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
                    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                    "Permissions-Policy": "camera=(), microphone=(), geolocation=()"}
# Only on answers sent over https (the scheme the proxy-headers middleware believed): over plain http a
# browser ignores it, and a development server on http://127.0.0.1 must stay reachable.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def create_app(settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Channelbase", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  description="Partner relationship management. Authenticate with `Authorization: Bearer <token>`.")
    app.state.settings = settings
    app.state.secret_key = settings.resolved_secret_key()
    app.state.sessionmaker = session_factory or make_sessionmaker(make_engine(settings.database_url))
    app.mount("/static", StaticFiles(directory=str(deps.PACKAGE / "static")), name="static")
    _add_api_docs(app)
    _add_middleware(app, settings)
    _add_error_handlers(app)
    _add_routers(app)
    return app


def settle_after_startup() -> None:
    """Move everything loaded at start-up (modules, models, templates: about 110,000 objects) out of the
    garbage collector's sight. Otherwise each full collection walks them all again, and the requests
    that trigger one (those allocating thousands of rows, like a region's My day) took twice their p50."""
    gc.collect()
    gc.freeze()


def _add_api_docs(app: FastAPI) -> None:
    """Swagger UI from our own vendored copy: the default page would load it from a CDN."""
    vendor = "/static/vendor/swagger-ui"

    @app.get("/api/docs", include_in_schema=False)
    def api_docs():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="Channelbase API",
                                   swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{vendor}/swagger-ui.css",
                                   swagger_favicon_url=f"{vendor}/favicon-32x32.png")


def _add_routers(app: FastAPI) -> None:
    from channelbase.api import router as api_router
    from channelbase.auth.users_web import router as users_router
    from channelbase.auth.web import router as auth_router
    from channelbase.deals.web import router as deals_router
    from channelbase.enablement.web import router as enablement_router
    from channelbase.enablement.web_tiers import router as tiers_router
    from channelbase.engagement.web import feed_router, router as engagement_router
    from channelbase.events.web import router as events_router
    from channelbase.growth.web import router as growth_router
    from channelbase.growth.web_qbr import router as qbr_router
    from channelbase.health.web import router as health_pages_router
    from channelbase.imports.web import router as imports_router
    from channelbase.onboarding.web import router as onboarding_router
    from channelbase.ops.health import router as health_router
    from channelbase.ops.metrics import router as metrics_router
    from channelbase.partners.web import router as partners_router
    from channelbase.plans.web import router as plans_router
    from channelbase.portal import web as portal_web, web_links, web_staff, web_team, web_trainings
    from channelbase.recruitment.web import router as recruitment_router
    from channelbase.sellout.web import router as sellout_router
    from channelbase.strategy.web import router as strategy_router
    from channelbase.surveys.web import router as surveys_router
    from channelbase.web.home import router as home_router
    from channelbase.webhooks.web import router as webhooks_router

    pages = [auth_router, home_router, partners_router, deals_router, engagement_router, feed_router, users_router,
             imports_router, webhooks_router, sellout_router, growth_router, qbr_router, portal_web.router,
             web_team.router, web_links.router, web_staff.router, enablement_router, web_trainings.router,
             tiers_router, recruitment_router, onboarding_router, events_router, plans_router, surveys_router,
             health_pages_router, strategy_router]
    # Every page's form posts carry the CSRF token: checked here once for all, so a new router cannot forget.
    for router in pages:
        app.include_router(router, dependencies=[Depends(deps.csrf_protect)])
    app.include_router(api_router, prefix="/api/v1")  # Bearer tokens: no cookies, so no CSRF
    app.include_router(health_router)
    app.include_router(metrics_router)


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from channelbase.ops.middleware import RequestObserver
    app.add_middleware(ResponseHeaders, secure_cookies=settings.secure_cookies)
    app.add_middleware(RequestObserver, settings=settings)
    # Outermost, and in the app rather than in the server, so that gunicorn, uvicorn and the tests alike see
    # the client's own address (the sign-in rate limit counts by it) and scheme behind a trusted proxy.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)


class ResponseHeaders:
    """Security headers, the CSRF cookie on first visit, and Server-Timing with the time spent in the app.

    Plain ASGI rather than BaseHTTPMiddleware: it wraps every request, so it should cost nothing."""

    def __init__(self, app, secure_cookies: bool):
        self.app = app
        self.secure = "; Secure" if secure_cookies else ""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        had_csrf_cookie = f"{deps.CSRF_COOKIE}=".encode() in dict(scope["headers"]).get(b"cookie", b"")
        docs = scope["path"].startswith("/api/docs")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if not (docs and name == "Content-Security-Policy"):
                        headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
                token = scope.get("state", {}).get("csrf_token")
                if token and not had_csrf_cookie:
                    headers.append("Set-Cookie", f"{deps.CSRF_COOKIE}={token}; HttpOnly; Path=/; SameSite=Lax{self.secure}")
                headers.append("Server-Timing", f"app;dur={(time.perf_counter() - started) * 1000:.2f}")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _add_error_handlers(app: FastAPI) -> None:
    from fastapi.exception_handlers import http_exception_handler
    from sqlalchemy.exc import DataError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from channelbase.core import api_errors
    from channelbase.core.errors import InvalidInput

    @app.exception_handler(deps.LoginRequired)
    async def login_required(request: Request, _exc):
        if deps.is_htmx(request):
            return JSONResponse({"detail": "Sign in again."}, status_code=401,
                                headers={"HX-Redirect": deps.login_redirect_target(request)})
        return RedirectResponse(deps.login_redirect_target(request), status_code=303)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if _wants_json(request):
            body = {"detail": exc.message, "errors": exc.field_errors or None, "link": exc.link}
            return JSONResponse(body, status_code=exc.status, headers=headers)
        return deps.render(request, "error.html", {"status": exc.status, "message": exc.message, "link": exc.link},
                           status_code=exc.status)

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, _exc):
        return await domain_error(request, StaleEdit("Someone saved this record at the same moment. Review and retry."))

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, _exc):
        return await domain_error(request, Conflict("That change conflicts with existing data; nothing was saved."))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: Exception):
        # The database refused a value the request carried: an id beyond 64 bits (SQLite cannot even bind it)
        # or beyond the 32 bits of PostgreSQL's id columns, say. The request is at fault, not the server.
        log.info("unstorable value on %s %s: %s", request.method, request.url.path, getattr(exc, "orig", exc))
        return await domain_error(request, InvalidInput(api_errors.UNSTORABLE))

    async def invalid(request: Request, errors: dict[str, str]):
        message = "Invalid request: " + "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:5])
        if _wants_json(request):
            return JSONResponse({"detail": message, "errors": errors, "link": None}, status_code=422)
        return deps.render(request, "error.html", {"status": 422, "message": message}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        return await invalid(request, request_errors(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:
            # Only the framework raises these, when it cannot read the body (not UTF-8, a broken multipart
            # form): malformed input like bad JSON, so the same 422.
            unreadable = isinstance(exc.__cause__, UnicodeDecodeError)
            reason = "not valid UTF-8: send JSON encoded as UTF-8" if unreadable else str(exc.detail)
            return await invalid(request, {"body": reason})
        if not _wants_json(request):
            return await http_exception_handler(request, exc)
        return JSONResponse({"detail": str(exc.detail), "errors": None, "link": None}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(404)
    async def not_found(request: Request, exc):
        message = getattr(exc, "detail", None) or "Not found."
        if _wants_json(request):
            return JSONResponse({"detail": message, "errors": None, "link": None}, status_code=404)
        return deps.render(request, "error.html", {"status": 404, "message": "This page does not exist."},
                           status_code=404)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        from channelbase.ops.middleware import redact
        log.exception("unhandled error on %s %s", request.method, redact(request.url.path))
        message = "Something went wrong on our side; nothing was saved. Try again, or tell your admin."
        if _wants_json(request):
            response = JSONResponse({"detail": message}, status_code=500)
        else:
            response = deps.render(request, "error.html", {"status": 500, "message": message}, status_code=500)
        # FastAPI sends this answer from its outermost layer, past the middleware that adds these headers.
        response.headers.update(SECURITY_HEADERS)
        if request.url.scheme == "https":
            response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            response.headers["X-Request-ID"] = request_id
        return response


def request_errors(exc: RequestValidationError) -> dict[str, str]:
    """{field: message}, the same shape services use; malformed JSON is reported as such."""
    errors: dict[str, str] = {}
    for item in exc.errors():
        where, *rest = [str(p) for p in item["loc"]] or ["request"]
        if item["type"] == "json_invalid":
            errors["body"] = f"malformed JSON near character {rest[0] if rest else '?'}: {item.get('ctx', {}).get('error', '')}".rstrip(": ")
            continue
        field = ".".join(rest) if where in ("body", "query", "path") and rest else where
        errors.setdefault(field, item["msg"].removeprefix("Value error, "))
    return errors


__all__ = ["create_app", "field_errors", "request_errors", "settle_after_startup"]
