"""Who may read survey rows. Every survey module imports this one, so the rules exist wherever they are read.

Surveys themselves are the vendor's questionnaires: every manager reads them, and a partner user reads those
their partner was invited to. Invitations belong to a partner, like its contacts. Answers are the vendor's
measure of a partner: managers read those of their territories' partners; partner users read none (they see
their own invitation, answered or not)."""

from __future__ import annotations

from sqlalchemy import false, select, true

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import partner_row_rule, rule_for, visible_partner_ids
from channelbase.surveys.models import Survey, SurveyAnswer, SurveyInvitation


@rule_for(Survey)
def _survey_rule(actor: User):
    if actor.role == Role.MANAGER:
        return true()
    return Survey.id.in_(select(SurveyInvitation.survey_id).where(SurveyInvitation.partner_id == actor.partner_id))


rule_for(SurveyInvitation)(partner_row_rule(SurveyInvitation))


@rule_for(SurveyAnswer)
def _answer_rule(actor: User):
    if actor.role == Role.MANAGER:
        return SurveyAnswer.partner_id.in_(visible_partner_ids(actor))
    return false()
