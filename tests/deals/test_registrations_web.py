"""Deal-registration pages through the real app: the form with errors beside the fields, the conflict
table staff review before deciding, the decision forms, the list's filters, and who sees what."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from channelbase.core.base import utcnow
from channelbase.deals import fx, products, registrations
from channelbase.deals.deal_schemas import ApproveIn, RegistrationCreate
from channelbase.deals.models import Opportunity, Registration, RegistrationProduct, RegistrationStatus
from channelbase.deals.schemas import ProductCreate


def _close(days: int = 45) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _form(**overrides) -> dict:
    return {"title": "Data centre refresh", "customer_name": "Hospital Santa Clara", "customer_country": "BR",
            "amount": "12000.00", "currency": "USD", "expected_close_date": _close(), **overrides}


def _refs(page: str) -> list[str]:
    return re.findall(r"<code>(REG-\d{6})</code></a></td>", page)


def _text(page: str) -> str:
    return html.unescape(page)


def _field_error(page: str, name: str, prefix: str = "") -> str:
    found = re.search(rf'<small class="error" id="{prefix}e-{name}"[^>]*>([^<]*)</small>', page)
    assert found, f"no error slot for {name}"
    return html.unescape(found.group(1)).strip()


def _submit(db, actor, **fields) -> Registration:
    data = {"title": "Deal", "customer_country": "BR", "amount": "1000.00", "currency": "USD",
            "expected_close_date": date.today() + timedelta(days=30), **fields}
    registration = registrations.submit_registration(db, actor, RegistrationCreate(**data))
    db.flush()
    return registration


def _reg(db, registration_id: int) -> Registration:
    db.expire_all()
    return db.get_one(Registration, registration_id)


# Registering ---------------------------------------------------------------------------------------

def test_a_partner_registers_a_new_customer_with_products_and_a_distributor(client_as, db, actor, world):
    product = products.create_product(db, actor("admin"), ProductCreate(sku="ELS-1Y", name="Linux Server",
                                                                        family="OS", term="annual"))
    db.flush()
    client = client_as("ana")
    page = client.get("/registrations/new").text
    assert "Distribuidora Delta S.A." in page and 'name="partner_id"' not in page
    response = client.post("/registrations", data=_form(
        line_product_0=str(product.id), line_quantity_0="3", distributor_id=str(world.partners["delta"]),
        hidden_from_distributor="1", notes="Tender in March."))
    assert response.status_code == 303
    registration = db.scalars(select(Registration).where(Registration.customer_name == "Hospital Santa Clara")).one()
    assert response.headers["location"] == f"/registrations/{registration.id}?submitted=1"
    assert registration.partner_id == world.partners["abertas"] and registration.hidden_from_distributor
    line = db.scalars(select(RegistrationProduct).where(RegistrationProduct.registration_id == registration.id)).one()
    assert (line.product_id, line.quantity) == (product.id, 3)
    detail = _text(client.get(response.headers["location"]).text)
    assert "Submitted." in detail and "needs review" not in detail.lower()
    assert "Linux Server" in detail and "USD 12,000.00" in detail and "Hidden from the distributor" in detail


@pytest.mark.parametrize("overrides, field, message", [
    ({"currency": "XYZ"}, "currency", "not an iso 4217 currency code"),
    ({"amount": "-500.00"}, "amount", "more than 0"),
    ({"amount": "1.500"}, "amount", "ambiguous"),  # without "decimal comma" it could be 1500 or 1.5
    ({"expected_close_date": (date.today() - timedelta(days=1)).isoformat()}, "expected_close_date", "today or later"),
    ({"customer_name": "", "customer_country": ""}, "customer_name", "pick an account"),
    ({"title": ""}, "title", "required"),
])
def test_the_form_shows_each_error_beside_its_field_and_keeps_what_was_typed(client_as, overrides, field, message):
    response = client_as("ana").post("/registrations", data=_form(**overrides))
    assert response.status_code == 422
    page = response.text
    assert re.search(rf'class="field has-error">\s*<label for="f-{field}"', page), f"{field} not marked"
    assert message in _field_error(page, field).lower() or not message
    assert 'class="alert alert-error"' in page
    typed = _form(**overrides)
    assert f'value="{typed["expected_close_date"]}"' in page and f'value="{html.escape(typed["amount"])}"' in page


def test_a_missing_customer_is_shown_on_the_account_select_too(client_as):
    page = client_as("ana").post("/registrations", data=_form(customer_name="", customer_country="")).text
    assert "pick an account" in _field_error(page, "account_id")


def test_a_currency_without_an_fx_rate_is_refused_until_one_is_added(client_as, db, actor):
    client = client_as("ana")
    refused = client.post("/registrations", data=_form(currency="BRL", amount="24.000,00", decimal_comma="1"))
    assert refused.status_code == 422 and "no BRL rate" in _field_error(refused.text, "currency")
    assert 'name="decimal_comma" value="1" checked' in refused.text
    fx.set_rate(db, actor("admin"), "BRL", date(2026, 1, 1), "0.18")
    db.flush()
    accepted = client.post("/registrations", data=_form(currency="BRL", amount="24.000,00", decimal_comma="1"))
    assert accepted.status_code == 303
    registration = db.scalars(select(Registration).where(Registration.customer_name == "Hospital Santa Clara")).one()
    assert (registration.currency, registration.amount_minor) == ("BRL", 2_400_000)


def test_staff_pick_the_partner_and_its_distributors_follow(client_as, world):
    client = client_as("lucia")
    refused = client.post("/registrations", data=_form())
    assert refused.status_code == 422 and _field_error(refused.text, "partner_id") == "required"
    field = client.get("/registrations/new/distributors", params={"partner_id": world.partners["abertas"]}).text
    assert "Distribuidora Delta S.A." in field and "<html" not in field
    assert "Distribuidora Delta" not in client.get("/registrations/new/distributors",
                                                   params={"partner_id": world.partners["bravo"]}).text
    created = client.post("/registrations", data=_form(partner_id=str(world.partners["bravo"])))
    assert created.status_code == 303


def test_a_distributor_not_linked_to_the_partner_is_refused_beside_the_field(client_as, world):
    response = client_as("lucia").post("/registrations", data=_form(partner_id=str(world.partners["bravo"]),
                                                                    distributor_id=str(world.partners["delta"])))
    assert response.status_code == 422
    assert _field_error(response.text, "distributor_id") == "not a distributor of this partner"


def test_a_partner_cannot_register_for_another_partner(client_as, world):
    response = client_as("bruno").post("/registrations", data=_form(partner_id=str(world.partners["abertas"])))
    assert response.status_code == 404


def test_the_account_search_lists_only_the_actors_accounts(client_as):
    ana = client_as("ana").get("/registrations/new/accounts", params={"account_q": "campinas"}).text
    assert "Prefeitura de Campinas" in ana and "<html" not in ana
    assert "Prefeitura de Campinas" not in client_as("bruno").get("/registrations/new/accounts",
                                                                  params={"account_q": "campinas"}).text
    assert "Cervecería Regia" in client_as("bruno").get("/registrations/new").text
    without_js = client_as("lucia").get("/registrations/new", params={"account_q": "horizonte"}).text
    assert "Banco Horizonte" in without_js and "Prefeitura de Campinas" not in without_js


def test_registering_an_existing_account_keeps_its_name(client_as, db, world):
    response = client_as("ana").post("/registrations", data=_form(
        customer_name="", customer_country="", account_id=str(world.accounts["abertas"]), title="Second phase"))
    assert response.status_code == 303
    registration = db.scalars(select(Registration).where(Registration.title == "Second phase")).one()
    assert (registration.account_id, registration.customer_name) == (world.accounts["abertas"], "Prefeitura de Campinas")


# Conflicts -----------------------------------------------------------------------------------------

def test_the_manager_sees_the_conflicts_and_the_partner_only_that_it_needs_review(client_as, db, world):
    bruno = client_as("bruno")
    response = bruno.post("/registrations", data=_form(customer_name="Prefeitura Municipal de Campinas",
                                                       title="Campinas licences"))
    assert response.status_code == 303
    registration = db.scalars(select(Registration).where(Registration.title == "Campinas licences")).one()
    assert registration.conflict_count >= 2
    own = _text(bruno.get(response.headers["location"]).text)
    assert "Submitted — needs review" in own and "Needs review" in own
    assert "Soluções Abertas" not in own and "Possible conflicts" not in own
    assert f"REG-{world.registrations['abertas']:06d}" not in own
    assert "Soluções Abertas" not in _text(bruno.get("/registrations").text)

    review = _text(client_as("lucia").get(f"/registrations/{registration.id}").text)
    conflicts = review[review.index("Possible conflicts"):review.index("Decide")]
    assert "Soluções Abertas Ltda." in conflicts and "similar name" in conflicts and "92.8" in conflicts
    assert f'href="/registrations/{world.registrations["abertas"]}"' in conflicts
    assert f'href="/accounts/{world.accounts["abertas"]}"' in conflicts
    assert review.index("Possible conflicts") < review.index("/approve")


def test_a_conflict_the_manager_may_not_open_is_listed_without_a_link(client_as, db, actor, world):
    # Northwind (North America, nathan's) registers the customer of partner A (Brazil, lucia's).
    registration = _submit(db, actor("admin"), partner_id=world.partners["northwind"],
                           customer_name="Prefeitura de Campinas")
    review = _text(client_as("nathan").get(f"/registrations/{registration.id}").text)
    conflicts = review[review.index("Possible conflicts"):review.index("Decide")]
    assert "Soluções Abertas Ltda." in conflicts and "same name" in conflicts
    assert f'href="/registrations/{world.registrations["abertas"]}"' not in conflicts
    assert f'href="/accounts/{world.accounts["abertas"]}"' not in conflicts
    assert f'<option value="{world.accounts["abertas"]}"' not in review  # nor offered as the account to link


def test_a_partner_registering_anothers_customer_hears_only_needs_review(client_as):
    ana = client_as("ana")
    response = ana.post("/registrations", data=_form(customer_name="Cervecería Regia", customer_country="MX"))
    assert response.status_code == 303
    page = _text(ana.get(response.headers["location"]).text)
    assert "Submitted — needs review" in page
    assert "Nube Bravo" not in page and "Cervecería Regia S.A. de C.V." not in page and "similar name" not in page


# Decisions -----------------------------------------------------------------------------------------

def test_a_manager_approves_linking_the_account_the_conflict_check_found(client_as, db, actor, world):
    registration = _submit(db, actor("bruno"), customer_name="Prefeitura Municipal de Campinas")
    client = client_as("lucia")
    review = client.get(f"/registrations/{registration.id}").text
    assert re.search(rf'<option value="{world.accounts["abertas"]}"\s*>Prefeitura de Campinas', review)
    response = client.post(f"/registrations/{registration.id}/approve", data={
        "version": registration.version, "account_id": str(world.accounts["abertas"]), "note": "Go ahead."})
    assert response.status_code == 303 and response.headers["location"] == f"/registrations/{registration.id}"
    approved = _reg(db, registration.id)
    assert approved.status == RegistrationStatus.APPROVED and approved.account_id == world.accounts["abertas"]
    assert approved.expires_on == utcnow().date() + timedelta(days=registrations.program_for(db, approved).registration_days)
    page = _text(client_as("bruno").get(f"/registrations/{registration.id}").text)
    assert "Approved" in page and "Go ahead." in page and "Request an extension" in page


def test_rejecting_needs_a_reason_which_the_partner_then_reads(client_as, db, world):
    reg_id = world.registrations["abertas"]
    client = client_as("lucia")
    refused = client.post(f"/registrations/{reg_id}/reject", data={"version": "1", "reason": ""})
    assert refused.status_code == 422 and _field_error(refused.text, "reason", "reject-")
    assert re.search(r'class="field has-error">\s*<label for="reject-reason"', refused.text)
    assert _reg(db, reg_id).status == RegistrationStatus.SUBMITTED
    done = client.post(f"/registrations/{reg_id}/reject", data={"version": "1", "reason": "Direct deal already."})
    assert done.status_code == 303 and _reg(db, reg_id).status == RegistrationStatus.REJECTED
    page = _text(client_as("ana").get(f"/registrations/{reg_id}").text)
    assert "Rejected" in page and "Direct deal already." in page and "reject" in page.lower()


def test_a_decision_on_a_stale_version_says_who_changed_it(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    registrations.approve(db, actor("admin"), reg_id, ApproveIn(version=1))
    db.flush()
    response = client_as("lucia").post(f"/registrations/{reg_id}/reject", data={"version": "1", "reason": "Too late"})
    assert response.status_code == 409
    page = _text(response.text)
    assert "changed by Ada Admin" in page and "Review and retry" in page
    assert f'name="version" value="{_reg(db, reg_id).version}"' in page  # the page now offers the stored version


def test_a_partner_user_may_not_decide(client_as, world):
    response = client_as("ana").post(f"/registrations/{world.registrations['abertas']}/approve", data={"version": "1"})
    assert response.status_code == 403
    assert "/approve" not in client_as("ana").get(f"/registrations/{world.registrations['abertas']}").text


def test_the_partner_requests_an_extension_and_the_manager_extends(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    registrations.approve(db, actor("lucia"), reg_id, ApproveIn(version=1))
    db.flush()
    expires = _reg(db, reg_id).expires_on
    ana = client_as("ana")
    short = ana.post(f"/registrations/{reg_id}/request-extension", data={"version": "2", "reason": "x"})
    assert short.status_code == 422 and _field_error(short.text, "reason", "request-")
    asked = ana.post(f"/registrations/{reg_id}/request-extension", data={"version": "2", "reason": "Tender delayed"})
    assert asked.status_code == 303 and "a channel manager will decide" in ana.get(f"/registrations/{reg_id}").text
    client = client_as("lucia")
    review = _text(client.get(f"/registrations/{reg_id}").text)
    assert "Tender delayed" in review and "Extend" in review
    extended = client.post(f"/registrations/{reg_id}/extend", data={"version": str(_reg(db, reg_id).version), "days": "10"})
    assert extended.status_code == 303
    registration = _reg(db, reg_id)
    assert registration.expires_on == expires + timedelta(days=10) and registration.extensions == 1
    assert registration.extension_requested_at is None


def test_extending_past_the_program_limit_is_refused_beside_the_days(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    lucia = actor("lucia")
    registrations.approve(db, lucia, reg_id, ApproveIn(version=1))
    program = registrations.program_for(db, _reg(db, reg_id))
    _reg(db, reg_id).extensions = program.max_extensions
    db.flush()
    response = client_as("lucia").post(f"/registrations/{reg_id}/extend",
                                       data={"version": str(_reg(db, reg_id).version), "days": ""})
    assert response.status_code == 422 and _field_error(response.text, "days", "extend-") == "no extensions left"


def test_converting_opens_the_opportunity_and_the_registration_links_to_it(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    registrations.approve(db, actor("lucia"), reg_id, ApproveIn(version=1))
    db.flush()
    client = client_as("lucia")
    review = client.get(f"/registrations/{reg_id}").text
    first_stage = re.search(r'<select id="convert-stage" name="stage"[^>]*>\s*<option value="([^"]+)" selected', review)
    assert first_stage, "the first open stage is preselected"
    response = client.post(f"/registrations/{reg_id}/convert",
                           data={"version": str(_reg(db, reg_id).version), "stage": first_stage.group(1)})
    opportunity = db.scalars(select(Opportunity).where(Opportunity.registration_id == reg_id)).one()
    assert response.status_code == 303 and response.headers["location"] == f"/opportunities/{opportunity.id}"
    assert _reg(db, reg_id).status == RegistrationStatus.CONVERTED
    page = client_as("ana").get(f"/registrations/{reg_id}").text
    assert f'href="/opportunities/{opportunity.id}"' in page and "Converted" in page


def test_converting_with_an_unknown_stage_shows_the_error_beside_the_stage(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    registrations.approve(db, actor("lucia"), reg_id, ApproveIn(version=1))
    db.flush()
    response = client_as("lucia").post(f"/registrations/{reg_id}/convert",
                                       data={"version": str(_reg(db, reg_id).version), "stage": "nonsense"})
    assert response.status_code == 422 and _field_error(response.text, "stage", "convert-") == "unknown stage"
    assert _reg(db, reg_id).status == RegistrationStatus.APPROVED


def test_approving_twice_is_a_conflict_shown_on_the_page(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    registrations.approve(db, actor("lucia"), reg_id, ApproveIn(version=1))
    db.flush()
    response = client_as("lucia").post(f"/registrations/{reg_id}/approve", data={"version": "2"})
    assert response.status_code == 409 and "only submitted registrations are approved" in response.text


# The list ------------------------------------------------------------------------------------------

@pytest.fixture
def deals(db, actor, world):
    """Registrations of two partners: one overdue, one approved and expiring soon, one with conflicts."""
    ana, bruno, lucia = actor("ana"), actor("bruno"), actor("lucia")
    old = utcnow() - timedelta(days=5)
    made = {
        "overdue": registrations.submit_registration(db, ana, RegistrationCreate(
            title="Old one", customer_name="Alpha Logística", customer_country="BR", amount="500.00", currency="USD",
            expected_close_date=date.today() + timedelta(days=20)), now=old),
        "approved": _submit(db, bruno, customer_name="Zeta Minería", customer_country="MX", title="Mine"),
        "conflict": _submit(db, bruno, customer_name="Prefeitura Municipal de Campinas", title="Campinas"),
    }
    db.flush()
    registrations.approve(db, lucia, made["approved"].id, ApproveIn(version=1))
    made["approved"].expires_on = date.today() + timedelta(days=5)
    db.flush()
    return made


def test_the_list_filters_by_text_status_partner_conflicts_sla_and_expiry(client_as, deals, world):
    client = client_as("lucia")
    ref = {key: reg.reference for key, reg in deals.items()}
    assert _refs(client.get("/registrations", params={"q": "zeta"}).text) == [ref["approved"]]
    assert _refs(client.get("/registrations", params={"status": "approved"}).text) == [ref["approved"]]
    by_partner = _refs(client.get("/registrations", params={"partner_id": world.partners["bravo"]}).text)
    assert set(by_partner) == {ref["approved"], ref["conflict"]}
    assert ref["conflict"] in _refs(client.get("/registrations", params={"conflicts": "true"}).text)
    assert ref["conflict"] not in _refs(client.get("/registrations", params={"conflicts": "false"}).text)
    assert _refs(client.get("/registrations", params={"overdue": "1"}).text) == [ref["overdue"]]
    assert _refs(client.get("/registrations", params={"expiring_days": "7"}).text) == [ref["approved"]]
    assert _refs(client.get("/registrations", params={"territory_id": world.territories["mexico"]}).text) == \
        [ref["conflict"], ref["approved"]]
    bad = client.get("/registrations", params={"status": "lost"})
    assert bad.status_code == 422 and "clear filters" in bad.text


def test_the_list_sorts_by_customer_both_ways(client_as, deals):
    client = client_as("lucia")
    ascending = _refs(client.get("/registrations", params={"sort": "customer"}).text)
    assert ascending[0] == deals["overdue"].reference  # "alpha logistica" first
    assert _refs(client.get("/registrations", params={"sort": "-customer"}).text) == ascending[::-1]
    newest_first = _refs(client.get("/registrations").text)
    assert newest_first[0] == deals["conflict"].reference and newest_first[-1] == deals["overdue"].reference


def test_the_list_shows_value_status_sla_and_conflicts(client_as, deals):
    page = _text(client_as("lucia").get("/registrations", params={"q": "campinas"}).text)
    assert "USD 1,000.00" in page and "best 93" in page
    overdue = _text(client_as("lucia").get("/registrations", params={"overdue": "1"}).text)
    assert '<span class="sla-overdue">Overdue</span>' in overdue
    expiring = client_as("lucia").get("/registrations", params={"status": "approved"}).text
    assert deals["approved"].expires_on.isoformat() in expiring and 'reg-approved' in expiring


def test_partner_users_see_their_own_with_only_needs_review(client_as, deals, world):
    bruno = _text(client_as("bruno").get("/registrations").text)
    assert set(_refs(bruno)) == {deals["approved"].reference, deals["conflict"].reference}
    assert "Needs review" in bruno and "best " not in bruno and 'name="partner_id"' not in bruno
    # a partner cannot widen the list with the staff filters
    assert set(_refs(client_as("bruno").get("/registrations", params={"partner_id": world.partners["abertas"]}).text)) \
        == {deals["approved"].reference, deals["conflict"].reference}


def test_an_htmx_filter_returns_only_the_table(client_as, deals):
    response = client_as("lucia").get("/registrations?q=zeta", headers={"HX-Request": "true"})
    assert "<html" not in response.text and response.headers["HX-Push-Url"] == "/registrations?q=zeta"
    assert _refs(response.text) == [deals["approved"].reference]


def test_an_empty_list_invites_to_register(client_as, db, world):
    page = client_as("bruno").get("/registrations").text
    assert "No deal registrations yet" in page and 'href="/registrations/new"' in page


# Who sees what -------------------------------------------------------------------------------------

def test_another_partner_gets_not_found(client_as, world):
    reg_id = world.registrations["abertas"]
    bruno = client_as("bruno")
    assert bruno.get(f"/registrations/{reg_id}").status_code == 404
    assert bruno.post(f"/registrations/{reg_id}/request-extension", data={"version": "1", "reason": "Please"}
                      ).status_code == 404
    assert bruno.post(f"/registrations/{reg_id}/approve", data={"version": "1"}).status_code == 404
    assert client_as("nathan").get(f"/registrations/{reg_id}").status_code == 404


def test_the_distributor_sees_its_resellers_registration_unless_hidden(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    hidden = _submit(db, actor("ana"), customer_name="Segredo Industrial", distributor_id=world.partners["delta"],
                     hidden_from_distributor=True)
    dora = client_as("dora")
    listed = _refs(dora.get("/registrations").text)
    assert f"REG-{reg_id:06d}" in listed and hidden.reference not in listed
    page = _text(dora.get(f"/registrations/{reg_id}").text)
    assert "Soluções Abertas Ltda." in page and "Request an extension" not in page and "Possible conflicts" not in page
    assert dora.get(f"/registrations/{hidden.id}").status_code == 404


def test_the_audit_trail_lists_the_decisions(client_as, db, actor, world):
    reg_id = world.registrations["abertas"]
    registrations.approve(db, actor("lucia"), reg_id, ApproveIn(version=1))
    db.flush()
    page = _text(client_as("ana").get(f"/registrations/{reg_id}").text)
    history = page[page.index("<h2>History</h2>"):]
    assert "approve</strong> by Lucía Fernández" in history and "submit</strong> by Ana Souza" in history
