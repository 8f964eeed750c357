"""Tier compliance: which active (and onboarding) partners meet every requirement of the next tier, ready to
promote, and which miss one of their own tier's, to review, with the evidence for each; and moving a partner
to another tier (through the partners service, so it is checked and audited like any partner edit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core.base import utcnow
from channelbase.core.errors import InvalidInput
from channelbase.core.pagination import Page
from channelbase.deals.fx import require_staff
from channelbase.enablement import tiers
from channelbase.enablement.tier_measures import Measures, Metrics, Requirement, evaluate, measure
from channelbase.partners import service as partners
from channelbase.partners.common import check_version
from channelbase.partners.models import Partner, PartnerStatus, PartnerTier, PartnerType, Territory
from channelbase.partners.schemas import PartnerFilter, PartnerUpdate, Strict

# Prospects have no tier to keep yet and inactive partners are not selling: neither is checked.
CHECKED_STATUSES = (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING)


class ComplianceFilter(Strict):
    territory_id: int | None = None  # the territory and every one below it
    type: PartnerType | None = None
    tier: PartnerTier | None = None


class TierChangeIn(Strict):
    tier: PartnerTier
    version: int


class PartnerRow(NamedTuple):
    id: int
    name: str
    type: str
    tier: str
    status: str
    territory_id: int
    version: int


@dataclass(frozen=True)
class ComplianceLine:
    partner: PartnerRow
    target: str  # the tier the evidence is measured against: the next tier (ready) or its own (to review)
    evidence: list[Requirement]

    @property
    def missing(self) -> list[Requirement]:
        return [requirement for requirement in self.evidence if not requirement.met]


@dataclass(frozen=True)
class ComplianceView:
    ready: Page[ComplianceLine]
    review: Page[ComplianceLine]
    checked: int  # partners measured
    territory_names: dict[int, str]
    table: tiers.TierTable
    today: date

    @property
    def counted_from(self) -> date:
        """The first day of the twelve months counted."""
        return self.today - timedelta(days=364)


def _partners(actor: User, filters: ComplianceFilter):
    """The visible, live, active or onboarding partners matching the filters (a select of Partner)."""
    stmt = partners.partner_query(actor, PartnerFilter(type=filters.type, tier=filters.tier,
                                                       territory_id=filters.territory_id))
    return stmt.where(Partner.status.in_(CHECKED_STATUSES))


def _meets(metrics: Metrics, needs: dict[str, int]) -> bool:
    # A plain comparison, not evaluate(): thousands of partners are classified, a page of them is shown.
    for key, need in needs.items():
        have = metrics.value(key)
        if have is None or have < need:
            return False
    return True


def classify(rows: list[PartnerRow], measures: Measures, table: tiers.TierTable
             ) -> tuple[list[PartnerRow], list[PartnerRow]]:
    """(ready to promote, to review): ready meets every requirement of the next tier; to review misses, or
    cannot show (a missing exchange rate), a requirement of its own tier."""
    ready, review = [], []
    for row in rows:
        upper = tiers.next_tier(row.tier)
        if upper is not None and _meets(measures[row.id], table.needs(upper)):
            ready.append(row)
        if not _meets(measures[row.id], table.needs(row.tier)):
            review.append(row)
    return ready, review


def _page(rows: list[PartnerRow], page: int, per_page: int, measures: Measures, table: tiers.TierTable, *,
          upward: bool) -> Page[ComplianceLine]:
    """One page of a list, with the evidence of the partners on it (against the next tier when `upward`)."""
    pages = max(1, -(-len(rows) // per_page))
    page = max(1, min(page, pages))
    lines = []
    for row in rows[(page - 1) * per_page:page * per_page]:
        tier = (tiers.next_tier(row.tier) if upward else None) or row.tier
        lines.append(ComplianceLine(row, tier, evaluate(measures[row.id], table.needs(tier))))
    return Page(items=lines, total=len(rows), page=page, per_page=per_page)


def _territory_names(session: Session, actor: User, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = visible(select(Territory.id, Territory.name), actor, Territory).where(Territory.id.in_(ids))
    return {territory_id: name for territory_id, name in session.execute(stmt)}


def compliance(session: Session, actor: User, filters: ComplianceFilter, *, today: date | None = None,
               ready_page: int = 1, review_page: int = 1, per_page: int = 25) -> ComplianceView:
    """Both lists for the partners the actor sees, measured together: one query for the partners and the
    grouped queries of `measure`, joined against the same select of partner ids."""
    require_staff(actor, "review tier compliance")
    today = today or utcnow().date()
    stmt = _partners(actor, filters)
    rows = [PartnerRow(*row) for row in session.execute(
        stmt.with_only_columns(Partner.id, Partner.name, Partner.type, Partner.tier, Partner.status,
                               Partner.territory_id, Partner.version).order_by(Partner.name_key, Partner.id))]
    measures = measure(session, stmt.with_only_columns(Partner.id), today) if rows else Measures()
    table = tiers.tier_table(session, actor)
    ready, review = classify(rows, measures, table)
    ready_lines = _page(ready, ready_page, per_page, measures, table, upward=True)
    review_lines = _page(review, review_page, per_page, measures, table, upward=False)
    shown = {line.partner.territory_id for line in [*ready_lines.items, *review_lines.items]}
    return ComplianceView(ready=ready_lines, review=review_lines, checked=len(rows),
                          territory_names=_territory_names(session, actor, shown),
                          table=table, today=today)


def set_tier(session: Session, actor: User, partner_id: int, data: TierChangeIn) -> Partner:
    """Promote or demote a partner (staff who see it); a form older than the partner's last change is refused."""
    partner = get_visible(session, actor, Partner, partner_id)
    require_staff(actor, "change a partner's tier")
    check_version(session, partner, data.version)
    if partner.tier == data.tier:
        raise InvalidInput(f"{partner.name} is {tiers.TIER_LABELS[data.tier]} already.",
                           field_errors={"tier": "unchanged"})
    return partners.update_partner(session, actor, partner_id, PartnerUpdate(version=data.version, tier=data.tier))
