"""Who may read health rows: staff only. A snapshot is visible with its partner; the weights are programme settings."""

from __future__ import annotations

from sqlalchemy import false, true

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import rule_for, visible_partner_ids
from channelbase.health.models import HealthSnapshot, HealthWeight


# Health is the vendor's own judgement of a partner, so partner users never read it (like activities).
@rule_for(HealthSnapshot)
def _snapshot_rule(actor: User):
    if actor.role == Role.MANAGER:
        return HealthSnapshot.partner_id.in_(visible_partner_ids(actor))
    return false()


@rule_for(HealthWeight)
def _weight_rule(actor: User):
    return true() if actor.role == Role.MANAGER else false()
