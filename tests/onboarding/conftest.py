"""New partners with nothing yet (no users, trainings, deals or QBRs), so every step starts open."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from channelbase.partners import service as partners
from channelbase.partners.models import Partner
from channelbase.partners.schemas import PartnerCreate
from tests.deals.deal_helpers import fresh_indexes  # noqa: F401  (autouse: no name index cached across tests)


@pytest.fixture
def new_partner(db, actor, world) -> Callable[..., Partner]:
    """new_partner('Name', type='var') -> a partner of Lucía's in Brazil, being onboarded."""
    def make(name: str = "Recém Chegada Ltda.", **fields) -> Partner:
        data = {**dict(name=name, type="var", status="onboarding", territory_id=world.territories["brazil"],
                       country="BR", owner_id=world.users["lucia"]), **fields}
        partner = partners.create_partner(db, actor("lucia"), PartnerCreate(**data))
        db.flush()
        return partner

    return make
