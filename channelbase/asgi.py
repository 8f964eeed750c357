"""ASGI entry point for uvicorn/gunicorn: `uvicorn channelbase.asgi:app`."""

import sys

from channelbase.core.config import ConfigError

try:
    from channelbase.app import create_app
    from channelbase.deals.warmup import warm_conflict_indexes

    app = create_app()
    warm_conflict_indexes(app.state.sessionmaker)
except ConfigError as exc:
    print(f"channelbase: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
