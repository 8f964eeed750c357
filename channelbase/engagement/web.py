"""The engagement domain's pages (activities, tasks, cadence, My day, calendar feeds), in one router."""

from fastapi import APIRouter, Depends

from channelbase.engagement import web_activities, web_cadence, web_calendar, web_tasks, web_today
from channelbase.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
for _pages in (web_today, web_activities, web_tasks, web_cadence):
    router.include_router(_pages.router)

# The calendar feed is read by calendar apps with a token in the URL: no session, so no CSRF either.
feed_router = web_calendar.router
