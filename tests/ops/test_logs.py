"""The request id (taken from X-Request-ID or made up, echoed in the response) and the logs: one access line
per request, text or JSON, carrying that id, and never a secret from the URL, the cookies or the headers."""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from channelbase.app import create_app
from channelbase.engagement import calendar
from channelbase.ops import logs

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_as(settings, capsys) -> Iterator[Callable[[str], None]]:
    """log_as("json") configures logging as `channelbase serve` would; the root logger is restored afterwards."""
    root, client_log = logging.getLogger(), logging.getLogger("httpx")
    saved = root.handlers[:], root.level, client_log.level
    client_log.setLevel(logging.WARNING)  # the test client's own request lines are not the server's log
    # A live server started in this process (the browser tests' uvicorn, log_level="warning") leaves its
    # loggers at WARNING; here they start as `serve` finds them, at the root's level.
    uvicorn_levels = {name: logging.getLogger(name).level for name in ("uvicorn", "uvicorn.error", "uvicorn.access")}
    for name in uvicorn_levels:
        logging.getLogger(name).setLevel(logging.NOTSET)
    yield lambda log_format: logs.configure(settings.model_copy(update={"log_format": log_format}))
    root.handlers[:], _, _ = saved
    root.setLevel(saved[1])
    client_log.setLevel(saved[2])
    for name, level in uvicorn_levels.items():
        logging.getLogger(name).setLevel(level)


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_response_has_a_request_id(anon):
    first, second = anon.get("/healthz"), anon.get("/healthz")
    assert GENERATED_ID.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_valid_incoming_request_id_is_kept(anon):
    # A proxy or a caller that already names the request keeps one id across every hop.
    incoming = "edge-7f3a.B_19" + "x" * 50
    response = anon.get("/healthz", headers={"X-Request-ID": incoming})
    assert len(incoming) == 64 and response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["x" * 65, "has space", "a/b", "semi;colon", "ünïcode".encode(), ""])
def test_an_invalid_incoming_request_id_is_replaced(anon, incoming):
    response = anon.get("/healthz", headers={"X-Request-ID": incoming})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_json_logs_have_one_object_per_line_with_the_request_id_and_the_route_template(anon, log_as, capsys, world):
    log_as("json")
    response = anon.get(f"/partners/{world.partners['abertas']}", headers={"X-Request-ID": "trace-json-1"})
    access = [entry for entry in _json_lines(capsys.readouterr().err) if entry["logger"] == "channelbase.access"]
    assert response.headers["X-Request-ID"] == "trace-json-1"
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == "trace-json-1"
    assert entry["route"] == "/partners/{partner_id}"
    assert entry["path"] == f"/partners/{world.partners['abertas']}"
    assert (entry["method"], entry["status"], entry["client"]) == ("GET", 303, "testclient")
    assert entry["level"] == "INFO" and isinstance(entry["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_an_error_is_logged_with_its_traceback_and_the_request_id(settings, session_factory, log_as, capsys):
    app = create_app(settings, session_factory=session_factory)

    @app.get("/test-failure")
    def fail():
        raise RuntimeError("the failure under test")

    log_as("json")
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/test-failure", headers={"X-Request-ID": "trace-failure"})
    entries = _json_lines(capsys.readouterr().err)
    assert response.status_code == 500
    access = next(entry for entry in entries if entry["logger"] == "channelbase.access")
    error = next(entry for entry in entries if entry["level"] == "ERROR")
    assert (access["status"], access["route"], access["request_id"]) == (500, "/test-failure", "trace-failure")
    assert error["request_id"] == "trace-failure"
    assert "RuntimeError: the failure under test" in error["exception"]
    # The error page leaves from FastAPI's outermost layer; it still carries the id and the security headers.
    assert response.headers["X-Request-ID"] == "trace-failure"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_text_logs_are_one_readable_line_with_the_request_id(anon, log_as, capsys):
    log_as("text")
    anon.get("/healthz", headers={"X-Request-ID": "trace-text-1"})
    lines = [line for line in capsys.readouterr().err.splitlines() if "channelbase.access" in line]
    assert len(lines) == 1
    assert re.fullmatch(r"\S+Z INFO +channelbase\.access \[trace-text-1\] GET /healthz 200 [\d.]+ms testclient",
                        lines[0]), lines[0]


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_calendar_feed_token_never_reaches_the_log(client_as, db, actor, log_as, capsys, log_format):
    _feed, token = calendar.create_feed(db, actor("lucia"))
    db.flush()
    log_as(log_format)
    response = client_as("lucia").get(f"/calendar/{token}.ics")
    near_miss = client_as("lucia").get(f"/calendar/{token}.ics/")  # no route: the path itself is logged
    output = capsys.readouterr().err
    assert response.status_code == 200 and near_miss.status_code in (307, 404)
    assert "/calendar/{feed_token}.ics" in output
    assert "/calendar/{redacted}.ics/" in output
    assert token not in output


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_query_strings_cookies_and_authorization_never_reach_the_log(anon, log_as, capsys, log_format):
    log_as(log_format)
    anon.cookies.set("cb_session", "cookie-secret")
    anon.get("/partners?q=query-secret&next=/x", headers={"Authorization": "Bearer header-secret"})
    anon.get("/login?next=/partners%3Fq%3Dquery-secret-2")
    output = capsys.readouterr().err
    assert "/partners" in output and "/login" in output
    assert not re.search("query-secret|header-secret|cookie-secret|q=|next=", output), output


def test_a_path_cannot_forge_a_log_line(anon, log_as, capsys):
    log_as("text")
    anon.get("/nowhere%0A2026-01-01T00:00:00.000Z INFO channelbase.access [forged] GET / 200")
    lines = [line for line in capsys.readouterr().err.splitlines() if "channelbase.access" in line]
    assert len(lines) == 1 and "\\n" in lines[0]


def test_configuring_twice_keeps_one_handler(settings, log_as):
    log_as("json")
    log_as("text")
    ours = [handler for handler in logging.getLogger().handlers if handler.name == logs.HANDLER_NAME]
    assert len(ours) == 1 and isinstance(ours[0].formatter, logs.TextFormatter)


def test_uvicorns_own_lines_use_the_same_json_format(settings, log_as, capsys):
    log_as("json")
    logging.config.dictConfig(logs.uvicorn_log_config(settings.model_copy(update={"log_format": "json"})))
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 4242)
    entries = _json_lines(capsys.readouterr().err)
    assert [entry["message"] for entry in entries if entry["logger"] == "uvicorn.error"] == \
        ["Started server process [4242]"]
    ours = [handler for handler in logging.getLogger().handlers if handler.name == logs.HANDLER_NAME]
    assert len(ours) == 1  # and a worker's configure() afterwards replaces it rather than adding a second
    log_as("json")
    assert len([handler for handler in logging.getLogger().handlers if handler.name == logs.HANDLER_NAME]) == 1
