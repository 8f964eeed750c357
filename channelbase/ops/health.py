"""GET /healthz (the process answers) and GET /readyz (database reachable, schema at head).

A load balancer sends traffic to a process while /readyz says 200 and an orchestrator restarts one whose
/healthz stops answering, so /healthz never touches the database: an outage must not restart every worker."""

from __future__ import annotations

import logging
from functools import cache

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from channelbase.core import migrate

log = logging.getLogger("channelbase.health")
router = APIRouter()
VERSION_TABLE = "alembic_version"  # alembic's default; migrations/env.py keeps it


@cache
def known_revisions() -> tuple[str | None, frozenset[str]]:
    """The revision this code needs and every revision it knows; reading the scripts once per process is enough."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return script.get_current_head(), frozenset(revision.revision for revision in script.walk_revisions())


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    ready, checks = readiness(request.app.state.sessionmaker)
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


def _schema_revision(session: Session) -> str | None:
    # What alembic's MigrationContext reads, without the two INFO lines it logs per call (one probe every
    # few seconds would fill the log with them).
    if not inspect(session.connection()).has_table(VERSION_TABLE):
        return None
    return session.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))


def readiness(factory: sessionmaker[Session]) -> tuple[bool, dict[str, str]]:
    """(ready, {"database": ..., "schema": ...}), each check "ok"-like or a sentence saying what to do."""
    try:
        with factory() as session:
            current = _schema_revision(session)
    except SQLAlchemyError as exc:
        # The class says enough to act on; the driver's message (host, database name) goes to the log only.
        log.warning("readiness: the database check failed: %s", getattr(exc, "orig", None) or exc)
        return False, {"database": f"unreachable ({type(exc).__name__}); see the log",
                       "schema": "unknown while the database is unreachable"}
    head, known = known_revisions()
    if current == head:
        return True, {"database": "ok", "schema": f"at {current} (latest)"}
    if current is not None and current not in known:
        schema = (f"schema at {current}, newer than this code knows (it needs {head}): deploy the matching "
                  "version of Channelbase")
    else:
        schema = f"schema at {current or 'nothing (empty database)'}, this code needs {head}: run `channelbase db upgrade`"
    return False, {"database": "ok", "schema": schema}
