"""Tier pages through the app: the requirements table (staff read it, admins save it), the compliance view
(ready to promote / to review, with evidence) and promoting from it, and the enablement panel of a partner."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.enablement import compliance, tiers
from channelbase.partners.models import Partner
from tests.enablement.test_tiers import Built, _form, build_silver_ready

TODAY = date.today()


@pytest.fixture
def silver_ready(db, actor, world) -> Built:
    """Rede Prata, a Registered partner of Lucía's meeting every Silver requirement (see test_tiers.py)."""
    return build_silver_ready(db, actor, world)


# Requirements ------------------------------------------------------------------------------------

def test_managers_read_the_table_and_admins_save_it(client_as, db, actor):
    page = client_as("lucia").get("/tiers")
    assert page.status_code == 200 and "Only admins change the requirements." in page.text
    assert "People with a valid sales certification" in page.text and 'name="gold__bookings"' not in page.text
    admin = client_as("admin")
    form = admin.get("/tiers")
    assert 'name="gold__bookings"' in form.text and "(defaults)" in form.text
    table = tiers.tier_table(db, actor("admin"))
    saved = admin.post("/tiers", data=_form(table, gold__won_deals="7"))
    assert saved.status_code == 303 and saved.headers["location"] == "/tiers?saved=18"
    assert "18 minimums changed" in admin.get(saved.headers["location"]).text
    assert tiers.tier_table(db, actor("admin")).minimums["gold"]["won_deals"] == 7
    assert client_as("lucia").post("/tiers", data=_form(table)).status_code == 403
    assert client_as("ana").get("/tiers").status_code == 403


def test_the_form_explains_each_refusal_beside_its_field(client_as, db, actor):
    admin = client_as("admin")
    table = tiers.tier_table(db, actor("admin"))
    refused = admin.post("/tiers", data=_form(table, silver__certified_sales="2", gold__certified_sales="1",
                                               platinum__won_deals="-4"))
    assert refused.status_code == 422
    assert "cannot be negative: enter 0 or more" in refused.text and 'value="-4"' in refused.text
    fixed = admin.post("/tiers", data=_form(table, silver__certified_sales="2", gold__certified_sales="1"))
    assert fixed.status_code == 422
    assert ('<small class="error" id="e-gold__certified_sales" aria-live="polite">Gold asks for fewer certified '
            'sales people (1) than Silver (2)</small>') in fixed.text


def test_a_stale_table_form_is_refused_and_shows_what_was_not_saved(client_as, db, actor):
    admin = client_as("admin")
    opened = tiers.tier_table(db, actor("admin"))
    assert admin.post("/tiers", data=_form(opened, gold__won_deals="8")).status_code == 303
    late = admin.post("/tiers", data=_form(opened, platinum__won_deals="20"))
    assert late.status_code == 409 and "changed by Ada Admin" in late.text
    assert "Your changes that were not saved" in late.text and "Platinum · Deals won" in late.text
    assert tiers.tier_table(db, actor("admin")).minimums["platinum"]["won_deals"] == 15


# Compliance --------------------------------------------------------------------------------------

def test_compliance_lists_a_partner_ready_for_silver_and_one_to_review_with_evidence(db, actor, world,
                                                                                       silver_ready):
    view = compliance.compliance(db, actor("lucia"), compliance.ComplianceFilter(), today=TODAY)
    ready = {line.partner.name: line for line in view.ready.items}
    review = {line.partner.name: line for line in view.review.items}
    assert list(ready) == ["Rede Prata Ltda."] and ready["Rede Prata Ltda."].target == "silver"
    assert all(r.met for r in ready["Rede Prata Ltda."].evidence)
    assert {r.key: r.have for r in ready["Rede Prata Ltda."].evidence}["bookings"] == 51000
    abertas = review["Soluções Abertas Ltda."]  # gold, with one open deal and one registration
    assert abertas.target == "gold"
    assert {(r.key, r.have, r.need) for r in abertas.missing} == {
        ("bookings", 0, 250_000), ("won_deals", 0, 6), ("registrations", 1, 10), ("active_registrations", 1, 3),
        ("certified_sales", 0, 2), ("certified_presales", 0, 2)}
    assert "Northwind Systems Inc." not in review  # Nathan's territory
    assert view.checked == 4 and view.ready.total == 1 and view.review.total == 3


