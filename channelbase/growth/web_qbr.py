"""A partner's scorecard page and its QBR pack (PDF), for staff who see the partner and the partner's own users."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from channelbase.core.base import utcnow
from channelbase.growth import figures as f
from channelbase.growth.qbr import pack_charts, qbr_pack, scorecard_for
from channelbase.growth.qbr_text import Words
from channelbase.growth.scorecard import TOP_DEALS, Scorecard
from channelbase.web.deps import CurrentActor, SessionDep, render

router = APIRouter()


def _view(request: Request) -> str:
    return f.check_view(request.query_params.get("view", "").strip() or f.ACTUAL)


def _quarter_choices(card: Scorecard) -> list[str]:
    years = (card.fiscal_year.year + 1, card.fiscal_year.year, card.fiscal_year.year - 1)
    return [f"{year}Q{n}" for year in years for n in (4, 3, 2, 1)]


@router.get("/partners/{partner_id}/scorecard", include_in_schema=False)
def scorecard_page(request: Request, db: SessionDep, actor: CurrentActor, partner_id: int):
    card = scorecard_for(db, actor, partner_id, request.query_params.get("quarter"), today=utcnow().date(),
                         view=_view(request))
    words = Words("en")
    return render(request, "growth/scorecard.html", {
        "card": card, "words": words, "rows": [(metric, words.metric_row(metric)) for metric in card.metrics],
        "charts": pack_charts(card, words), "quarters": _quarter_choices(card), "views": f.VIEWS, "top": TOP_DEALS})


@router.get("/partners/{partner_id}/qbr.pdf", include_in_schema=False)
def qbr_download(request: Request, db: SessionDep, actor: CurrentActor, partner_id: int):
    name, pdf = qbr_pack(db, actor, partner_id, request.query_params.get("quarter"), today=utcnow().date(),
                         view=_view(request), language=request.query_params.get("lang") or None)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})
