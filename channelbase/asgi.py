"""ASGI entry point for uvicorn/gunicorn: `uvicorn channelbase.asgi:app`."""

import sys

from channelbase.core.config import ConfigError

try:
    from channelbase.app import create_app, settle_after_startup
    from channelbase.deals.warmup import warm_conflict_indexes
    from channelbase.engagement.runner import start_in_web

    from channelbase.core.config import get_settings
    from channelbase.ops import logs

    logs.configure(get_settings())  # again in each worker process: logging is per process
    app = create_app()
    warm_conflict_indexes(app.state.sessionmaker)
    # Weekly digests and other background jobs, unless CHANNELBASE_JOBS_IN_WEB=false (`channelbase worker`).
    start_in_web(app.state.sessionmaker, app.state.settings)
    settle_after_startup()
except ConfigError as exc:
    print(f"channelbase: configuration error: {exc}", file=sys.stderr)
    raise SystemExit(2) from None
