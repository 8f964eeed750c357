"""Logging: text for a terminal or one JSON object per line, each with the request id."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from channelbase.core.config import Settings

# Set by the request middleware for the duration of a request; every line logged meanwhile carries it.
request_id: ContextVar[str | None] = ContextVar("channelbase_request_id", default=None)

HANDLER_NAME = "channelbase"  # how configure() recognises the handler it installed (idempotence)
ACCESS_FIELDS = ("method", "route", "path", "status", "duration_ms", "client")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


def _utc_time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """One readable line: time (UTC), level, logger, [request id or -], message."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id.get() or "-"
        return super().format(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - stdlib name
        return _utc_time(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for a log collector; an access line's fields are keys of their own."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": _utc_time(record), "level": record.levelname, "logger": record.name,
                                 "message": record.getMessage()}
        current = request_id.get()
        if current:
            entry["request_id"] = current
        for field in ACCESS_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure(settings: Settings) -> None:
    """Set up the root logger from CHANNELBASE_LOG_FORMAT and CHANNELBASE_LOG_LEVEL."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.name == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.name = HANDLER_NAME
    handler.setFormatter(formatter_for(settings.log_format))
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Alembic announces seven plugins at INFO whenever a process imports it: noise in every worker's start-up.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def uvicorn_log_config(settings: Settings) -> dict[str, Any] | None:
    """Uvicorn's log_config, so that its own lines have the same format; None keeps uvicorn's default."""
    formatter = "channelbase.ops.logs.JsonFormatter" if settings.log_format == "json" else \
        "channelbase.ops.logs.TextFormatter"
    # Uvicorn's loggers get no handler of their own and pass their lines to the root handler configured here,
    # so that `serve` and each worker (which calls configure() again) write one format through one handler.
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {HANDLER_NAME: {"()": formatter}},
        "handlers": {HANDLER_NAME: {"class": "logging.StreamHandler", "formatter": HANDLER_NAME,
                                    "stream": "ext://sys.stderr"}},
        "root": {"handlers": [HANDLER_NAME], "level": settings.log_level.upper()},
        "loggers": {name: {"handlers": [], "propagate": True}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }
