from fastapi import APIRouter, Depends

from channelbase.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
