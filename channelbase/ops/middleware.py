"""One ASGI middleware per request: its id, its latency in the metrics and its line in the access log."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, quote

from channelbase.ops import logs, metrics

access_log = logging.getLogger("channelbase.access")

VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
# A path parameter with a name like these is a credential (the calendar feed's token): log the template.
SECRET_PARAMETER = re.compile(r"token|secret|key", re.IGNORECASE)
# A query parameter with a name like these carries a credential: its value is never logged.
SECRET_QUERY_PARAMETER = re.compile(r"token|password|secret|key", re.IGNORECASE)
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{24,}")  # our tokens are 32+ random url-safe characters; words are shorter
# Paths that hold a credential whatever its length: an e-mailed sign-in link (everything after /login/link/)
# and the calendar feed's token.
SECRET_PATHS = ((re.compile(r"^(/login/link/).+", re.DOTALL), r"\1{redacted}"),
                (re.compile(r"^(/calendar/)[^/]+(\.ics)"), r"\1{redacted}\2"))
REDACTED = "{redacted}"
UNMATCHED = "unmatched"


def route_template(scope: dict[str, Any]) -> str:
    """The template of the route that answered ("/partners/{partner_id}"), never the raw path: a metric
    label per partner id would grow without end, and some paths carry a secret."""
    # FastAPI 0.165 keeps an included router's routes without its prefix; this context has the full template.
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path_format", None)
    if template:
        return template
    if "app_root_path" in scope:  # a Mount answered (the static files): its prefix, not the file
        return scope["root_path"][len(scope["app_root_path"]):] or "/"
    if "endpoint" in scope and not scope.get("path_params"):
        return scope["path"]  # a plain route without parameters (the OpenAPI document): the path is the template
    return UNMATCHED


def redact(path: str, query: str = "") -> str:
    """The path, and the query string if given, fit for a log: sign-in link and calendar feed tokens, any
    token-like segment, and the values of query parameters named like token, password, secret or key are
    replaced by {redacted}. Everything that logs a URL goes through here."""
    for pattern, replacement in SECRET_PATHS:
        path = pattern.sub(replacement, path)
    path = TOKEN_LIKE.sub(REDACTED, path)
    if not query:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    return path + "?" + "&".join(
        f"{quote(name, safe='')}={REDACTED if SECRET_QUERY_PARAMETER.search(name) else quote(value, safe='')}"
        for name, value in pairs)


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"x-request-id":
            return value.decode("ascii") if VALID_REQUEST_ID.fullmatch(value) else None
    return None


class RequestObserver:
    """Plain ASGI rather than BaseHTTPMiddleware: it wraps every request, so it must cost next to nothing."""

    def __init__(self, app, settings=None):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        request_id = incoming_request_id(scope["headers"]) or uuid.uuid4().hex
        context_token = logs.request_id.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode("ascii"))
        status = 500  # unless the app starts a response

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The id stays set: the app's error handler logs the traceback after this, outside the middleware.
            _observe(scope, status, time.perf_counter() - started)
            raise
        _observe(scope, status, time.perf_counter() - started)
        logs.request_id.reset(context_token)


def _observe(scope: dict[str, Any], status: int, seconds: float) -> None:
    route = route_template(scope)
    metrics.observe_request(scope["method"], route, status, seconds)
    engine = _engine(scope)
    if engine is not None:
        metrics.sample_pool(engine)
    if access_log.isEnabledFor(logging.INFO):
        _log_access(scope, route, status, seconds)


def _engine(scope: dict[str, Any]):
    app = scope.get("app")
    factory = getattr(getattr(app, "state", None), "sessionmaker", None)
    return metrics.engine_of(factory) if factory is not None else None


def _log_access(scope: dict[str, Any], route: str, status: int, seconds: float) -> None:
    # Never the query string, cookies or headers: they carry sign-in tokens, CSRF tokens and search terms.
    params = scope.get("path_params") or {}
    if any(SECRET_PARAMETER.search(name) for name in params):
        path = route
    else:  # a near miss of a secret URL (the feed's with a trailing slash) holds the secret too
        path = redact(scope["path"])
    if not path.isprintable():  # a newline in a path must not forge a second log line
        path = path.encode("unicode_escape").decode("ascii")
    client = scope.get("client")
    address = client[0] if client else "-"
    duration_ms = round(seconds * 1000, 2)
    access_log.info("%s %s %s %.2fms %s", scope["method"], path, status, duration_ms, address,
                    extra={"method": scope["method"], "route": route, "path": path, "status": status,
                           "duration_ms": duration_ms, "client": address})
