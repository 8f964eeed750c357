"""Access rows of recruitment (channelbase/recruitment/web*.py): coverage, the board and prospects are for
managers and admins, the fit criteria for admins, the application form for anyone. The prospect in the URLs is
in Brazil, Lucía's region: Nathan does not see it, partner users are refused as such.

POST /apply: the matrix's body has no genuine form token (it is signed with the app's secret when the page is
served), so every actor gets the form back with a 422 about the data, never a refusal about access."""

from __future__ import annotations

from tests.access_policies import ADMIN, A_TERRITORY_PAGE, PUBLIC, STAFF

AUTO_IDS = True

ROWS = {
    ("GET", "/coverage"): STAFF,
    # Nathan names Brazil, not his: a 422 about the territory field.
    ("POST", "/coverage/targets"): STAFF,
    ("GET", "/recruitment"): STAFF,
    ("POST", "/recruitment/prospects"): STAFF,
    ("GET", "/recruitment/criteria"): ADMIN,
    ("POST", "/recruitment/criteria"): ADMIN,
    ("GET", "/recruitment/{prospect_id}"): A_TERRITORY_PAGE,
    ("POST", "/recruitment/{prospect_id}/stage"): A_TERRITORY_PAGE,
    ("POST", "/recruitment/{prospect_id}/fit"): A_TERRITORY_PAGE,
    ("GET", "/apply"): PUBLIC,
    ("POST", "/apply"): PUBLIC,
    ("GET", "/apply/thanks"): PUBLIC,
}

CRITERIA = {"weight_coverage_gap": "25", "weight_partner_type": "15", "wanted_partner_type": "var, msp",
            "weight_industries": "15", "wanted_industries": "Government", "weight_skills": "20",
            "wanted_skills": "linux, cloud", "weight_size": "10", "wanted_size": "20", "weight_vendors": "15",
            "wanted_vendors": "AWS"}

BODIES = {
    ("POST", "/coverage/targets"): lambda world: dict(territory_id=str(world.territories["brazil"]),
                                                      partner_type="var", target="6"),
    ("POST", "/recruitment/prospects"): lambda world: dict(name="Matrix Novo Prospecto Ltda.", type="var",
                                                           territory_id=str(world.territories["brazil"]),
                                                           country="BR"),
    ("POST", "/recruitment/criteria"): lambda world: dict(CRITERIA),
    ("POST", "/recruitment/{prospect_id}/stage"): lambda world: dict(version="1", stage="contacted"),
    ("POST", "/recruitment/{prospect_id}/fit"): lambda world: dict(version="1", skills="linux", employees="25"),
    ("POST", "/apply"): lambda world: dict(token="matrix", homepage="", company="Matrix Aplicante Ltda.",
                                           website="matrix-aplicante.com.br", country="BR", partner_type="var",
                                           contact_name="Matrix", email="matrix@matrix-aplicante.com.br",
                                           industries="Government", skills="linux", employees="12", consent="1"),
}


def make_ids(db, actor) -> dict[str, int]:
    """A prospect in Brazil, added by Lucía."""
    from sqlalchemy import select

    from channelbase.partners.models import Territory
    from channelbase.recruitment import funnel
    from channelbase.recruitment.schemas import ProspectIn
    brazil = db.scalar(select(Territory.id).where(Territory.name == "Brazil"))
    record = funnel.add_prospect(db, actor("lucia"), ProspectIn(name="Matrix Prospecto Ltda.", type="var",
                                                                territory_id=brazil, country="BR"))
    db.flush()
    return {"prospect_id": record.partner_id}
