"""The deals domain's pages (catalogue, FX rates, registrations, pipeline, stages and programs), in one router."""

from fastapi import APIRouter, Depends

from channelbase.deals import web_fx, web_opportunities, web_pipeline_settings, web_products, web_registrations
from channelbase.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
for _pages in (web_products, web_fx, web_registrations, web_opportunities, web_pipeline_settings):
    router.include_router(_pages.router)
