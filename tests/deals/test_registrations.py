"""Deal registrations: submission rules, the decision and its SLA, extensions, expiry and conversion."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from channelbase.core.audit import AuditEntry, history
from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.core.money import MoneyError
from channelbase.deals import fx, products, registrations, stages
from channelbase.deals.deal_schemas import (
    ApproveIn, ConvertIn, ExtendIn, ExtensionRequestIn, ProgramIn, ProgramUpdate, RegistrationCreate,
    RegistrationFilter, RejectIn,
)
from channelbase.deals.models import (
    Opportunity, OpportunityProduct, Program, Registration, RegistrationProduct, StageChange,
)
from channelbase.deals.schemas import ProductCreate, ProductUpdate
from channelbase.partners.models import Account, Partner, PartnerLink
from tests.deals.deal_helpers import (
    CLOSE, CNPJ_A, NOW, TODAY, actions, approve, audit_rows, day, fresh_indexes, later, new_customer, rows, submit,
)

__all__ = ["fresh_indexes"]


def _product(db, admin, sku: str, active: bool = True):
    product = products.create_product(db, admin, ProductCreate(sku=sku, name=f"Product {sku}", family="OS",
                                                               term="annual"))
    db.flush()
    if not active:
        products.update_product(db, admin, product.id, ProductUpdate(version=product.version, active=False))
        db.flush()
    return product


def _program(db, admin, partner_id: int | None = None, **fields) -> Program:
    program = stages.create_program(db, admin, ProgramIn(**{"name": "Gold resellers", **fields}))
    db.flush()
    if partner_id is not None:
        db.get(Partner, partner_id).program_id = program.id
        db.flush()
    return program


def _written(db) -> tuple[int, int, int]:
    return rows(db, Registration), rows(db, RegistrationProduct), audit_rows(db)


# Submitting ---------------------------------------------------------------------------------------

def test_a_partner_user_registers_a_new_customer_for_its_own_partner(db, ana, world):
    registration = submit(db, ana)
    assert (registration.partner_id, registration.territory_id, registration.submitted_by_id) == (
        world.partners["abertas"], world.territories["brazil"], world.users["ana"])
    assert (registration.status, registration.account_id, registration.customer_name, registration.customer_key,
            registration.customer_domain, registration.customer_country) == (
        "submitted", None, "Metalúrgica Paulista Ltda.", "metalurgicapaulista", "metalurgicapaulista.com.br", "BR")
    assert (registration.amount_minor, registration.currency, registration.expected_close_date) == (5000000, "USD",
                                                                                                   CLOSE)
    assert registration.submitted_at == NOW and registration.reference == f"REG-{registration.id:06d}"
    assert actions(db, "registrations", registration.id) == ["submit"]


def test_a_partner_user_may_name_its_own_partner(db, ana, world):
    assert submit(db, ana, partner_id=world.partners["abertas"]).partner_id == world.partners["abertas"]


def test_a_partner_user_cannot_register_for_another_partner(db, ana, world):
    before = _written(db)
    with pytest.raises(NotFound):
        submit(db, ana, partner_id=world.partners["bravo"])
    assert _written(db) == before


def test_staff_must_name_the_partner(db, lucia):
    with pytest.raises(InvalidInput) as caught:
        submit(db, lucia)
    assert caught.value.field_errors == {"partner_id": "required"}


def test_a_manager_registers_for_a_partner_of_their_territory_only(db, lucia, actor, world):
    assert submit(db, lucia, partner_id=world.partners["bravo"]).partner_id == world.partners["bravo"]
    with pytest.raises(NotFound):
        submit(db, actor("nathan"), partner_id=world.partners["abertas"])


@pytest.mark.parametrize("status", ["prospect", "inactive"])
def test_prospect_and_inactive_partners_do_not_register(db, ana, lucia, world, status):
    db.get(Partner, world.partners["abertas"]).status = status
    db.flush()
    before = _written(db)
    for who, partner_id in ((ana, None), (lucia, world.partners["abertas"])):
        with pytest.raises(InvalidInput, match=f"is {status}") as caught:
            submit(db, who, partner_id=partner_id)
        assert "partner_id" in caught.value.field_errors
    assert _written(db) == before


def test_an_onboarding_partner_registers(db, ana, world):
    db.get(Partner, world.partners["abertas"]).status = "onboarding"
    db.flush()
    assert submit(db, ana).status == "submitted"


def test_a_registration_on_an_existing_account_takes_the_accounts_details(db, ana, world):
    registration = submit(db, ana, account_id=world.accounts["abertas"], customer_name=None, customer_country=None,
                          customer_website=None)
    assert (registration.account_id, registration.customer_name, registration.customer_domain,
            registration.customer_country, registration.customer_key) == (
        world.accounts["abertas"], "Prefeitura de Campinas", "campinas.sp.gov.br", "BR", "prefeituradecampinas")


def test_an_account_the_partner_cannot_see_is_not_found(db, ana, world):
    with pytest.raises(NotFound):
        submit(db, ana, account_id=world.accounts["bravo"])


def test_a_new_customer_needs_a_name_and_country():
    with pytest.raises(ValidationError, match="existing account, or give the customer's name and country"):
        new_customer(customer_country=None)
    with pytest.raises(ValidationError, match="existing account"):
        new_customer(customer_name="")


@pytest.mark.parametrize("country, tax_id, stored", [
    ("BR", CNPJ_A, "12345678000195"),
    ("MX", "NBR180215AB0", "NBR180215AB0"),
    ("AR", "20-26756539-3", "20267565393"),
])
def test_the_customers_tax_id_is_validated_for_its_country_and_stored_compact(db, ana, country, tax_id, stored):
    assert submit(db, ana, customer_country=country, customer_tax_id=tax_id).customer_tax_id == stored


@pytest.mark.parametrize("overrides, field, message", [
    ({"customer_tax_id": "11.444.777/0001-62"}, "customer_tax_id", "not a valid CNPJ"),
    ({"customer_country": "AR", "customer_tax_id": CNPJ_A}, "customer_tax_id", "not a valid CUIT"),
    ({"customer_website": "ftp://metal.com.br"}, "customer_website", "http"),
    ({"customer_website": "not a site"}, "customer_website", "not a valid web address"),
    ({"customer_name": "*** ---"}, "customer_name", "no letters or digits"),
])
def test_a_bad_new_customer_is_refused_beside_its_field_and_nothing_is_written(db, ana, overrides, field, message):
    before = _written(db)
    with pytest.raises(InvalidInput, match=message) as caught:
        submit(db, ana, **overrides)
    assert field in caught.value.field_errors
    assert _written(db) == before


def test_products_are_merged_into_one_line_each(db, admin, ana):
    linux, support = _product(db, admin, "ELS-1Y"), _product(db, admin, "SUP-1Y")
    registration = submit(db, ana, products=[{"product_id": linux.id, "quantity": 2},
                                             {"product_id": support.id, "quantity": 1},
                                             {"product_id": linux.id, "quantity": 3}])
    lines = registrations.lines_of(db, ana, [registration.id])[registration.id]
    assert [(product.sku, quantity) for product, quantity in lines] == [("ELS-1Y", 5), ("SUP-1Y", 1)]
    assert rows(db, RegistrationProduct) == 2


@pytest.mark.parametrize("which", ["inactive", "unknown"])
def test_inactive_or_unknown_products_are_refused(db, admin, ana, which):
    product_id = _product(db, admin, "OLD-1", active=False).id if which == "inactive" else 999_999
    before = _written(db)
    with pytest.raises(InvalidInput, match=f"No active product #{product_id}") as caught:
        submit(db, ana, products=[{"product_id": product_id}])
    assert caught.value.field_errors == {"products": "unknown product"}
    assert _written(db) == before


def test_a_linked_distributor_is_named_and_the_deal_may_be_hidden_from_it(db, ana, world):
    shown = submit(db, ana, distributor_id=world.partners["delta"])
    hidden = submit(db, ana, distributor_id=world.partners["delta"], hidden_from_distributor=True,
                    customer_name="Outra Empresa Ltda.", customer_website=None)
    assert (shown.distributor_id, shown.hidden_from_distributor) == (world.partners["delta"], False)
    assert (hidden.distributor_id, hidden.hidden_from_distributor) == (world.partners["delta"], True)


def test_hidden_from_distributor_means_nothing_without_a_distributor(db, ana):
    assert submit(db, ana, hidden_from_distributor=True).hidden_from_distributor is False


def test_a_distributor_not_linked_to_the_partner_is_refused(db, lucia, world):
    before = _written(db)
    with pytest.raises(InvalidInput, match="not a distributor of Nube Bravo") as caught:
        submit(db, lucia, partner_id=world.partners["bravo"], distributor_id=world.partners["delta"])
    assert caught.value.field_errors == {"distributor_id": "not a distributor of this partner"}
    assert _written(db) == before


def test_a_linked_partner_that_is_not_a_distributor_is_refused(db, ana, world):
    db.add(PartnerLink(distributor_id=world.partners["bravo"], reseller_id=world.partners["abertas"]))
    db.flush()
    with pytest.raises(InvalidInput, match="not a distributor"):
        submit(db, ana, distributor_id=world.partners["bravo"])


def test_the_decision_is_due_after_the_programs_sla(db, admin, ana, lucia, world):
    assert submit(db, ana).decision_due_at == NOW + timedelta(hours=48)  # the default "Standard" program
    _program(db, admin, world.partners["abertas"], decision_sla_hours=24)
    assert submit(db, ana, customer_name="Outra Empresa Ltda.", customer_website=None).decision_due_at == \
        NOW + timedelta(hours=24)
    assert submit(db, lucia, partner_id=world.partners["bravo"], customer_name="Terceira Ltda.",
                  customer_website=None).decision_due_at == NOW + timedelta(hours=48)


def test_the_conflict_check_result_is_stored_with_the_registration(db, ana, lucia, world):
    first = submit(db, ana)
    second = submit(db, lucia, partner_id=world.partners["bravo"], customer_name="Metalurgica Paulsita",
                    customer_website=None)
    assert (first.conflict_count, first.conflict_score) == (0, 0)
    assert second.conflict_count == 1 and 80 <= second.conflict_score < 100
    assert registrations.needs_review(second) and not registrations.needs_review(first)


# Bad input writes nothing ---------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, error, field, message", [
    ({"amount": "-5"}, MoneyError, "amount", "more than 0"),
    ({"amount": "0"}, MoneyError, "amount", "more than 0"),
    ({"amount": "12.3456"}, MoneyError, "amount", "at most 2 decimals"),
    ({"amount": "1.234"}, MoneyError, None, "ambiguous"),
    ({"currency": "BRL"}, fx.MissingRate, "currency", "No BRL→USD FX rate effective on"),
    ({"expected_close_date": day(-1)}, InvalidInput, "expected_close_date", "in the past"),
    ({"expected_close_date": date(2031, 12, 2)}, InvalidInput, "expected_close_date", "more than 5 years"),
])
def test_bad_amounts_rates_and_dates_are_refused_and_nothing_is_written(db, ana, overrides, error, field,
                                                                        message):
    before = _written(db)
    with pytest.raises(error, match=message) as caught:
        submit(db, ana, **overrides)
    if field:
        assert field in caught.value.field_errors
    assert _written(db) == before


def test_the_close_date_may_be_today_or_five_years_away(db, ana):
    assert submit(db, ana, expected_close_date=TODAY).expected_close_date == TODAY
    assert submit(db, ana, customer_name="Outra Ltda.", customer_website=None,
                  expected_close_date=date(2031, 12, 1)).expected_close_date == date(2031, 12, 1)


def test_the_five_year_limit_works_from_a_leap_day(db, ana):
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=timezone.utc)
    assert submit(db, ana, now=leap, expected_close_date=date(2028, 3, 10)).submitted_at == leap
    with pytest.raises(InvalidInput, match="more than 5 years"):
        submit(db, ana, now=leap, expected_close_date=date(2033, 3, 1))


def test_an_amount_in_a_currency_with_a_rate_is_accepted(db, admin, ana):
    fx.set_rate(db, admin, "BRL", date(2026, 11, 1), "0.18")
    registration = submit(db, ana, amount="1.234.567,89", decimal_comma=True, currency="brl")
    assert (registration.currency, registration.amount_minor) == ("BRL", 123456789)


@pytest.mark.parametrize("overrides, message", [
    ({"currency": "XBR"}, "not an ISO 4217"),
    ({"amount": 1234.5}, "float"),
    ({"expected_close_date": date(1999, 12, 31)}, "greater than or equal"),
    ({"products": [{"product_id": 1, "quantity": 0}]}, "greater than or equal to 1"),
    ({"surprise": 1}, "Extra inputs"),
])
def test_the_schema_refuses_malformed_input(overrides, message):
    with pytest.raises(ValidationError, match=message):
        new_customer(**overrides)


def test_a_json_number_with_decimals_is_refused_but_an_integer_is_accepted():
    body = {"title": "T", "customer_name": "Acme", "customer_country": "BR", "currency": "USD",
            "expected_close_date": CLOSE.isoformat()}
    with pytest.raises(ValidationError, match="float"):
        RegistrationCreate.model_validate_json(json.dumps({**body, "amount": 1234.56}))
    assert RegistrationCreate.model_validate_json(json.dumps({**body, "amount": 1234})).amount == 1234


# Deciding -----------------------------------------------------------------------------------------

def test_approving_holds_the_deal_for_the_programs_registration_days(db, ana, lucia, world):
    registration = submit(db, ana)
    approve(db, lucia, registration, now=later(hours=5), note="Go ahead")
    assert (registration.status, registration.decided_by_id, registration.decided_at, registration.decision_reason,
            registration.expires_on) == ("approved", world.users["lucia"], later(hours=5), "Go ahead", day(90))
    [entry] = [e for e in history(db, "registrations", registration.id) if e.action == "approve"]
    assert entry.actor_id == world.users["lucia"] and entry.before["status"] == "submitted"
    assert entry.after["status"] == "approved"


def test_a_partners_own_program_sets_the_registration_days(db, admin, ana, lucia, world):
    _program(db, admin, world.partners["abertas"], registration_days=60)
    registration = approve(db, lucia, submit(db, ana))
    assert registration.expires_on == day(60)


def test_approving_may_link_the_registration_to_an_account(db, ana, lucia, actor, world):
    registration = approve(db, lucia, submit(db, ana), account_id=world.accounts["brazil"])
    assert registration.account_id == world.accounts["brazil"]
    other = submit(db, ana, customer_name="Outra Ltda.", customer_website=None)
    with pytest.raises(NotFound):
        approve(db, lucia, other, account_id=world.accounts["us"])
    assert other.status == "submitted"


def test_rejecting_stores_the_reason(db, ana, lucia, world):
    registration = submit(db, ana)
    registrations.reject(db, lucia, registration.id, RejectIn(version=registration.version,
                                                              reason="Already a direct account"), now=later(1))
    db.flush()
    assert (registration.status, registration.decision_reason, registration.decided_at,
            registration.decided_by_id, registration.expires_on) == (
        "rejected", "Already a direct account", later(1), world.users["lucia"], None)
    assert actions(db, "registrations", registration.id) == ["submit", "reject"]


@pytest.mark.parametrize("reason", [None, "", "no"])
def test_a_rejection_needs_a_reason(reason):
    with pytest.raises(ValidationError):
        RejectIn(version=1, reason=reason)


def test_only_submitted_registrations_are_decided(db, ana, lucia):
    registration = approve(db, lucia, submit(db, ana))
    with pytest.raises(Conflict, match="is approved; only submitted registrations are approved"):
        approve(db, lucia, registration)
    with pytest.raises(Conflict, match="only submitted registrations are rejected"):
        registrations.reject(db, lucia, registration.id, RejectIn(version=registration.version, reason="Too late"))
    assert actions(db, "registrations", registration.id) == ["submit", "approve"]


def test_a_decision_on_a_stale_version_is_refused(db, ana, lucia):
    registration = submit(db, ana)
    loaded = registration.version
    registration.notes = "Updated by the partner"  # saved after the reviewer opened it
    db.flush()
    with pytest.raises(StaleEdit):
        registrations.approve(db, lucia, registration.id, ApproveIn(version=loaded), now=NOW)
    assert registration.status == "submitted"


@pytest.mark.parametrize("persona", ["ana", "dora"])
def test_partner_users_cannot_decide(db, ana, actor, world, persona):
    registration = submit(db, ana, distributor_id=world.partners["delta"])
    who = actor(persona)
    with pytest.raises(NotPermitted):
        registrations.approve(db, who, registration.id, ApproveIn(version=registration.version))
    with pytest.raises(NotPermitted):
        registrations.reject(db, who, registration.id, RejectIn(version=registration.version, reason="Nope"))
    assert registration.status == "submitted"


def test_the_sla_is_met_or_missed(db, ana, lucia):
    fast = approve(db, lucia, submit(db, ana), now=later(hours=47))
    slow = approve(db, lucia, submit(db, ana, customer_name="Outra Ltda.", customer_website=None),
                   now=later(hours=49))
    waiting = submit(db, ana, customer_name="Terceira Ltda.", customer_website=None)
    assert registrations.sla_of(fast).met is True and registrations.sla_of(slow).met is False
    assert registrations.sla_of(waiting, later(hours=10)).met is None
    assert registrations.sla_of(waiting, later(hours=50)).overdue is True
    assert registrations.sla_of(slow).describe() == "decided in 2 d 1 h, outside the 48 h SLA"


# Extensions ---------------------------------------------------------------------------------------

def _request(db, who, registration, now=NOW, reason="Tender delayed by a month"):
    registrations.request_extension(db, who, registration.id, ExtensionRequestIn(version=registration.version,
                                                                                 reason=reason), now=now)
    db.flush()
    return registration


def _extend(db, who, registration, now=NOW, days=None):
    registrations.extend(db, who, registration.id, ExtendIn(version=registration.version, days=days), now=now)
    db.flush()
    return registration


def test_the_registering_partner_asks_for_an_extension(db, ana, lucia):
    registration = _request(db, ana, approve(db, lucia, submit(db, ana)), now=later(80))
    assert (registration.extension_requested_at, registration.extension_request_reason) == (
        later(80), "Tender delayed by a month")
    assert actions(db, "registrations", registration.id)[-1] == "request_extension"


def test_the_distributor_and_other_partners_cannot_ask_for_an_extension(db, ana, lucia, actor, world):
    registration = approve(db, lucia, submit(db, ana, distributor_id=world.partners["delta"]))
    with pytest.raises(NotPermitted, match="registering partner"):
        _request(db, actor("dora"), registration)
    with pytest.raises(NotFound):
        _request(db, actor("bruno"), registration)
    assert registration.extension_requested_at is None


def test_an_extension_is_asked_for_once_and_only_on_approved_registrations(db, ana, lucia):
    submitted = submit(db, ana)
    with pytest.raises(Conflict, match="is submitted"):
        _request(db, ana, submitted)
    approved = _request(db, ana, approve(db, lucia, submitted))
    with pytest.raises(Conflict, match="awaits a decision"):
        _request(db, ana, approved)


def test_extending_adds_the_programs_extension_days_to_the_expiry(db, ana, lucia):
    registration = _request(db, ana, approve(db, lucia, submit(db, ana)))
    _extend(db, lucia, registration, now=later(10))
    assert (registration.expires_on, registration.extensions, registration.extension_requested_at,
            registration.extension_request_reason) == (day(120), 1, None, "")
    _extend(db, lucia, registration, now=later(11), days=10)
    assert registration.expires_on == day(130) and registration.extensions == 2
    assert actions(db, "registrations", registration.id)[-2:] == ["extend", "extend"]


def test_an_expired_registration_is_extended_from_today(db, ana, lucia):
    registration = approve(db, lucia, submit(db, ana))
    assert registrations.expire_overdue(db, today=day(100)) == 1
    assert registration.status == "expired"
    _extend(db, lucia, registration, now=later(100))
    assert (registration.status, registration.expires_on) == ("approved", day(130))


def test_the_programs_maximum_of_extensions_is_enforced(db, admin, ana, lucia, world):
    _program(db, admin, world.partners["abertas"], max_extensions=1)
    registration = _extend(db, lucia, approve(db, lucia, submit(db, ana)))
    with pytest.raises(InvalidInput, match="1 extension"):
        _request(db, ana, registration)
    with pytest.raises(InvalidInput, match="the most the 'Gold resellers' program allows"):
        _extend(db, lucia, registration)
    assert registration.extensions == 1 and registration.expires_on == day(120)


def test_only_staff_extend_and_only_approved_registrations(db, ana, lucia):
    registration = submit(db, ana)
    with pytest.raises(Conflict, match="only approved registrations are extended"):
        _extend(db, lucia, registration)
    approve(db, lucia, registration)
    with pytest.raises(NotPermitted):
        _extend(db, ana, registration)


# Expiry -------------------------------------------------------------------------------------------

def test_the_sweep_expires_approved_registrations_past_their_date_only(db, ana, lucia):
    old = approve(db, lucia, submit(db, ana), now=NOW)  # expires on day 90
    recent = approve(db, lucia, submit(db, ana, customer_name="Outra Ltda.", customer_website=None),
                     now=later(5))  # day 95
    waiting = submit(db, ana, customer_name="Terceira Ltda.", customer_website=None)
    rejected = submit(db, ana, customer_name="Quarta Ltda.", customer_website=None)
    registrations.reject(db, lucia, rejected.id, RejectIn(version=rejected.version, reason="Duplicate"))
    db.flush()
    assert registrations.expire_overdue(db, today=day(90)) == 0  # the expiry day itself still counts
    assert registrations.expire_overdue(db, today=day(91)) == 1
    db.flush()
    assert [r.status for r in (old, recent, waiting, rejected)] == ["expired", "approved", "submitted", "rejected"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_id == old.id,
                                                AuditEntry.entity_type == "registrations",
                                                AuditEntry.action == "expire")).one()
    assert entry.actor_id is None and "system" in entry.actor_label
    assert entry.before["status"] == "approved" and entry.after["status"] == "expired"


def test_an_approved_registration_past_its_date_is_expired_before_the_sweep(db, ana, lucia):
    registration = approve(db, lucia, submit(db, ana))
    assert not registrations.is_expired(registration, day(90))
    assert registrations.is_expired(registration, day(91))
    assert registrations.effective_status(registration, day(91)) == "expired"
    page = registrations.list_registrations(db, lucia, RegistrationFilter(status="expired"), now=later(91))
    assert registration.id in [r.id for r in page.items]
    page = registrations.list_registrations(db, lucia, RegistrationFilter(status="approved"), now=later(91))
    assert registration.id not in [r.id for r in page.items]


# Converting ---------------------------------------------------------------------------------------

def _convert(db, who, registration, now=NOW, **fields) -> Opportunity:
    opportunity = registrations.convert(db, who, registration.id, ConvertIn(version=registration.version, **fields),
                                        now=now)
    db.flush()
    return opportunity


def test_converting_creates_an_opportunity_that_keeps_the_deal(db, admin, ana, lucia, world):
    fx.set_rate(db, admin, "BRL", date(2026, 11, 1), "0.18")
    linux = _product(db, admin, "ELS-1Y")
    registration = approve(db, lucia, submit(db, ana, amount="250000.00", currency="BRL",
                                             distributor_id=world.partners["delta"], hidden_from_distributor=True,
                                             products=[{"product_id": linux.id, "quantity": 4}]))
    opportunity = _convert(db, lucia, registration, now=later(3))
    assert (opportunity.registration_id, opportunity.partner_id, opportunity.territory_id, opportunity.name) == (
        registration.id, world.partners["abertas"], world.territories["brazil"], "Metalúrgica — Linux estate")
    assert (opportunity.amount_minor, opportunity.currency, opportunity.close_date) == (25000000, "BRL", CLOSE)
    assert (opportunity.distributor_id, opportunity.hidden_from_distributor, opportunity.source) == (
        world.partners["delta"], True, "partner")
    qualify = stages.stage_by_key(db, "qualify")
    assert (opportunity.stage_id, opportunity.outcome, opportunity.probability, opportunity.stage_changed_at) == (
        qualify.id, "open", 10, later(3))
    assert opportunity.owner_id == world.users["lucia"]  # the partner's owner
    lines = db.execute(select(OpportunityProduct.product_id, OpportunityProduct.quantity)
                       .where(OpportunityProduct.opportunity_id == opportunity.id)).all()
    assert lines == [(linux.id, 4)]
    [move] = db.scalars(select(StageChange).where(StageChange.opportunity_id == opportunity.id)).all()
    assert (move.from_stage_id, move.to_stage_id, move.at, move.by_id, move.amount_minor) == (
        None, qualify.id, later(3), world.users["lucia"], 25000000)
    assert registration.status == "converted" and registration.account_id == opportunity.account_id
    assert actions(db, "registrations", registration.id)[-1] == "convert"
    assert actions(db, "opportunities", opportunity.id) == ["create"]
    assert registrations.opportunity_of(db, ana, registration.id).id == opportunity.id


def test_a_conversion_may_start_in_a_later_stage(db, ana, lucia):
    opportunity = _convert(db, lucia, approve(db, lucia, submit(db, ana)), stage="Propose")
    assert (opportunity.stage_id, opportunity.probability) == (stages.stage_by_key(db, "propose").id, 40)


def test_a_new_customer_becomes_an_account_of_the_partner(db, ana, lucia, world):
    before = rows(db, Account)
    registration = approve(db, lucia, submit(db, ana, customer_tax_id=CNPJ_A))
    opportunity = _convert(db, lucia, registration)
    account = db.get(Account, opportunity.account_id)
    assert rows(db, Account) == before + 1
    assert (account.name, account.name_key, account.domain, account.country, account.tax_id, account.territory_id,
            account.partner_id) == ("Metalúrgica Paulista Ltda.", "metalurgicapaulista", "metalurgicapaulista.com.br",
                                    "BR", "12345678000195", world.territories["brazil"], world.partners["abertas"])
    assert actions(db, "accounts", account.id) == ["create"]


@pytest.mark.parametrize("overrides", [
    {"customer_name": "Horizonte Holding", "customer_website": "https://bancohorizonte.com.br/ti"},
    {"customer_name": "BANCO HORIZONTE SA", "customer_website": None},
    {"customer_name": "Outro Nome", "customer_website": None, "customer_tax_id": CNPJ_A},
])
def test_a_conversion_reuses_an_account_with_the_same_domain_name_or_tax_id(db, admin, ana, lucia, world,
                                                                             overrides):
    db.get(Account, world.accounts["brazil"]).tax_id = "12345678000195"
    db.flush()
    before = rows(db, Account)
    registration = approve(db, lucia, submit(db, ana, **overrides))
    assert _convert(db, lucia, registration).account_id == world.accounts["brazil"]
    assert rows(db, Account) == before


def test_a_registration_on_an_account_converts_onto_that_account(db, ana, lucia, world):
    registration = approve(db, lucia, submit(db, ana, account_id=world.accounts["abertas"]))
    assert _convert(db, lucia, registration).account_id == world.accounts["abertas"]


def test_only_approved_unexpired_registrations_convert_and_only_by_staff(db, ana, lucia):
    registration = submit(db, ana)
    with pytest.raises(Conflict, match="only approved registrations convert"):
        _convert(db, lucia, registration)
    approve(db, lucia, registration)
    with pytest.raises(NotPermitted):
        _convert(db, ana, registration)
    with pytest.raises(Conflict, match="extend it before converting"):
        _convert(db, lucia, registration, now=later(91))
    assert rows(db, Opportunity) == 1  # the world's own opportunity only
    _convert(db, lucia, registration, now=later(90))
    with pytest.raises(Conflict, match="is converted"):
        _convert(db, lucia, registration)


@pytest.mark.parametrize("fields, message", [
    ({"stage": "closing"}, "Unknown stage 'closing': use one of qualify, discover"),
    ({"owner_id": 999_999}, "active manager or admin"),
])
def test_a_refused_conversion_leaves_no_account_behind(db, ana, lucia, fields, message):
    registration = approve(db, lucia, submit(db, ana))
    before = (rows(db, Account), rows(db, Opportunity), audit_rows(db))
    with pytest.raises(InvalidInput, match=message):
        _convert(db, lucia, registration, **fields)
    db.flush()
    assert (rows(db, Account), rows(db, Opportunity), audit_rows(db)) == before
    assert (registration.status, registration.account_id) == ("approved", None)


# Reading and visibility ---------------------------------------------------------------------------

def _visible_ids(db, who, **filters) -> set[int]:
    page = registrations.list_registrations(db, who, RegistrationFilter(**filters), per_page=100, now=NOW)
    return {r.id for r in page.items}


@pytest.fixture
def deals(db, ana, lucia, admin, actor, world):
    """Registrations of Abertas (shown to Delta, hidden from it, without it), of Nube Bravo and of Northwind."""
    return dict(
        shown=world.registrations["abertas"],
        hidden=submit(db, ana, distributor_id=world.partners["delta"], hidden_from_distributor=True).id,
        direct=submit(db, ana, customer_name="Sem Distribuidor Ltda.", customer_website=None).id,
        bravo=submit(db, lucia, partner_id=world.partners["bravo"], customer_name="Cervecería Regia",
                     customer_country="MX", customer_website=None).id,
        northwind=submit(db, actor("nathan"), partner_id=world.partners["northwind"],
                         customer_name="Harbor Health", customer_country="US", customer_website=None).id,
    )


def test_partner_users_see_their_own_partners_registrations_only(db, actor, deals):
    assert _visible_ids(db, actor("ana")) == {deals["shown"], deals["hidden"], deals["direct"]}
    assert _visible_ids(db, actor("bruno")) == {deals["bravo"]}
    with pytest.raises(NotFound):
        registrations.get_registration(db, actor("bruno"), deals["shown"])


def test_a_distributor_sees_the_registrations_that_name_it_unless_hidden(db, actor, deals):
    dora = actor("dora")
    assert _visible_ids(db, dora) == {deals["shown"]}
    for key in ("hidden", "direct", "bravo"):
        with pytest.raises(NotFound):
            registrations.get_registration(db, dora, deals[key])


def test_managers_see_the_registrations_of_their_territories(db, actor, deals):
    assert _visible_ids(db, actor("lucia")) == {deals[k] for k in ("shown", "hidden", "direct", "bravo")}
    assert _visible_ids(db, actor("nathan")) == {deals["northwind"]}
    assert len(_visible_ids(db, actor("admin"))) == 5


def test_registrations_filter_by_partner_territory_text_and_conflicts(db, lucia, world, deals):
    assert _visible_ids(db, lucia, partner_id=world.partners["bravo"]) == {deals["bravo"]}
    assert _visible_ids(db, lucia, territory_id=world.territories["mexico"]) == {deals["bravo"]}
    assert _visible_ids(db, lucia, territory_id=world.territories["latam"]) == {
        deals[k] for k in ("shown", "hidden", "direct", "bravo")}
    assert _visible_ids(db, lucia, q="distribuidor") == {deals["direct"]}
    assert _visible_ids(db, lucia, q="nube bravo") == {deals["bravo"]}
    # Nube Bravo's customer is already an account (Cervecería Regia S.A. de C.V.): the check flagged it.
    assert _visible_ids(db, lucia, conflicts=True) == {deals["bravo"]}
    assert deals["bravo"] not in _visible_ids(db, lucia, conflicts=False)


def test_overdue_and_expiring_filters(db, ana, lucia, deals):
    soon = approve(db, lucia, submit(db, ana, customer_name="Quinta Ltda.", customer_website=None), now=later(-80))
    page = registrations.list_registrations(db, lucia, RegistrationFilter(expiring_days=15), now=NOW)
    assert [r.id for r in page.items] == [soon.id]
    overdue = registrations.list_registrations(db, lucia, RegistrationFilter(overdue=True), now=later(3))
    assert {deals["hidden"], deals["direct"], deals["bravo"]} <= {r.id for r in overdue.items}
    assert soon.id not in {r.id for r in overdue.items}


def test_registrations_sort(db, ana, lucia, deals):
    first = registrations.get_registration(db, lucia, deals["hidden"])
    first.decision_due_at = later(-30)  # the most urgent decision
    registrations.get_registration(db, lucia, deals["shown"]).submitted_at = later(-10)  # the oldest
    db.flush()
    due = registrations.list_registrations(db, lucia, RegistrationFilter(status="submitted"), sort="due",
                                           per_page=100, now=NOW).items
    assert due[0].id == first.id
    newest = registrations.list_registrations(db, lucia, RegistrationFilter(), sort="submitted", now=NOW).items
    assert newest[-1].id == deals["shown"]
    by_conflicts = registrations.list_registrations(db, lucia, RegistrationFilter(), sort="conflicts", now=NOW)
    assert by_conflicts.items[0].id == deals["bravo"] and by_conflicts.total == 4


def test_a_distributor_sees_the_products_of_the_deals_it_sees(db, admin, ana, actor, world):
    linux = _product(db, admin, "ELS-1Y")
    shown = submit(db, ana, distributor_id=world.partners["delta"], products=[{"product_id": linux.id}])
    hidden = submit(db, ana, distributor_id=world.partners["delta"], hidden_from_distributor=True,
                    customer_name="Outra Ltda.", customer_website=None, products=[{"product_id": linux.id}])
    lines = registrations.lines_of(db, actor("dora"), [shown.id, hidden.id])
    assert list(lines) == [shown.id]
    assert registrations.lines_of(db, actor("bruno"), [shown.id]) == {}


def test_partners_do_not_see_conflicts_only_that_a_review_is_needed(db, ana, lucia):
    registration = submit(db, ana)
    with pytest.raises(NotPermitted):
        registrations.conflicts_of(db, ana, registration)
    assert registrations.conflicts_of(db, lucia, registration, today=TODAY) == []


def test_the_history_of_a_registration_lists_every_transition(db, ana, lucia):
    registration = _request(db, ana, approve(db, lucia, submit(db, ana)))
    _extend(db, lucia, registration)
    _convert(db, lucia, registration)
    assert [e.action for e in registrations.history_of(db, ana, registration.id)] == [
        "convert", "extend", "request_extension", "approve", "submit"]


# Programs -----------------------------------------------------------------------------------------

def test_partners_follow_their_own_program_or_the_default(db, admin, world):
    abertas, bravo = db.get(Partner, world.partners["abertas"]), db.get(Partner, world.partners["bravo"])
    assert stages.program_of(db, abertas).name == "Standard"
    gold = _program(db, admin, abertas.id, registration_days=120)
    assert stages.program_of(db, abertas).id == gold.id
    assert stages.program_of(db, bravo).name == "Standard"


def test_there_is_one_default_program(db, admin):
    standard = stages.default_program(db)
    loaded = standard.version
    new = _program(db, admin, is_default=True)
    db.refresh(standard)
    assert stages.default_program(db).id == new.id
    assert standard.is_default is False and standard.version == loaded + 1
    assert [e.action for e in history(db, "programs", new.id)] == ["create"]


def test_the_old_default_can_be_edited_right_after_losing_the_mark(db, admin):
    standard = stages.default_program(db)
    _program(db, admin, is_default=True)
    assert standard.is_default is False
    stages.update_program(db, admin, standard.id, ProgramUpdate(version=standard.version, registration_days=60))
    db.flush()
    db.expire_all()
    assert (standard.registration_days, standard.is_default) == (60, False)


def test_the_default_is_moved_not_removed(db, admin):
    standard = stages.default_program(db)
    with pytest.raises(InvalidInput, match="Mark another program as the default"):
        stages.update_program(db, admin, standard.id, ProgramUpdate(version=standard.version, is_default=False))
    other = _program(db, admin)
    stages.update_program(db, admin, other.id, ProgramUpdate(version=other.version, is_default=True))
    db.flush()
    db.refresh(standard)
    assert (other.is_default, standard.is_default) == (True, False)
    assert db.scalars(select(Program.id).where(Program.is_default.is_(True))).all() == [other.id]


def test_a_program_update_changes_the_fields_given(db, admin):
    program = _program(db, admin, extension_days=15)
    stages.update_program(db, admin, program.id, ProgramUpdate(version=program.version, max_extensions=5))
    db.flush()
    assert (program.extension_days, program.max_extensions, program.registration_days) == (15, 5, 90)
    assert [e.action for e in history(db, "programs", program.id)] == ["update", "create"]


def test_program_names_are_unique_and_only_admins_write_programs(db, admin, lucia):
    program = _program(db, admin)
    with pytest.raises(Duplicate) as caught:
        _program(db, admin)
    assert caught.value.link == f"/programs/{program.id}"
    with pytest.raises(NotPermitted):
        stages.create_program(db, lucia, ProgramIn(name="Mine"))
    with pytest.raises(NotPermitted):
        stages.update_program(db, lucia, program.id, ProgramUpdate(version=program.version, max_extensions=9))


def test_partner_users_see_only_the_program_they_follow(db, admin, ana, actor, world):
    assert [p.name for p in stages.list_programs(db, ana)] == ["Standard"]
    _program(db, admin, world.partners["abertas"])
    assert [p.name for p in stages.list_programs(db, ana)] == ["Gold resellers"]
    assert [p.name for p in stages.list_programs(db, actor("bruno"))] == ["Standard"]
    assert [p.name for p in stages.list_programs(db, actor("lucia"))] == ["Gold resellers", "Standard"]
