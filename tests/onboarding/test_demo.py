"""The demo's onboarding loader: templates, one journey per partner being onboarded, some steps done."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from channelbase.onboarding.demo import load_onboarding
from channelbase.onboarding.models import JourneyTemplate, PartnerJourney


def test_the_demo_starts_a_journey_for_each_partner_being_onboarded(db, new_partner):
    var, msp = new_partner("Demo VAR Ltda."), new_partner("Demo MSP Ltda.", type="msp")
    new_partner("Demo Ativa Ltda.", status="active")
    counts = load_onboarding(db, date(2026, 12, 1))
    assert counts["journey_templates"] == 2 and counts["partner_journeys"] == 2
    assert counts["journey_steps_done"] >= 2  # every journey has its agreement signed
    by_partner = {j.partner_id: j for j in db.scalars(select(PartnerJourney))}
    assert set(by_partner) == {var.id, msp.id}
    var_template = db.scalar(select(JourneyTemplate.id).where(JourneyTemplate.name == "VAR onboarding"))
    assert by_partner[var.id].template_id == var_template and by_partner[msp.id].template_id is None
    assert all(date(2026, 8, 3) <= j.started_on <= date(2026, 11, 26) for j in by_partner.values())