def test_compliance_filters_and_pages_each_list(db, actor, world, silver_ready):
    lucia = actor("lucia")
    only_gold = compliance.compliance(db, lucia, compliance.ComplianceFilter(tier="gold"), today=TODAY)
    assert only_gold.checked == 1 and only_gold.ready.total == 0
    mexico = compliance.compliance(db, lucia, compliance.ComplianceFilter(territory_id=world.territories["mexico"]))
    assert [line.partner.name for line in mexico.review.items] == ["Nube Bravo S.A. de C.V."]
    paged = compliance.compliance(db, lucia, compliance.ComplianceFilter(), per_page=2, review_page=2)
    assert paged.review.total == 3 and paged.review.page == 2 and len(paged.review.items) == 1
    db.get(Partner, silver_ready.partner_id).status = "prospect"  # prospects are not checked
    db.flush()
    assert compliance.compliance(db, lucia, compliance.ComplianceFilter()).ready.total == 0


def test_the_compliance_page_shows_evidence_links_and_empty_states(client_as, world, silver_ready):
    page = client_as("lucia").get("/tiers/compliance")
    assert page.status_code == 200
    main = page.text.split("<main")[-1]
    assert "Rede Prata Ltda." in main and "Promote to Silver" in main and "Move down to Silver" in main
    assert f'href="/opportunities?partner_id={silver_ready.partner_id}&amp;outcome=won' in main
    assert f'href="/partners/{silver_ready.partner_id}/enablement"' in main
    assert "Missing</span>" in main and "Met</span>" in main
    empty = client_as("lucia").get("/tiers/compliance?tier=platinum&type=msp")
    assert "No active or onboarding partner matches these filters." in empty.text
    nathan = client_as("nathan").get("/tiers/compliance").text
    assert "Rede Prata" not in nathan and "Northwind Systems Inc." in nathan
    assert client_as("bruno").get("/tiers/compliance").status_code == 403


def test_promoting_is_audited_and_a_stale_version_is_refused(client_as, db, world, silver_ready):
    partner = db.get(Partner, silver_ready.partner_id)
    version = partner.version
    lucia = client_as("lucia")
    done = lucia.post(f"/tiers/compliance/{partner.id}/tier?tier=registered",
                      data={"tier": "silver", "version": version})
    assert done.status_code == 303
    assert done.headers["location"] == f"/tiers/compliance?tier=registered&moved={partner.id}"
    assert "Rede Prata Ltda. is now Silver." in lucia.get(done.headers["location"]).text
    db.expire_all()
    assert db.get(Partner, partner.id).tier == "silver"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "partners",
                                                AuditEntry.entity_id == partner.id)
                       .order_by(AuditEntry.id.desc())).first()
    assert entry.action == "update" and entry.before["tier"] == "registered" and entry.after["tier"] == "silver"
    stale = lucia.post(f"/tiers/compliance/{partner.id}/tier", data={"tier": "gold", "version": version})
    assert stale.status_code == 409 and "after you opened it. Review and retry." in stale.text
    db.expire_all()
    assert db.get(Partner, partner.id).tier == "silver"
    assert client_as("nathan").post(f"/tiers/compliance/{partner.id}/tier",
                                    data={"tier": "gold", "version": version + 1}).status_code == 404


# The partner page's panel -----------------------------------------------------------------------

def test_the_enablement_panel_shows_certified_people_progress_and_enrolments(client_as, db, world, silver_ready):
    lucia = client_as("lucia")
    panel = lucia.get(f"/partners/{silver_ready.partner_id}/enablement", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "<html" not in panel.text and 'id="enablement"' in panel.text
    assert "Paula Vendas" in panel.text and "Prata sales II" in panel.text and "Rui Técnico" in panel.text
    assert (TODAY + timedelta(days=10)).isoformat() in panel.text  # Rui's certification expires then
    assert "Sara Antiga" not in panel.text and "1 lapsed certification not counted" in panel.text
    assert "Registered asks none · Silver asks 1" in panel.text and "Towards Silver" in panel.text
    assert "<progress" in panel.text and "No one is enrolled in a session to come." in panel.text
    page = lucia.get(f"/partners/{silver_ready.partner_id}/enablement")
    assert '<nav class="crumbs"' in page.text and "Enablement" in page.text



def test_the_panel_of_a_gold_partner_shows_what_it_lacks_and_its_enrolments(client_as, db, actor, world, training):
    from channelbase.enablement import enrolments
    enrolments.enrol(db, actor("lucia"), training.session_id, world.contacts["ana"])
    db.flush()
    gold = client_as("lucia").get(f"/partners/{world.partners['abertas']}/enablement",
                                  headers={"HX-Request": "true"}).text
    assert "Gold asks 2 — 2 short · Platinum asks 4" in gold and "To review" in gold
    assert "Towards Platinum" in gold and "Linux sales essentials" in gold and "Ana Souza" in gold


def test_the_panel_is_for_staff_who_see_the_partner(client_as, world, silver_ready):
    url = f"/partners/{world.partners['abertas']}/enablement"
    assert client_as("ana").get(url).status_code == 403
    assert client_as("bruno").get(url).status_code == 403
    assert client_as("nathan").get(url).status_code == 404
    assert client_as("admin").get(url).status_code == 200
