"""The enablement panel of a partner's page, for staff: its certified sellers and pre-sales engineers
against what its tier and the next one ask, its progress towards the next tier, and enrolments to come."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.core.base import utcnow
from channelbase.deals.fx import require_staff
from channelbase.enablement import tiers
from channelbase.enablement.certifications import CertificationLine, certifications_of_partner
from channelbase.enablement.enrolments import enrolments_of_partner
from channelbase.enablement.models import Course, CourseKind, Enrolment, TrainingSession
from channelbase.enablement.tier_measures import Metrics, Requirement, evaluate, measure
from channelbase.partners.models import Contact, Partner

PEOPLE_KEYS = {CourseKind.SALES: "certified_sales", CourseKind.PRESALES: "certified_presales"}


@dataclass(frozen=True)
class PeopleLine:
    """Certified people of one kind: who holds what, how many, and what the tiers ask."""

    kind: str
    key: str
    certifications: list[CertificationLine]
    people: int
    own_need: int  # what the partner's tier asks (0: nothing)
    next_need: int | None  # what the next tier asks (None: no tier above)

    @property
    def short_of_own(self) -> int:
        return max(0, self.own_need - self.people)


@dataclass(frozen=True)
class EnablementPanel:
    partner: Partner
    metrics: Metrics
    people: list[PeopleLine]
    other: list[CertificationLine]  # valid certifications of other kinds (technical)
    lapsed: int  # certifications no longer valid, not counted
    own: list[Requirement]  # the partner's own tier, met or not
    upper: str | None
    progress: list[Requirement]  # the next tier's requirements
    enrolments: list[tuple[Enrolment, Contact, TrainingSession, Course]] = field(default_factory=list)


def _valid(line: CertificationLine, today) -> bool:
    certification = line.certification
    return certification.certified_on <= today and (certification.expires_on is None
                                                    or certification.expires_on >= today)


def enablement_panel(session: Session, actor: User, partner_id: int, *, now: datetime | None = None
                     ) -> EnablementPanel:
    """Everything the panel shows, for a partner the staff member sees."""
    require_staff(actor, "see a partner's enablement")
    partner = get_visible(session, actor, Partner, partner_id)
    now = now or utcnow()
    today = now.date()
    lines = certifications_of_partner(session, actor, partner.id)
    valid = [line for line in lines if _valid(line, today)]
    metrics = measure(session, [partner.id], today)[partner.id]
    table = tiers.tier_table(session, actor)
    upper = tiers.next_tier(partner.tier)
    own_needs, next_needs = table.needs(partner.tier), table.needs(upper) if upper else {}
    people = [PeopleLine(kind, key, [line for line in valid if line.course.kind == kind], int(metrics.value(key) or 0),
                         own_needs.get(key, 0), next_needs.get(key, 0) if upper else None)
              for kind, key in PEOPLE_KEYS.items()]
    return EnablementPanel(
        partner=partner, metrics=metrics, people=people,
        other=[line for line in valid if line.course.kind not in PEOPLE_KEYS], lapsed=len(lines) - len(valid),
        own=evaluate(metrics, own_needs), upper=upper, progress=evaluate(metrics, next_needs),
        enrolments=enrolments_of_partner(session, actor, partner.id, now=now))
