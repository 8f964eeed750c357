"""Who may read sell-out rows: the visibility rules of its models, and who may upload and review.

A distributor's partner users see and upload only their own files; managers see the files of the
distributors in their territories; admins see everything. Resellers never see a distributor's file (the
rule keys on the distributor). Aliases and the review queue are the vendor's: partner users never read them.
"""

from __future__ import annotations

from sqlalchemy import exists, false, select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import condition, get_visible, rule_for, visible_partner_ids
from channelbase.core.errors import InvalidInput, NotPermitted
from channelbase.partners.models import Partner, PartnerType
from channelbase.sellout.models import SelloutAlias, SelloutFile, SelloutFileContent, SelloutLine, SelloutMapping

NOT_A_DISTRIBUTOR = "Sell-out files come from distributors: this page is for distributors' users and channel staff."


def _distributor_rule(column):
    def rule(actor: User):
        if actor.role == Role.MANAGER:
            return column.in_(visible_partner_ids(actor))
        return column == actor.partner_id
    return rule


rule_for(SelloutFile)(_distributor_rule(SelloutFile.distributor_id))
rule_for(SelloutLine)(_distributor_rule(SelloutLine.distributor_id))
rule_for(SelloutMapping)(_distributor_rule(SelloutMapping.distributor_id))


@rule_for(SelloutFileContent)
def _content_rule(actor: User):
    return exists().where(SelloutFile.id == SelloutFileContent.file_id, condition(SelloutFile, actor))


@rule_for(SelloutAlias)
def _alias_rule(actor: User):
    if actor.role == Role.MANAGER:
        return SelloutAlias.distributor_id.in_(visible_partner_ids(actor))
    return false()


def is_distributor_user(session: Session, actor: User) -> bool:
    if not actor.is_partner or actor.partner_id is None:
        return False
    kind = session.scalar(select(Partner.type).where(Partner.id == actor.partner_id, condition(Partner, actor)))
    return kind == PartnerType.DISTRIBUTOR


def require_sellout_user(session: Session, actor: User) -> None:
    """Channel staff, or a user of a distributor; NotPermitted for everyone else."""
    if not actor.is_staff and not is_distributor_user(session, actor):
        raise NotPermitted(NOT_A_DISTRIBUTOR)


def require_staff(actor: User, what: str) -> None:
    if not actor.is_staff:
        raise NotPermitted(f"Only channel managers and admins may {what}.")


def distributor_for(session: Session, actor: User, distributor_id: int) -> Partner:
    """A live distributor the actor may see (a distributor's own users see only their own)."""
    partner = get_visible(session, actor, Partner, distributor_id)
    if partner.type != PartnerType.DISTRIBUTOR:
        raise InvalidInput(f"'{partner.name}' is not a distributor: sell-out files come from distributors.",
                           field_errors={"distributor_id": "not a distributor"})
    return partner
