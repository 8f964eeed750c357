"""Who may read event rows: events belong to a territory; partners, attendees and leads follow their event.

Admins see every event, managers the events of their territories and the territories below them. Events are
the vendor's own marketing (costs, leads not yet handed to anyone): partner users read none of it.
"""

from __future__ import annotations

from sqlalchemy import exists, false

from channelbase.auth.models import Role, User
from channelbase.auth.visibility import condition, managed_territory_ids, rule_for
from channelbase.events.models import Event, EventAttendee, EventLead, EventPartner


@rule_for(Event)
def _event_rule(actor: User):
    if actor.role == Role.MANAGER:
        return Event.territory_id.in_(managed_territory_ids(actor))
    return false()


def _row_of_event(model):
    # A correlated EXISTS: one event looked up per row, as the rows of a deal do (see auth/visibility.py).
    def rule(actor: User):
        return exists().where(Event.id == model.event_id, condition(Event, actor))
    return rule


rule_for(EventPartner)(_row_of_event(EventPartner))
rule_for(EventAttendee)(_row_of_event(EventAttendee))
rule_for(EventLead)(_row_of_event(EventLead))
