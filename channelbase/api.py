"""The JSON API under /api/v1: each domain's router, Bearer-token authenticated."""

from fastapi import APIRouter

from channelbase.deals.api import router as deals_router
from channelbase.deals.api_deals import router as deal_registrations_router
from channelbase.enablement.api import router as trainings_router
from channelbase.engagement.api import router as engagement_router
from channelbase.growth.api import router as growth_router
from channelbase.partners.api import router as partners_router

router = APIRouter()
router.include_router(partners_router)
router.include_router(deals_router)
router.include_router(deal_registrations_router)
router.include_router(engagement_router)
router.include_router(growth_router)
router.include_router(trainings_router)
