"""Who may read onboarding rows: a journey is visible with its partner; templates are staff reading."""

from __future__ import annotations

from sqlalchemy import exists, false, true

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import condition, partner_row_rule, rule_for
from channelbase.onboarding.models import JourneyTemplate, JourneyTemplateStep, PartnerJourney, PartnerJourneyStep


rule_for(PartnerJourney)(partner_row_rule(PartnerJourney))


@rule_for(PartnerJourneyStep)
def _journey_step_rule(actor: User):
    return exists().where(PartnerJourney.id == PartnerJourneyStep.journey_id, condition(PartnerJourney, actor))


# Templates describe the programme, not a partner: managers read them (admins edit them); partners do not.
@rule_for(JourneyTemplate)
def _template_rule(actor: User):
    return true() if actor.role == Role.MANAGER else false()


@rule_for(JourneyTemplateStep)
def _template_step_rule(actor: User):
    return true() if actor.role == Role.MANAGER else false()
