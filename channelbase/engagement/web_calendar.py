"""(being written)"""

from fastapi import APIRouter

router = APIRouter()
feed_router = APIRouter()
