"""The recruitment funnel: adding prospects, moving them identified → contacted → qualified → agreement sent →
signed (or declined), what the fit score reads about them, and the board and detail pages' data.
Signing hands the partner over to onboarding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import channelbase.recruitment.access  # noqa: F401  (registers the visibility rules of the models read here)
from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Conflict, InvalidInput, NotFound
from channelbase.partners import service as partners
from channelbase.partners.common import check_version, require_staff, require_territory_in_scope
from channelbase.partners.models import Contact, Partner, PartnerStatus, Territory
from channelbase.partners.schemas import PartnerCreate, PartnerUpdate
from channelbase.partners.territories import territory_and_below
from channelbase.recruitment.fit import FitScore, Scorer
from channelbase.recruitment.models import (
    STAGE_LABELS, STAGES, RecruitmentRecord, RecruitmentStageChange, Source, Stage,
)
from channelbase.recruitment.schemas import FitInputsIn, ProspectIn, StageMoveIn

PER_COLUMN = 25
MAX_PER_COLUMN = 500


def add_prospect(session: Session, actor: User, data: ProspectIn, *, now: datetime | None = None
                 ) -> RecruitmentRecord:
    """A prospective partner (status "prospect", refused if it exists already) and its record at "identified"."""
    require_staff(actor, "add prospects")
    now = now or utcnow()
    territory = require_territory_in_scope(session, actor, data.territory_id)
    owner_id = data.owner_id if data.owner_id is not None else actor.id if actor.id is not None else territory.owner_id
    partner = partners.create_partner(session, actor, PartnerCreate(
        name=data.name, type=data.type, status=PartnerStatus.PROSPECT, territory_id=territory.id,
        country=data.country, city=data.city, website=data.website, owner_id=owner_id, currency=territory.currency))
    session.flush()
    record = RecruitmentRecord(partner_id=partner.id, stage=Stage.IDENTIFIED, stage_changed_at=now,
                               source=data.source, industries=data.industries, skills=data.skills,
                               vendors=data.vendors, employees=data.employees, notes=data.notes)
    session.add(record)
    session.add(RecruitmentStageChange(partner_id=partner.id, from_stage=None, to_stage=Stage.IDENTIFIED,
                                       changed_at=now, changed_by_id=actor.id))
    session.flush()
    audit.record(session, actor, "create", record, None)
    return record


def get_record(session: Session, actor: User, partner_id: int) -> RecruitmentRecord:
    """The recruitment record of a live partner the actor sees, or NotFound."""
    record = session.scalar(visible(select(RecruitmentRecord), actor)
                            .join(Partner, Partner.id == RecruitmentRecord.partner_id)
                            .where(RecruitmentRecord.partner_id == partner_id, Partner.deleted_at.is_(None)))
    if record is None:
        raise NotFound(f"No prospect #{partner_id} in recruitment here, or you may not see it.")
    return record


def move_stage(session: Session, actor: User, partner_id: int, data: StageMoveIn, *, now: datetime | None = None
               ) -> RecruitmentRecord:
    """Move a prospect to another stage (back, forward or to declined); signed is final and starts onboarding."""
    require_staff(actor, "move prospects through recruitment")
    now = now or utcnow()
    record = get_record(session, actor, partner_id)
    check_version(session, record, data.version)
    if record.stage == Stage.SIGNED:
        raise Conflict("This partner signed already and is onboarding: a signed agreement does not move back.")
    if data.stage == record.stage:
        raise InvalidInput(f"The prospect is at {STAGE_LABELS[data.stage]} already: pick another stage.",
                           field_errors={"stage": "already at this stage"})
    if data.signed_on is not None and data.signed_on > now.date():
        raise InvalidInput("The agreement cannot be signed in the future.", field_errors={"signed_on": "in the future"})
    before = audit.snapshot(record)
    session.add(RecruitmentStageChange(partner_id=partner_id, from_stage=record.stage, to_stage=data.stage,
                                       changed_at=now, changed_by_id=actor.id))
    record.stage, record.stage_changed_at = data.stage, now
    if data.stage == Stage.SIGNED:
        record.signed_at = now
    session.flush()
    audit.record(session, actor, "move", record, before)
    if data.stage == Stage.SIGNED:
        _hand_over_to_onboarding(session, actor, partner_id, data.signed_on or now.date())
    return record


def _hand_over_to_onboarding(session: Session, actor: User, partner_id: int, signed_on: date) -> None:
    """A signed prospect becomes an onboarding partner, with its onboarding journey started."""
    from channelbase.onboarding.journeys import start_journey  # onboarding builds on recruitment, not the reverse

    partner = partners.get_partner(session, actor, partner_id)
    if partner.status == PartnerStatus.PROSPECT:  # never demote a partner someone made active meanwhile
        partners.update_partner(session, actor, partner_id,
                                PartnerUpdate(version=partner.version, status=PartnerStatus.ONBOARDING))
    start_journey(session, actor, partner_id, agreement_signed_on=signed_on)


def update_fit_inputs(session: Session, actor: User, partner_id: int, data: FitInputsIn) -> RecruitmentRecord:
    """What the fit score reads about a prospect: industries, skills, vendors, employees (and notes)."""
    require_staff(actor, "edit prospects")
    record = get_record(session, actor, partner_id)
    check_version(session, record, data.version)
    before = audit.snapshot(record)
    for name, value in data.model_dump(exclude={"version"}).items():
        setattr(record, name, value)
    audit.record(session, actor, "update", record, before)
    return record


# Reading: the board and a prospect's page ------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    partner: Partner
    record: RecruitmentRecord
    fit: FitScore
    days_in_stage: int

    @property
    def from_application(self) -> bool:
        return self.record.source == Source.APPLICATION


@dataclass(frozen=True)
class Column:
    stage: str
    label: str
    cards: list[Card]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def _board_query(actor: User, columns: tuple, territory_id: int | None, partner_type: str | None):
    stmt = (visible(select(*columns), actor, RecruitmentRecord)
            .join(Partner, Partner.id == RecruitmentRecord.partner_id).where(Partner.deleted_at.is_(None)))
    if territory_id is not None:
        stmt = stmt.where(Partner.territory_id.in_(territory_and_below(territory_id)))
    if partner_type:
        stmt = stmt.where(Partner.type == partner_type)
    return stmt


def board(session: Session, actor: User, *, territory_id: int | None = None, partner_type: str | None = None,
          expand: str | None = None, today: date | None = None) -> list[Column]:
    """A column per stage with its prospects (longest waiting first; signed and declined newest first), each
    scored: a fixed number of queries however many cards."""
    require_staff(actor, "read the recruitment board")
    today = today or utcnow().date()
    stmt = _board_query(actor, (RecruitmentRecord, Partner), territory_id, partner_type)
    totals = dict(session.execute(_board_query(actor, (RecruitmentRecord.stage, func.count()), territory_id,
                                               partner_type).group_by(RecruitmentRecord.stage)).all())
    scorer = Scorer(session)
    columns = []
    for stage in STAGES:
        final = stage in (Stage.SIGNED, Stage.DECLINED)
        order = RecruitmentRecord.stage_changed_at.desc() if final else RecruitmentRecord.stage_changed_at.asc()
        limit = MAX_PER_COLUMN if expand == stage else PER_COLUMN
        rows = session.execute(stmt.where(RecruitmentRecord.stage == stage)
                               .order_by(order, RecruitmentRecord.id).limit(limit)).all() if totals.get(stage) else []
        cards = [Card(partner, record, scorer.score(partner, record), (today - record.stage_changed_at.date()).days)
                 for record, partner in rows]
        columns.append(Column(stage, STAGE_LABELS[stage], cards, totals.get(stage, 0)))
    return columns


@dataclass(frozen=True)
class HistoryLine:
    change: RecruitmentStageChange
    by: str | None


@dataclass(frozen=True)
class ProspectDetail:
    partner: Partner
    record: RecruitmentRecord
    territory: Territory
    fit: FitScore
    history: list[HistoryLine]
    contacts: list[Contact]


def prospect_detail(session: Session, actor: User, partner_id: int) -> ProspectDetail:
    """A prospect with its fit score explained, its stage history and its contacts."""
    require_staff(actor, "read prospects")
    record = get_record(session, actor, partner_id)
    partner = partners.get_partner(session, actor, partner_id)
    territory = session.get_one(Territory, partner.territory_id)
    history = [HistoryLine(change, name) for change, name in session.execute(
        visible(select(RecruitmentStageChange, User.name), actor, RecruitmentStageChange)
        .outerjoin(User, User.id == RecruitmentStageChange.changed_by_id)
        .where(RecruitmentStageChange.partner_id == partner_id)
        .order_by(RecruitmentStageChange.changed_at, RecruitmentStageChange.id))]
    contacts = partners.list_contacts(session, actor, partner_id=partner_id, per_page=10).items
    return ProspectDetail(partner, record, territory, Scorer(session).score(partner, record), history, contacts)
