"""Access rows of onboarding (channelbase/onboarding/web.py): staff read the journeys of the partners they
see and tick their steps; admins write the templates. The journey in the URLs is partner A's, so partner A's
manager (Lucía) reaches it, Nathan (US East) finds nothing, and partner users are refused."""

from __future__ import annotations

from tests.access_policies import A_TERRITORY_PAGE, ADMIN, STAFF

AUTO_IDS = True

ROWS = {
    ("GET", "/onboarding"): STAFF,
    ("GET", "/partners/{partner_id}/onboarding"): A_TERRITORY_PAGE,
    ("POST", "/partners/{partner_id}/onboarding/start"): A_TERRITORY_PAGE,
    ("POST", "/onboarding/steps/{step_id}/done"): A_TERRITORY_PAGE,
    ("POST", "/onboarding/steps/{step_id}/undone"): A_TERRITORY_PAGE,
    ("GET", "/onboarding/templates"): ADMIN,
    ("POST", "/onboarding/templates"): ADMIN,
    ("POST", "/onboarding/templates/{template_id}"): ADMIN,
}

BODIES = {
    ("POST", "/partners/{partner_id}/onboarding/start"): lambda world: dict(agreement_signed_on="2026-11-02"),
    ("POST", "/onboarding/steps/{step_id}/done"): lambda world: dict(version="1"),
    ("POST", "/onboarding/steps/{step_id}/undone"): lambda world: dict(version="1"),
    ("POST", "/onboarding/templates"): lambda world: dict(name="Matrix template", partner_type="si", active="1",
                                                          steps="Kick-off\nFirst deal | first_registration"),
    ("POST", "/onboarding/templates/{template_id}"): lambda world: dict(version="1", name="Matrix MSP template",
                                                                        partner_type="msp", steps="Kick-off"),
}


def make_ids(db, actor) -> dict[str, int]:
    """Partner A's journey (its first step still open) and an inactive MSP template."""
    from channelbase.onboarding import journey_templates, journeys
    from channelbase.onboarding.schemas import TemplateIn
    from channelbase.partners.models import Partner
    from sqlalchemy import select
    abertas = db.scalar(select(Partner.id).where(Partner.name == "Soluções Abertas Ltda."))
    journey = journeys.start_journey(db, actor("lucia"), abertas)
    template = journey_templates.create_template(db, actor("admin"), TemplateIn(
        name="Matrix MSP", partner_type="msp", active=False, steps="Kick-off"))
    db.flush()
    return {"step_id": journeys.steps_of(db, [journey.id])[journey.id][0].id, "template_id": template.id}
