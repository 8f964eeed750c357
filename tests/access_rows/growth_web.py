"""Access rows of the growth pages (channelbase/growth/web.py): the dashboard, quotas and plan rates are for
managers and admins; only admins set quotas, plan rates and the fiscal calendar. The quota below is Brazil's,
in Lucía's region: Nathan does not see it."""

from __future__ import annotations

from tests.access_policies import A_ROW, ADMIN, A_TERRITORY_PAGE, STAFF

ROWS = {
    ("GET", "/growth"): STAFF,
    ("GET", "/growth/export"): STAFF,
    ("GET", "/growth/partners"): STAFF,
    ("GET", "/growth/quotas"): STAFF,
    ("POST", "/growth/quotas"): ADMIN,
    ("GET", "/growth/quotas/{quota_id}"): A_TERRITORY_PAGE,
    ("POST", "/growth/quotas/{quota_id}"): ADMIN,
    ("POST", "/growth/quotas/{quota_id}/delete"): ADMIN,
    ("POST", "/growth/fiscal-calendar"): ADMIN,
    ("GET", "/growth/plan-rates"): STAFF,
    ("POST", "/growth/plan-rates"): ADMIN,
    # A forecast call on partner A's deal: staff who see the deal; the other manager does not see it.
    ("POST", "/opportunities/{opportunity_id}/forecast"): A_TERRITORY_PAGE,
    # Brazil's standing through the API: managers of other regions do not see the territory.
    ("GET", "/api/v1/growth/standing/{scope}/{target_id}"): A_TERRITORY_PAGE,
    # Partner A's scorecard and QBR pack: its manager and its own users; nobody else sees partner A.
    ("GET", "/partners/{partner_id}/scorecard"): A_ROW,
    ("GET", "/partners/{partner_id}/qbr.pdf"): A_ROW,
}

BODIES = {
    ("POST", "/opportunities/{opportunity_id}/forecast"): lambda world: {"category": "commit"},
}


def make_ids(db, actor) -> dict[str, int | str]:
    from channelbase.growth import quotas
    from channelbase.partners.models import Territory
    from sqlalchemy import select
    brazil = db.scalar(select(Territory.id).where(Territory.name == "Brazil"))
    quota = quotas.set_quota(db, actor("admin"), quotas.QuotaIn(fiscal_year=2026, scope="territory",
                                                                target_id=brazil, amount="100000"))
    db.flush()
    return {"quota_id": quota.id, "scope": "territory", "target_id": brazil}
