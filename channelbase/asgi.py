"""ASGI entry point for uvicorn/gunicorn: `uvicorn channelbase.asgi:app`."""

import sys

from channelbase.core.config import ConfigError

try:
    from channelbase.app import create_app

    app = create_app()
except ConfigError as exc:
    print(f"channelbase: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
