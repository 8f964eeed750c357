"""Plans through the pages: the manager drafts a plan on the partner's plan page (a panel of the partner page
too), the partner signs it in the portal, the manager revises it; the list of plans, and the plan in the
scorecard and QBR pack. Portal assertions avoid wording: Ana reads Portuguese once the catalogues have it."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from channelbase.plans.models import BusinessPlan, PlanCommitment


def _plan(db, partner_id: int) -> BusinessPlan:
    db.expire_all()
    return db.scalars(select(BusinessPlan).where(BusinessPlan.partner_id == partner_id)
                      .order_by(BusinessPlan.revision.desc())).first()


def _draft_through_the_page(client, db, partner_id: int) -> BusinessPlan:
    created = client.post(f"/partners/{partner_id}/plan", data={"objectives": "Win the public sector"})
    assert created.status_code == 303 and "notice=created" in created.headers["location"]
    plan = _plan(db, partner_id)
    added = client.post(f"/plans/{plan.id}/commitments", data={"side": "partner", "kind": "bookings",
                                                               "q1": "10000.00", "q2": "20000.00", "q3": "", "q4": ""})
    assert added.status_code == 303
    client.post(f"/plans/{plan.id}/commitments", data={"side": "vendor", "kind": "custom", "q1": "2",
                                                      "description": "Two joint webinars"})
    return _plan(db, partner_id)


def test_a_manager_drafts_a_plan_and_bad_input_shows_beside_the_field(client_as, db, world):
    lucia = client_as("lucia")
    abertas = world.partners["abertas"]
    empty = lucia.get(f"/partners/{abertas}/plan")
    assert empty.status_code == 200 and "has no business plan" in empty.text
    plan = _draft_through_the_page(lucia, db, abertas)
    page = lucia.get(f"/partners/{abertas}/plan")
    assert "Win the public sector" in page.text and "Two joint webinars" in page.text
    assert 'id="plan-status">Draft' in page.text
    again = lucia.post(f"/partners/{abertas}/plan", data={"fiscal_year": str(plan.fiscal_year)})
    assert again.status_code == 409
    assert f"Soluções Abertas Ltda. already has a plan for FY{plan.fiscal_year} (draft): edit it or revise it" \
        in again.text
    negative = lucia.post(f"/plans/{plan.id}/commitments", data={"side": "partner", "kind": "registrations",
                                                                "q1": "-1", "q2": "3"})
    assert negative.status_code == 422 and "cannot be negative" in negative.text
    zeros = lucia.post(f"/plans/{plan.id}/commitments", data={"side": "partner", "kind": "registrations",
                                                             "q1": "0", "q2": "0", "q3": "0", "q4": "0"})
    assert zeros.status_code == 422 and "at least one quarter" in zeros.text.lower()
    unknown = lucia.post(f"/plans/{plan.id}/commitments", data={"side": "partner", "kind": "revenue", "q1": "1"})
    assert unknown.status_code == 422
    commitment = db.scalars(select(PlanCommitment).where(PlanCommitment.plan_id == plan.id,
                                                         PlanCommitment.kind == "bookings")).one()
    edited = lucia.post(f"/plans/{plan.id}/commitments/{commitment.id}", data={
        "version": str(commitment.version), "side": "partner", "kind": "bookings", "q1": "15000.00"})
    assert edited.status_code == 303
    db.expire_all()
    assert commitment.targets == (1500000, 0, 0, 0)
    removed = lucia.post(f"/plans/{plan.id}/commitments/{commitment.id}/delete",
                         data={"version": str(commitment.version)})
    assert removed.status_code == 303
    assert db.scalar(select(PlanCommitment.id).where(PlanCommitment.id == commitment.id)) is None


def test_the_panel_is_a_fragment_for_htmx_and_a_page_otherwise(client_as, world):
    lucia = client_as("lucia")
    url = f"/partners/{world.partners['abertas']}/plan"
    fragment = lucia.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="business-plan"' in fragment.text
    page = lucia.get(url)
    assert "<html" in page.text and 'id="business-plan"' in page.text and page.headers["vary"] == "HX-Request"
    assert client_as("ana").get(url).status_code == 403
    assert client_as("nathan").get(url).status_code == 404


def test_the_partner_signs_in_the_portal_and_the_plan_is_locked(client_as, db, world):
    lucia, ana = client_as("lucia"), client_as("ana")
    abertas = world.partners["abertas"]
    plan = _draft_through_the_page(lucia, db, abertas)
    portal = ana.get("/portal/plan")
    assert portal.status_code == 200 and "Win the public sector" in portal.text and 'name="agree"' in portal.text
    unticked = ana.post("/portal/plan/sign", data={"plan_id": plan.id, "version": plan.version})
    assert unticked.status_code == 422 and _plan(db, abertas).status == "draft"
    stale = ana.post("/portal/plan/sign", data={"plan_id": plan.id, "version": plan.version - 1, "agree": "1"})
    assert stale.status_code == 409 and _plan(db, abertas).status == "draft"
    signed = ana.post("/portal/plan/sign", data={"plan_id": plan.id, "version": plan.version, "agree": "1"})
    assert signed.status_code == 303 and "signed=1" in signed.headers["location"]
    plan = _plan(db, abertas)
    assert plan.status == "signed" and plan.locked and plan.signed_by_id == world.users["ana"]
    assert 'name="agree"' not in ana.get("/portal/plan").text
    page = lucia.get(f"/partners/{abertas}/plan")
    assert 'id="plan-locked"' in page.text and "Revision 1 signed" in page.text and "by Ana Souza" in page.text
    refused = lucia.post(f"/plans/{plan.id}/commitments", data={"side": "partner", "kind": "registrations",
                                                               "q1": "1"})
    assert refused.status_code == 409 and "signed plans are locked; start a revision" in refused.text
    revised = lucia.post(f"/plans/{plan.id}/revise", data={"version": plan.version, "reason": "Bigger Q4"})
    assert revised.status_code == 303
    latest = _plan(db, abertas)
    assert (latest.revision, latest.status) == (2, "draft")
    assert "Revision 2 revised" in lucia.get(f"/partners/{abertas}/plan").text


def test_another_partner_cannot_see_or_sign_the_plan(client_as, db, world):
    plan = _draft_through_the_page(client_as("lucia"), db, world.partners["abertas"])
    bruno = client_as("bruno")
    page = bruno.get("/portal/plan")
    assert page.status_code == 200 and "Win the public sector" not in page.text
    assert bruno.post("/portal/plan/sign", data={"plan_id": plan.id, "version": plan.version,
                                                 "agree": "1"}).status_code == 404
    assert client_as("dora").post("/portal/plan/sign", data={"plan_id": plan.id, "version": plan.version,
                                                              "agree": "1"}).status_code == 404
    assert _plan(db, world.partners["abertas"]).status == "draft"


def test_an_admin_viewing_as_the_partner_reads_but_cannot_sign(client_as, db, world):
    plan = _draft_through_the_page(client_as("lucia"), db, world.partners["abertas"])
    admin = client_as("admin")
    started = admin.post(f"/portal/view-as/{world.users['ana']}")
    admin.cookies.set("cb_view_as", started.cookies["cb_view_as"])
    page = admin.get("/portal/plan")
    assert page.status_code == 200 and "Win the public sector" in page.text
    assert re.search(r'<button type="submit" class="primary"\s+disabled', page.text)
    refused = admin.post("/portal/plan/sign", data={"plan_id": plan.id, "version": plan.version, "agree": "1"})
    assert refused.status_code == 403 and _plan(db, world.partners["abertas"]).status == "draft"


def test_the_list_of_plans_filters_and_links_to_each(client_as, db, world):
    lucia = client_as("lucia")
    plan = _draft_through_the_page(lucia, db, world.partners["abertas"])
    page = lucia.get(f"/plans?fiscal_year={plan.fiscal_year}")
    assert page.status_code == 200 and "Soluções Abertas Ltda." in page.text
    assert f'href="/partners/{world.partners["abertas"]}/plan?year={plan.fiscal_year}"' in page.text
    assert "Soluções Abertas" not in lucia.get(f"/plans?fiscal_year={plan.fiscal_year}&status=signed").text
    assert "Soluções Abertas" not in client_as("nathan").get(f"/plans?fiscal_year={plan.fiscal_year}").text
    bad = lucia.get("/plans?status=bogus")
    assert bad.status_code == 422
    assert client_as("ana").get("/plans").status_code == 403


def test_the_scorecard_and_qbr_pack_show_the_plan(client_as, db, world):
    lucia = client_as("lucia")
    abertas = world.partners["abertas"]
    _draft_through_the_page(lucia, db, abertas)
    card = lucia.get(f"/partners/{abertas}/scorecard")
    assert card.status_code == 200 and "Joint business plan" in card.text and "Two joint webinars" in card.text
    assert 'data-kind="bookings"' in card.text
    assert "Not tracked yet: arrives with enablement" not in card.text
    pdf = lucia.get(f"/partners/{abertas}/qbr.pdf?lang=en")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Joint business plan" in text and "Two joint webinars" in text
