"""Sending a survey: one invitation per contact of the visible partners matching the filters, each e-mailed
in the contact's language with a personal link (or shown in the portal only). Contacts asked before are
skipped, so sending again after adding partners asks only the new ones."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.service import token_digest
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.config import Settings
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.core.i18n import normalise
from channelbase.core.mail import MailError
from channelbase.partners.common import require_staff
from channelbase.partners.models import Contact, Partner, PartnerStatus
from channelbase.partners.schemas import PartnerFilter
from channelbase.partners.service import partner_query
from channelbase.surveys import access, mails  # noqa: F401 - access: the visibility rules of survey rows
from channelbase.surveys.models import Channel, Survey, SurveyInvitation, SurveyStatus
from channelbase.surveys.schemas import Audience, SendIn

# One request sends at most this many e-mails: more would hold the transaction open for minutes.
MAX_PER_SEND = 1000
SURVEYED_STATUSES = (PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE)
COUNTS = ("partners", "invited", "already", "no_contact", "no_account", "failed")


@dataclass
class SendResult:
    partners: int = 0       # partners matching the filters
    invited: int = 0        # new invitations sent (e-mailed, or shown in the portal)
    already: int = 0        # contacts asked before: skipped
    no_contact: int = 0     # matching partners without a contact to ask
    no_account: int = 0     # portal only: contacts without a portal user
    failed: int = 0         # e-mails the SMTP server did not take (sending again retries them)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> SendResult:
        """The result again from its counts (the page after sending reads them from its URL)."""
        result = cls()
        for name in COUNTS:
            setattr(result, name, counts.get(name, 0))
        return result

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def summary(self) -> str:
        parts = [f"Sent {self.invited} invitation{'s' if self.invited != 1 else ''} to contacts of "
                 f"{self.partners} partner{'s' if self.partners != 1 else ''}"]
        if self.already:
            parts.append(f"{self.already} already invited (skipped)")
        if self.no_contact:
            parts.append(f"{self.no_contact} partner{'s' if self.no_contact != 1 else ''} without a matching contact")
        if self.no_account:
            parts.append(f"{self.no_account} without a portal account")
        if self.failed:
            reason = self.errors[0] if self.errors else "the SMTP server refused them"
            parts.append(f"{self.failed} e-mail{'s' if self.failed != 1 else ''} not sent ({reason}): "
                         "check the CHANNELBASE_SMTP_* settings, then send again to retry")
        return "; ".join(parts) + "."


def _partner_ids(actor: User, data: SendIn):
    """The ids of the visible, live partners matching the filters (a subquery: there may be thousands)."""
    filters = PartnerFilter(territory_id=data.territory_id, type=data.type, tier=data.tier)
    return partner_query(actor, filters).where(Partner.status.in_(SURVEYED_STATUSES)).with_only_columns(Partner.id)


def _contacts(session: Session, actor: User, partner_ids, data: SendIn) -> list[Contact]:
    stmt = visible(select(Contact), actor).where(Contact.partner_id.in_(partner_ids))
    if data.audience == Audience.PRIMARY:
        stmt = stmt.where(Contact.is_primary.is_(True))
    if data.role is not None:
        stmt = stmt.where(Contact.role == data.role)
    # One more than allowed is enough to refuse the send.
    return list(session.scalars(stmt.order_by(Contact.partner_id, Contact.name, Contact.id).limit(MAX_PER_SEND + 1)))


def _portal_emails(session: Session, emails: list[str]) -> set[str]:
    """Which of these addresses belong to an active partner user (who can answer in the portal)."""
    found = session.scalars(select(func.lower(User.email)).where(
        func.lower(User.email).in_([email.lower() for email in emails]), User.role == Role.PARTNER, User.is_active))
    return set(found)


def send_survey(session: Session, actor: User, data: SendIn, settings: Settings, *,
                now: datetime | None = None) -> SendResult:
    """Invite the chosen contacts of the visible partners matching the filters; returns the counts."""
    require_staff(actor, "send surveys")
    now = now or utcnow()
    survey = get_visible(session, actor, Survey, data.survey_id)
    if survey.status == SurveyStatus.CLOSED:
        raise Conflict(f"{survey.name} is closed: create a new survey to ask again.")
    partner_ids = _partner_ids(actor, data)
    contacts = _contacts(session, actor, partner_ids, data)
    if len(contacts) > MAX_PER_SEND:
        raise InvalidInput(f"That would ask more than {MAX_PER_SEND} contacts at once. Narrow the filters (a "
                           "territory, a type or a tier) and send in parts.",
                           field_errors={"territory_id": "too many contacts"})
    matching = session.scalar(select(func.count()).select_from(partner_ids.subquery())) or 0
    by_id = {p.id: p for p in session.scalars(select(Partner).where(
        Partner.id.in_({c.partner_id for c in contacts})))} if contacts else {}
    result = SendResult(partners=matching, no_contact=matching - len(by_id))
    existing = {inv.contact_id: inv for inv in session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.contact_id.in_([c.id for c in contacts])))}
    reachable = _portal_emails(session, [c.email for c in contacts]) if data.channel == Channel.PORTAL else set()
    for contact in contacts:
        invitation = existing.get(contact.id)
        if invitation is not None and invitation.sent_at is not None:
            result.already += 1
        elif data.channel == Channel.PORTAL and contact.email.lower() not in reachable:
            result.no_account += 1
        else:
            _invite(session, actor, survey, contact, by_id[contact.partner_id], invitation, data.channel, settings,
                    now, result)
    if result.invited:
        _mark_sent(session, actor, survey, now)
    return result


def _invite(session: Session, actor: User, survey: Survey, contact: Contact, partner: Partner,
            invitation: SurveyInvitation | None, channel: str, settings: Settings, now: datetime,
            result: SendResult) -> None:
    """Make (or, after a failed e-mail, renew) one invitation and send it."""
    secret = secrets.token_urlsafe(32)
    language = normalise(contact.language) or "en"
    if invitation is None:
        invitation = SurveyInvitation(survey_id=survey.id, partner_id=partner.id, contact_id=contact.id)
        session.add(invitation)
    invitation.token_hash, invitation.language, invitation.channel = token_digest(secret), language, channel
    invitation.sent_by_id = actor.id
    session.flush()
    if channel == Channel.EMAIL:
        try:
            mails.send(settings, mails.invitation(settings, survey, contact, partner, actor.name, secret, language))
        except MailError as exc:
            result.failed += 1
            result.errors.append(exc.message)
            return
    invitation.sent_at = now
    audit.record(session, actor, "send", invitation, None)
    result.invited += 1


def _mark_sent(session: Session, actor: User, survey: Survey, now: datetime) -> None:
    if survey.status == SurveyStatus.DRAFT:
        before = audit.snapshot(survey)
        survey.status, survey.sent_at = SurveyStatus.SENT, now
        audit.record(session, actor, "update", survey, before)
