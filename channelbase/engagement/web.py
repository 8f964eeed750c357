"""The engagement domain's pages (activities, tasks, cadence, My day, calendar feeds), in one router."""

from fastapi import APIRouter, Depends

from channelbase.engagement import web_activities, web_cadence, web_calendar, web_tasks, web_today
from channelbase.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
for _pages in (web_today, web_activities, web_tasks, web_cadence, web_calendar):
    router.include_router(_pages.router)

# The .ics feed is fetched by calendar apps with the token in its URL: no session, no form, no CSRF.
feed_router = web_calendar.feed_router
