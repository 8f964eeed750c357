"""The catalogue's and FX rates' pages, in one router."""

from fastapi import APIRouter, Depends

from channelbase.deals import web_fx, web_products
from channelbase.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
for _pages in (web_products, web_fx):
    router.include_router(_pages.router)
