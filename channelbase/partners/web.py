"""The directory's pages: partners, contacts, accounts and territories, in one router."""

from fastapi import APIRouter, Depends

from channelbase.partners import web_accounts, web_contacts, web_partners, web_territories
from channelbase.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
for _pages in (web_partners, web_contacts, web_accounts, web_territories):
    router.include_router(_pages.router)
