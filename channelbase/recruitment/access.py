"""Who may read recruitment rows. Recruitment is the vendor's own work about prospects: managers read the rows
of their territories' partners, admins everything (the helper's default), partner users nothing.
Imported by every module that reads these models, so the rules are registered before the first query."""

from __future__ import annotations

from sqlalchemy import false, true

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import managed_territory_ids, rule_for, visible_partner_ids
from channelbase.recruitment.models import (
    CoverageTarget, FitCriterion, PartnerApplication, RecruitmentRecord, RecruitmentStageChange,
)


@rule_for(CoverageTarget)
def _coverage_target_rule(actor: User):
    if actor.role == Role.MANAGER:
        return CoverageTarget.territory_id.in_(managed_territory_ids(actor))
    return false()


def _prospect_row_rule(model):
    def rule(actor: User):
        if actor.role == Role.MANAGER:
            return model.partner_id.in_(visible_partner_ids(actor))
        return false()
    return rule


rule_for(RecruitmentRecord)(_prospect_row_rule(RecruitmentRecord))
rule_for(RecruitmentStageChange)(_prospect_row_rule(RecruitmentStageChange))
rule_for(PartnerApplication)(_prospect_row_rule(PartnerApplication))


@rule_for(FitCriterion)
def _fit_criterion_rule(actor: User):
    # The scoring rules are the programme's settings: managers read them (to understand a score), admins edit.
    return true() if actor.role == Role.MANAGER else false()
