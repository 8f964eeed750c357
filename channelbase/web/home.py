"""The home page: real figures of the partner directory and the deals the actor can see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from channelbase.deals.summary import EXPIRING_DAYS, deal_summary
from channelbase.partners import service as partners
from channelbase.partners.models import PARTNER_TYPE_LABELS
from channelbase.web.deps import CurrentActor, SessionDep, render

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(request: Request, db: SessionDep, actor: CurrentActor):
    if actor.is_partner:
        return RedirectResponse("/portal", status_code=303)  # partner users live in the portal
    stats = partners.partner_stats(db, actor)
    total = sum(count for _, count in stats["status"])
    by_status = dict(stats["status"])
    return render(request, "home.html", {
        "stats": stats, "total": total, "by_status": by_status, "type_labels": PARTNER_TYPE_LABELS,
        "deals": deal_summary(db, actor), "expiring_days": EXPIRING_DAYS,
    })
