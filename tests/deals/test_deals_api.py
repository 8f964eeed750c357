"""Deal registrations, opportunities, pipeline totals, stages and programs through the JSON API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from channelbase.core.base import utcnow
from channelbase.deals import fx
from channelbase.deals.models import FxRate, Opportunity, Registration
from channelbase.matching.service import forget_account_indexes

TODAY = utcnow().date()
CLOSE = (TODAY + timedelta(days=60)).isoformat()


@pytest.fixture(autouse=True)
def fresh_indexes():
    """Rolled-back rows free their ids for the next test: start each test without a cached name index."""
    forget_account_indexes()
    yield
    forget_account_indexes()


@pytest.fixture
def brl(db, actor):
    fx.set_rate(db, actor("admin"), "BRL", date(2026, 1, 1), "0.18")
    db.flush()


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def registration(**overrides) -> dict:
    """A registration of a customer who is not an account yet."""
    return {"title": "Metalúrgica — Linux estate", "customer_name": "Metalúrgica Paulista Ltda.",
            "customer_country": "BR", "customer_website": "https://www.metalurgicapaulista.com.br",
            "amount": "10000.00", "currency": "BRL", "expected_close_date": CLOSE, **overrides}


def submitted(api, **overrides) -> dict:
    response = api.post("/api/v1/registrations", json=registration(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def opportunity(world, **overrides) -> dict:
    return {"name": "Banco Horizonte — observability", "account_id": world.accounts["brazil"],
            "partner_id": world.partners["abertas"], "amount": "10000.00", "currency": "USD", "close_date": CLOSE,
            **overrides}


# The registration lifecycle ---------------------------------------------------------------------

def test_a_registration_goes_from_submission_through_review_to_an_opportunity(api_as, brl):
    ana, bruno, lucia = api_as("ana"), api_as("bruno"), api_as("lucia")
    response = ana.post("/api/v1/registrations", json=registration())
    assert response.status_code == 201, response.text
    first = response.json()
    assert response.headers["location"] == f"/api/v1/registrations/{first['id']}"
    assert (first["status"], first["amount"], first["currency"], first["needs_review"]) == (
        "submitted", "10000.00", "BRL", False)
    assert first["reference"] == f"REG-{first['id']:06d}"
    # Bruno registers the same customer: the check flags it, but Bruno only hears "needs review".
    second = submitted(bruno, customer_name="Metalurgica Paulista", amount="5000.00", currency="USD")
    assert second["needs_review"] is True and second["conflict_count"] is None and second["conflicts"] is None

    review = lucia.get(f"/api/v1/registrations/{second['id']}").json()
    assert review["conflict_count"] == 1 and review["conflict_score"] >= 95
    found = {(c["kind"], c["id"]): c for c in review["conflicts"]}
    clash = found[("registration", first["id"])]
    assert clash["partner"] == "Soluções Abertas Ltda." and clash["reason"] in ("domain", "same name")
    assert clash["link"] == f"/registrations/{first['id']}" and clash["status"] == "submitted"
    assert lucia.get(f"/api/v1/registrations/{second['id']}/conflicts").json() == review["conflicts"]

    rejected = lucia.post(f"/api/v1/registrations/{second['id']}/reject",
                          json={"version": review["version"], "reason": "Soluções Abertas registered it first."})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert bruno.get(f"/api/v1/registrations/{second['id']}").json()["decision_reason"] == (
        "Soluções Abertas registered it first.")
    approved = lucia.post(f"/api/v1/registrations/{first['id']}/approve",
                          json={"version": first["version"], "note": "Go."}).json()
    assert approved["status"] == "approved"
    assert approved["expires_on"] == (utcnow().date() + timedelta(days=90)).isoformat()

    converted = lucia.post(f"/api/v1/registrations/{first['id']}/convert",
                           json={"version": approved["version"], "stage": "discover"})
    assert converted.status_code == 201, converted.text
    deal = converted.json()
    assert converted.headers["location"] == f"/api/v1/opportunities/{deal['id']}"
    assert (deal["registration_id"], deal["amount"], deal["currency"], deal["stage_key"], deal["name"]) == (
        first["id"], "10000.00", "BRL", "discover", "Metalúrgica — Linux estate")
    mine = ana.get(f"/api/v1/registrations/{first['id']}").json()
    assert (mine["status"], mine["opportunity_id"]) == ("converted", deal["id"])
    assert ana.get(f"/api/v1/opportunities/{deal['id']}").json()["registration_id"] == first["id"]


def test_partner_users_never_see_the_conflict_check_only_needs_review(api_as, world, brl):
    ana = api_as("ana")
    own = world.registrations["abertas"]
    shown = ana.get(f"/api/v1/registrations/{own}").json()
    assert shown["conflict_count"] is None and shown["conflict_score"] is None and shown["conflicts"] is None
    assert ana.get(f"/api/v1/registrations/{own}/conflicts").status_code == 403
    # A second registration on the same account conflicts with the first one.
    again = submitted(ana, account_id=world.accounts["abertas"], customer_name=None, customer_country=None,
                      customer_website=None)
    assert again["needs_review"] is True
    listed = ana.get("/api/v1/registrations", params={"conflicts": "true"}).json()
    assert [r["id"] for r in listed["items"]] == [again["id"]]
    assert all(r["conflict_count"] is None and r["conflict_score"] is None for r in listed["items"])
    staff_view = api_as("lucia").get(f"/api/v1/registrations/{again['id']}").json()
    assert staff_view["conflict_count"] >= 1 and staff_view["conflicts"]


def test_a_manager_sees_a_conflict_on_a_record_they_may_not_open_without_its_link(api_as, world, brl):
    northwind = submitted(api_as("admin"), partner_id=world.partners["northwind"], currency="USD",
                          customer_country="US", customer_name="Metalúrgica Paulista Ltda.")
    mine = submitted(api_as("ana"))
    conflicts = api_as("lucia").get(f"/api/v1/registrations/{mine['id']}/conflicts").json()
    hidden = next(c for c in conflicts if c["id"] == northwind["id"])
    assert hidden["link"] is None and hidden["partner"] == "Northwind Systems Inc."


def test_extension_is_asked_for_by_the_partner_and_given_by_the_manager(api_as, world):
    lucia, ana = api_as("lucia"), api_as("ana")
    reg_id = world.registrations["abertas"]
    approved = lucia.post(f"/api/v1/registrations/{reg_id}/approve", json={"version": 1}).json()
    asked = ana.post(f"/api/v1/registrations/{reg_id}/request-extension",
                     json={"version": approved["version"], "reason": "The tender moved to March."})
    assert asked.status_code == 200 and asked.json()["extension_request_reason"] == "The tender moved to March."
    extended = lucia.post(f"/api/v1/registrations/{reg_id}/extend", json={"version": asked.json()["version"],
                                                                         "days": 10}).json()
    assert extended["extensions"] == 1 and extended["extension_requested_at"] is None
    assert extended["expires_on"] == (utcnow().date() + timedelta(days=100)).isoformat()
    assert ana.post(f"/api/v1/registrations/{reg_id}/extend", json={"version": 9}).status_code == 403


def test_deciding_twice_or_on_a_stale_version_is_a_409(api_as, world):
    lucia = api_as("lucia")
    reg_id = world.registrations["abertas"]
    assert lucia.post(f"/api/v1/registrations/{reg_id}/approve", json={"version": 1}).status_code == 200
    stale = lucia.post(f"/api/v1/registrations/{reg_id}/reject", json={"version": 1, "reason": "Too late."})
    assert stale.status_code == 409 and "changed by" in stale.json()["detail"]
    current = lucia.get(f"/api/v1/registrations/{reg_id}").json()["version"]
    again = lucia.post(f"/api/v1/registrations/{reg_id}/reject", json={"version": current, "reason": "Too late."})
    assert again.status_code == 409 and "only submitted registrations" in again.json()["detail"]


def test_partner_users_may_not_decide_even_with_an_empty_body(api_as, world):
    reg_id = world.registrations["abertas"]
    for action in ("approve", "reject", "extend", "convert"):
        response = api_as("ana").post(f"/api/v1/registrations/{reg_id}/{action}", json={})
        assert response.status_code == 403, action
        assert "Only channel managers and admins" in response.json()["detail"]


# Bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, field, message", [
    ({"currency": "XYZ"}, "currency", "ISO 4217"),
    ({"amount": 1234.5}, "amount", "float"),
    ({"currency": "ARS"}, "currency", "No ARS→USD FX rate"),
    ({"amount": "-5"}, "amount", "more than 0"),
    ({"amount": "1.500"}, "amount", "ambiguous"),
    ({"expected_close_date": "2024-01-31"}, "expected_close_date", "in the past"),
    ({"customer_name": None}, "request", "customer's name and country"),
])
def test_bad_registrations_are_a_clear_422_and_write_nothing(api_as, db, brl, overrides, field, message):
    before = count(db, Registration)
    response = api_as("ana").post("/api/v1/registrations", json=registration(**overrides))
    assert response.status_code == 422, response.text
    body = response.json()
    assert message in body["detail"] or message in (body["errors"] or {}).get(field, ""), body
    assert count(db, Registration) == before


@pytest.mark.parametrize("overrides, message", [
    ({"close_date": "2024-01-31"}, "more than a year in the past"),
    ({"stage": "nope"}, "Unknown stage 'nope': use one of qualify"),
    ({"amount": 99.5}, "float"),
    ({"currency": "MXN"}, "No MXN→USD FX rate"),
])
def test_bad_opportunities_are_a_clear_422_and_write_nothing(api_as, db, world, overrides, message):
    before = count(db, Opportunity)
    response = api_as("lucia").post("/api/v1/opportunities", json=opportunity(world, **overrides))
    assert response.status_code == 422, response.text
    assert message in response.text
    assert count(db, Opportunity) == before


def test_converting_into_an_unknown_stage_is_a_422_and_changes_nothing(api_as, world):
    lucia = api_as("lucia")
    reg_id = world.registrations["abertas"]
    approved = lucia.post(f"/api/v1/registrations/{reg_id}/approve", json={"version": 1}).json()
    response = lucia.post(f"/api/v1/registrations/{reg_id}/convert", json={"version": approved["version"],
                                                                           "stage": "nope"})
    assert response.status_code == 422 and response.json()["errors"] == {"stage": "unknown stage"}
    assert lucia.get(f"/api/v1/registrations/{reg_id}").json()["status"] == "approved"


def test_unknown_filters_are_refused(api_as):
    response = api_as("lucia").get("/api/v1/registrations", params={"colour": "red"})
    assert response.status_code == 422 and "colour" in response.json()["errors"]
    assert api_as("lucia").get("/api/v1/opportunities", params={"sort": "price"}).status_code == 422


# Opportunities ----------------------------------------------------------------------------------

def test_a_manager_opens_moves_and_reads_the_history_of_an_opportunity(api_as, world):
    lucia = api_as("lucia")
    created = lucia.post("/api/v1/opportunities", json=opportunity(world, next_step="Call the CFO"))
    assert created.status_code == 201, created.text
    deal = created.json()
    assert created.headers["location"] == f"/api/v1/opportunities/{deal['id']}"
    assert (deal["stage_key"], deal["probability"], deal["amount"]) == ("qualify", 10, "10000.00")
    moved = lucia.post(f"/api/v1/opportunities/{deal['id']}/move", json={"version": deal["version"],
                                                                         "stage": "propose"})
    assert moved.status_code == 200 and (moved.json()["stage_key"], moved.json()["probability"]) == ("propose", 40)
    history = lucia.get(f"/api/v1/opportunities/{deal['id']}/history").json()
    assert [(h["from_stage_key"], h["to_stage_key"]) for h in history] == [(None, "qualify"), ("qualify", "propose")]
    assert all(h["days_in_stage"] == 0.0 for h in history)


def test_a_stale_opportunity_edit_is_a_409(api_as, world):
    lucia = api_as("lucia")
    opp_id = world.opportunities["abertas"]
    version = lucia.get(f"/api/v1/opportunities/{opp_id}").json()["version"]
    assert lucia.patch(f"/api/v1/opportunities/{opp_id}", json={"version": version,
                                                               "next_step": "Send the proposal"}).status_code == 200
    stale = lucia.patch(f"/api/v1/opportunities/{opp_id}", json={"version": version, "amount": "1"})
    assert stale.status_code == 409 and "changed by" in stale.json()["detail"]
    assert lucia.get(f"/api/v1/opportunities/{opp_id}").json()["amount"] == "85000.00"


def test_partner_users_edit_only_what_partners_may_on_their_own_deals(api_as, world):
    ana = api_as("ana")
    opp_id = world.opportunities["abertas"]
    version = ana.get(f"/api/v1/opportunities/{opp_id}").json()["version"]
    refused = ana.patch(f"/api/v1/opportunities/{opp_id}", json={"version": version, "owner_id": 1})
    assert refused.status_code == 403 and "owner_id" in refused.json()["detail"]
    changed = ana.patch(f"/api/v1/opportunities/{opp_id}", json={"version": version, "amount": "90000.00",
                                                                "close_date": CLOSE})
    assert changed.status_code == 200 and changed.json()["amount"] == "90000.00"
    assert ana.post("/api/v1/opportunities", json={}).status_code == 403


def test_another_partner_sees_none_of_abertas_deals(api_as, world):
    bruno = api_as("bruno")
    reg_id, opp_id = world.registrations["abertas"], world.opportunities["abertas"]
    assert bruno.get(f"/api/v1/registrations/{reg_id}").status_code == 404
    assert bruno.post(f"/api/v1/registrations/{reg_id}/request-extension",
                      json={"version": 1, "reason": "Please."}).status_code == 404
    assert bruno.get(f"/api/v1/opportunities/{opp_id}").status_code == 404
    assert bruno.get(f"/api/v1/opportunities/{opp_id}/history").status_code == 404
    assert bruno.patch(f"/api/v1/opportunities/{opp_id}", json={"version": 1, "next_step": "x"}).status_code == 404
    assert bruno.post(f"/api/v1/opportunities/{opp_id}/move", json={"version": 1, "stage": "won"}).status_code == 404
    assert bruno.get("/api/v1/registrations").json()["total"] == 0
    assert bruno.get("/api/v1/opportunities").json()["total"] == 0
    assert api_as("nathan").get(f"/api/v1/registrations/{reg_id}").status_code == 404


def test_the_distributor_sees_its_resellers_deals_unless_hidden_from_it(api_as, world):
    dora, ana = api_as("dora"), api_as("ana")
    shown = dora.get(f"/api/v1/registrations/{world.registrations['abertas']}")
    assert shown.status_code == 200 and shown.json()["conflict_count"] is None
    hidden = submitted(ana, currency="USD", distributor_id=world.partners["delta"], hidden_from_distributor=True)
    assert hidden["hidden_from_distributor"] is True
    assert dora.get(f"/api/v1/registrations/{hidden['id']}").status_code == 404
    assert [r["id"] for r in dora.get("/api/v1/registrations").json()["items"]] == [world.registrations["abertas"]]
    assert dora.get(f"/api/v1/opportunities/{world.opportunities['abertas']}").status_code == 200


def test_registrations_are_filtered_and_paged(api_as, world, brl):
    ana = api_as("ana")
    submitted(ana)
    lucia = api_as("lucia")
    page = lucia.get("/api/v1/registrations", params={"limit": 1, "sort": "-submitted"}).json()
    assert (page["total"], page["next_page"], len(page["items"])) == (2, 2, 1)
    assert page["items"][0]["id"] == world.registrations["abertas"]
    by_partner = lucia.get("/api/v1/registrations", params={"partner_id": world.partners["bravo"]}).json()
    assert by_partner["total"] == 0
    searched = lucia.get("/api/v1/registrations", params={"q": "metalúrgica", "status": "submitted"}).json()
    assert [r["customer_name"] for r in searched["items"]] == ["Metalúrgica Paulista Ltda."]


# Pipeline totals --------------------------------------------------------------------------------

def test_pipeline_totals_add_up_converted_deals_and_name_the_rates(api_as, world, brl):
    lucia = api_as("lucia")
    mine = submitted(api_as("ana"), amount="10000.00", currency="BRL")
    approved = lucia.post(f"/api/v1/registrations/{mine['id']}/approve", json={"version": mine["version"]}).json()
    lucia.post(f"/api/v1/registrations/{mine['id']}/convert", json={"version": approved["version"],
                                                                   "stage": "propose"})
    totals = lucia.get("/api/v1/pipeline/totals", params={"partner_id": world.partners["abertas"]})
    assert totals.status_code == 200, totals.text
    body = totals.json()
    # 85,000.00 USD in Qualify (10 %) and 10,000.00 BRL at 0.18 = 1,800.00 USD in Propose (40 %).
    assert (body["reporting_currency"], body["count"], body["amount"], body["weighted"]) == (
        "USD", 2, "86800.00", "9220.00")
    assert [(s["key"], s["count"], s["amount"], s["weighted"]) for s in body["stages"]] == [
        ("qualify", 1, "85000.00", "8500.00"), ("propose", 1, "1800.00", "720.00")]
    assert body["rates"] == [{"currency": "BRL", "rate": "0.1800", "rate_date": "2026-01-01",
                              "source": "admin", "deals": 1, "text": "BRL at 0.1800 (rate of 2026-01-01, admin)"}]
    assert api_as("ana").get("/api/v1/pipeline/totals").json()["amount"] == "86800.00"
    assert api_as("bruno").get("/api/v1/pipeline/totals").json() == {
        "reporting_currency": "USD", "count": 0, "amount": "0.00", "weighted": "0.00", "stages": [], "rates": []}


def test_pipeline_totals_count_open_deals_unless_an_outcome_is_asked_for(api_as, world):
    lucia = api_as("lucia")
    opp_id = world.opportunities["abertas"]
    lucia.post(f"/api/v1/opportunities/{opp_id}/move", json={"version": 1, "stage": "won"})
    assert lucia.get("/api/v1/pipeline/totals").json()["count"] == 0
    won = lucia.get("/api/v1/pipeline/totals", params={"outcome": "won"}).json()
    assert (won["count"], won["amount"], won["stages"][0]["key"]) == (1, "85000.00", "won")


def test_pipeline_totals_without_a_rate_are_a_422_naming_the_currency(api_as, db, world, brl):
    lucia = api_as("lucia")
    assert lucia.post("/api/v1/opportunities", json=opportunity(world, currency="BRL")).status_code == 201
    db.execute(delete(FxRate))
    db.flush()
    response = lucia.get("/api/v1/pipeline/totals")
    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"No BRL→USD FX rate effective on {CLOSE}")


# Stages and programs ----------------------------------------------------------------------------

def test_everyone_reads_stages_and_admins_change_them(api_as):
    stages = api_as("ana").get("/api/v1/stages").json()
    assert [s["key"] for s in stages][:3] == ["qualify", "discover", "propose"]
    admin = api_as("admin")
    created = admin.post("/api/v1/stages", json={"key": "verbal", "name": "Verbal yes", "position": 55,
                                                 "probability": 90})
    assert created.status_code == 201 and created.json()["outcome"] == "open"
    assert admin.post("/api/v1/stages", json={"key": "verbal", "name": "Again", "position": 56,
                                              "probability": 90}).status_code == 409
    renamed = admin.patch(f"/api/v1/stages/{created.json()['id']}", json={"version": 1, "name": "Verbal commit"})
    assert renamed.json()["name"] == "Verbal commit"
    retired = admin.patch(f"/api/v1/stages/{created.json()['id']}", json={"version": 2, "active": False})
    assert retired.json()["active"] is False
    assert "verbal" not in [s["key"] for s in admin.get("/api/v1/stages").json()]
    assert "verbal" in [s["key"] for s in admin.get("/api/v1/stages?include_inactive=true").json()]
    # A manager hears "admins only" even with an empty body.
    assert api_as("lucia").post("/api/v1/stages", json={}).status_code == 403


def test_a_stage_that_holds_deals_cannot_be_retired(api_as):
    admin = api_as("admin")
    qualify = admin.get("/api/v1/stages").json()[0]
    response = admin.patch(f"/api/v1/stages/{qualify['id']}", json={"version": qualify["version"], "active": False})
    assert response.status_code == 422 and "still holds opportunities" in response.json()["detail"]


def test_programs_are_listed_for_staff_and_partners_see_their_own(api_as):
    admin = api_as("admin")
    created = admin.post("/api/v1/programs", json={"name": "Public sector", "registration_days": 180})
    assert created.status_code == 201 and created.json()["is_default"] is False
    assert [p["name"] for p in api_as("lucia").get("/api/v1/programs").json()] == ["Public sector", "Standard"]
    assert [p["name"] for p in api_as("ana").get("/api/v1/programs").json()] == ["Standard"]
    changed = admin.patch(f"/api/v1/programs/{created.json()['id']}", json={"version": 1, "max_extensions": 4})
    assert changed.json()["max_extensions"] == 4
    stale = admin.patch(f"/api/v1/programs/{created.json()['id']}", json={"version": 1, "max_extensions": 5})
    assert stale.status_code == 409
    assert api_as("lucia").patch(f"/api/v1/programs/{created.json()['id']}", json={}).status_code == 403


def test_the_api_docs_describe_the_deal_routes(anon):
    spec = anon.get("/api/v1/openapi.json").json()
    assert spec["paths"]["/api/v1/registrations"]["post"]["tags"] == ["registrations"]
    assert "needs_review" in spec["components"]["schemas"]["RegistrationOut"]["properties"]
    assert spec["paths"]["/api/v1/pipeline/totals"]["get"]["summary"] == "Pipeline Totals"
