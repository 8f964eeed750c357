"""The calendar feed: a page to make, replace or revoke your private .ics URL, and the feed itself."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import NotFound
from channelbase.engagement import calendar
from channelbase.partners.web_common import redirect
from channelbase.web.deps import CurrentActor, SessionDep, render

router = APIRouter()
# Mounted without the CSRF dependency: calendar apps fetch it with the token as the only key.
feed_router = APIRouter()

# Private data behind a secret URL: no shared cache may keep it, and no search engine list it.
FEED_HEADERS = {"Cache-Control": "private, no-store, max-age=0", "X-Robots-Tag": "noindex, nofollow",
                "Content-Disposition": 'inline; filename="channelbase.ics"'}


def _page(request: Request, db: Session, actor: User, **context: Any):
    base_url = request.app.state.settings.base_url
    return render(request, "engagement/calendar/page.html",
                  {"feed": calendar.active_feed(db, actor), "base_url": base_url, **context})


@router.get("/calendar", include_in_schema=False)
def calendar_page(request: Request, db: SessionDep, actor: CurrentActor):
    return _page(request, db, actor, revoked=request.query_params.get("revoked") == "1")


@router.post("/calendar/feed", include_in_schema=False)
def create_feed(request: Request, db: SessionDep, actor: CurrentActor):
    """Make a new feed URL (ending the previous one) and show it, once."""
    had_feed = calendar.active_feed(db, actor) is not None
    _feed, token = calendar.create_feed(db, actor)
    url = calendar.feed_url(request.app.state.settings.base_url, token)
    return _page(request, db, actor, new_url=url, replaced=had_feed)


@router.post("/calendar/feed/revoke", include_in_schema=False)
def revoke_feed(request: Request, db: SessionDep, actor: CurrentActor):
    calendar.revoke_feed(db, actor)
    return redirect("/calendar?revoked=1")


@feed_router.get("/calendar/{feed_token}.ics", include_in_schema=False)
def calendar_feed(request: Request, db: SessionDep, feed_token: str):
    try:
        user = calendar.feed_for_token(db, feed_token)
    except NotFound as exc:
        return PlainTextResponse(exc.message, status_code=404, headers={"Cache-Control": "no-store"})
    body = calendar.build_ics(db, user, base_url=request.app.state.settings.base_url)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=FEED_HEADERS)
