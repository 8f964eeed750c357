"""Web pages of recruitment: coverage and targets, the recruitment board and prospects, the fit criteria, and
the public application form; one router, CSRF-checked like every page that writes."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from channelbase.recruitment import web_apply, web_coverage, web_funnel
from channelbase.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
for _pages in (web_coverage, web_funnel, web_apply):
    router.include_router(_pages.router)
