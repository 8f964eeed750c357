"""The conflict check: the same customer claimed twice, however its name was typed, and nothing else."""

import pytest

from channelbase.core.errors import NotFound, NotPermitted
from channelbase.deals import opportunities, registrations
from channelbase.deals.conflicts import Customer, find_conflicts, visible_link
from channelbase.deals.deal_schemas import ConvertIn, ExtendIn, MoveIn, RejectIn
from channelbase.partners import accounts
from channelbase.partners.schemas import AccountCreate
from tests.deals.deal_helpers import (
    CNPJ_A, CNPJ_B, NOW, TODAY, approve, day, fresh_indexes, later, new_opportunity, submit,
)

__all__ = ["fresh_indexes"]


@pytest.fixture
def claimed(db, ana):
    """Soluções Abertas' claim on Metalúrgica Paulista Ltda. (with a CNPJ and a web domain)."""
    return submit(db, ana, customer_tax_id=CNPJ_A)


def _found(db, name, today=TODAY, **fields):
    return find_conflicts(db, Customer(name, **{"country": "BR", **fields}), today)


def _summary(conflicts) -> list[tuple[str, int, str]]:
    return [(c.kind, c.id, c.reason) for c in conflicts]


@pytest.mark.parametrize("typed, reason", [
    ("Metalurgica Paulista", "same name"),  # accents lost, legal form dropped
    ("METALÚRGICA PAULISTA S/A", "same name"),  # another legal form
    ("Metalúrgica Paulsita Ltda.", "similar name"),  # a typo
    ("Metalurgica Pauista", "similar name"),  # a letter lost, and the accent
])
def test_the_same_customer_typed_differently_is_found(db, claimed, world, typed, reason):
    [conflict] = _found(db, typed)
    assert (conflict.kind, conflict.id, conflict.reason, conflict.status) == ("registration", claimed.id, reason,
                                                                             "submitted")
    assert (conflict.partner_id, conflict.partner_name, conflict.name) == (
        world.partners["abertas"], "Soluções Abertas Ltda.", "Metalúrgica Paulista Ltda.")
    assert conflict.score >= 80 and (conflict.score == 100) == (reason == "same name")
    assert conflict.link == f"/registrations/{claimed.id}"


def test_another_partners_submission_counts_a_claim_it_cannot_see(db, claimed, lucia, actor, world):
    second = submit(db, lucia, partner_id=world.partners["bravo"], customer_name="Metalurgica Paulsita")
    assert second.conflict_count == 1 and 80 <= second.conflict_score < 100
    with pytest.raises(NotFound):
        registrations.get_registration(db, actor("bruno"), claimed.id)


def test_the_same_tax_id_is_found_whatever_the_name(db, claimed):
    assert _summary(_found(db, "Grupo MP", tax_id="12345678000195")) == [("registration", claimed.id, "tax id")]
    assert _found(db, "Grupo MP", tax_id="12345678000195")[0].score == 100


def test_the_same_web_domain_is_found_whatever_the_name(db, claimed):
    [conflict] = _found(db, "Grupo MP", domain="http://www.metalurgicapaulista.com.br/compras")
    assert (conflict.id, conflict.reason, conflict.score) == (claimed.id, "domain", 95)


def test_the_strongest_reason_is_reported_once(db, claimed):
    [conflict] = _found(db, "Metalurgica Paulista", tax_id=CNPJ_A, domain="metalurgicapaulista.com.br")
    assert (conflict.id, conflict.score) == (claimed.id, 100)


def test_an_account_and_its_open_opportunity_are_found(db, world):
    conflicts = _found(db, "BANCO HORIZONTE")
    assert _summary(conflicts) == [("account", world.accounts["brazil"], "same name"),
                                   ("opportunity", world.opportunities["abertas"], "same name")]
    assert (conflicts[1].partner_name, conflicts[1].status, conflicts[1].name) == (
        "Soluções Abertas Ltda.", "Qualify", "Banco Horizonte S.A.")


def test_a_closed_opportunity_is_not_a_conflict(db, lucia, world):
    opportunities.move_stage(db, lucia, world.opportunities["abertas"], MoveIn(version=1, stage="lost"), now=NOW)
    db.flush()
    assert [c.kind for c in _found(db, "Banco Horizonte S.A.")] == ["account"]


def test_a_registration_on_a_matching_account_is_found_through_the_account(db, lucia, world):
    on_account = submit(db, lucia, partner_id=world.partners["bravo"], account_id=world.accounts["bravo"],
                        customer_name=None, customer_country=None, customer_website=None)
    conflicts = _found(db, "Cerveceria Regia", country="MX")
    assert ("registration", on_account.id, "same name") in _summary(conflicts)
    assert ("account", world.accounts["bravo"], "same name") in _summary(conflicts)


def test_decided_and_lapsed_registrations_are_not_conflicts(db, claimed, lucia):
    registrations.reject(db, lucia, claimed.id, RejectIn(version=claimed.version, reason="Direct account"))
    db.flush()
    assert _found(db, "Metalurgica Paulista", tax_id=CNPJ_A) == []


def test_an_approved_registration_conflicts_until_it_expires(db, claimed, lucia):
    approve(db, lucia, claimed)
    assert [c.status for c in _found(db, "Metalurgica Paulista", today=day(90))] == ["approved"]
    assert _found(db, "Metalurgica Paulista", today=day(91)) == []  # lapsed, even before the sweep
    registrations.expire_overdue(db, today=day(91))
    db.flush()
    assert _found(db, "Metalurgica Paulista", today=day(91)) == []


def test_an_expired_registration_that_is_extended_conflicts_again(db, claimed, lucia):
    approve(db, lucia, claimed)
    registrations.expire_overdue(db, today=day(91))
    db.flush()
    assert _found(db, "Metalúrgica Paulsita", today=day(91)) == []  # the index is built now, without it
    registrations.extend(db, lucia, claimed.id, ExtendIn(version=claimed.version), now=later(91))
    db.flush()
    assert _summary(_found(db, "Metalúrgica Paulsita", today=day(91))) == [
        ("registration", claimed.id, "similar name")]


def test_a_converted_registration_gives_way_to_its_opportunity(db, claimed, lucia):
    approve(db, lucia, claimed)
    opportunity = registrations.convert(db, lucia, claimed.id, ConvertIn(version=claimed.version), now=NOW)
    db.flush()
    kinds = _summary(_found(db, "Metalurgica Paulista"))
    assert ("opportunity", opportunity.id, "same name") in kinds
    assert all(kind != "registration" for kind, _, _ in kinds)


def test_a_converted_registration_is_not_in_conflict_with_its_own_opportunity(db, claimed, lucia, world):
    approve(db, lucia, claimed)
    registrations.convert(db, lucia, claimed.id, ConvertIn(version=claimed.version), now=NOW)
    db.flush()
    assert registrations.conflicts_of(db, lucia, claimed, today=TODAY) == []
    direct = opportunities.create_opportunity(db, lucia, new_opportunity(
        world, account_id=claimed.account_id, source="vendor"), now=NOW)
    db.flush()
    assert _summary(registrations.conflicts_of(db, lucia, claimed, today=TODAY)) == [
        ("opportunity", direct.id, "same account")]


def test_the_registration_itself_is_not_its_own_conflict(db, claimed, lucia, world):
    assert registrations.conflicts_of(db, lucia, claimed, today=TODAY) == []
    world_registration = registrations.get_registration(db, lucia, world.registrations["abertas"])
    assert registrations.conflicts_of(db, lucia, world_registration, today=TODAY) == []  # nor is its account
    rival = submit(db, lucia, partner_id=world.partners["bravo"], customer_name="Metalurgica Paulista S.A.")
    assert _summary(registrations.conflicts_of(db, lucia, claimed, today=TODAY)) == [
        ("registration", rival.id, "same name")]


@pytest.mark.parametrize("name", ["Vinícola Serra Gaúcha Ltda.", "Paulista Seguros S.A.", "Metalúrgica Andina",
                                  "Hospital Santa Clara"])
def test_an_unrelated_customer_finds_nothing(db, claimed, name):
    assert _found(db, name) == []


@pytest.mark.parametrize("registered, typed", [
    ("Banco Horizonte S.A.", "Horizonte Seguros S.A."),
    ("Hospital Santa Clara Ltda.", "Hospital Santa Maria Ltda."),
    ("Transportes Andinos S.A.", "Transportes Atlânticos S.A."),
    ("Construtora Vale Verde Ltda.", "Vale Verde Agropecuária Ltda."),
])
def test_names_that_share_words_are_not_the_same_customer(db, ana, registered, typed):
    submit(db, ana, customer_name=registered, customer_website=None)
    assert [c for c in _found(db, typed) if c.kind == "registration"] == []
    assert [c.name for c in _found(db, typed) if c.kind == "account"] == []


def test_a_similar_name_in_another_country_scores_lower(db, claimed):
    [home] = _found(db, "Metalurgica Pauista", country="BR")
    [abroad] = _found(db, "Metalurgica Pauista", country="AR")
    assert abroad.score == pytest.approx(home.score - 5)


def test_a_registration_with_another_tax_id_and_domain_but_the_same_name_still_conflicts(db, claimed):
    [conflict] = _found(db, "Metalúrgica Paulista Ltda.", tax_id=CNPJ_B, domain="outra.com.br")
    assert (conflict.id, conflict.reason) == (claimed.id, "same name")


def test_conflicts_are_sorted_best_first(db, claimed, lucia, world):
    fuzzy = submit(db, lucia, partner_id=world.partners["bravo"], customer_name="Metalurgica Paulsita",
                   customer_website=None)
    conflicts = _found(db, "Metalurgica Paulista")
    assert [c.id for c in conflicts] == [claimed.id, fuzzy.id]
    assert conflicts[0].score > conflicts[1].score


def test_a_new_account_is_found_once_created(db, actor, world):
    assert _found(db, "Vinicola Sera Gaucha") == []
    account = accounts.create_account(db, actor("admin"), AccountCreate(
        name="Vinícola Serra Gaúcha Ltda.", country="BR", territory_id=world.territories["brazil"]))
    db.flush()
    assert _summary(_found(db, "Vinicola Sera Gaucha")) == [("account", account.id, "similar name")]


def test_partner_users_hear_only_that_a_review_is_needed(db, claimed, ana, lucia, world):
    rival = submit(db, lucia, partner_id=world.partners["bravo"], customer_name="Metalurgica Paulista")
    with pytest.raises(NotPermitted):
        registrations.conflicts_of(db, ana, claimed)
    assert registrations.needs_review(rival) and not registrations.needs_review(claimed)


def test_links_are_given_only_to_what_the_viewer_may_open(db, actor, world):
    northwind = submit(db, actor("nathan"), partner_id=world.partners["northwind"], customer_name="Harbor Health",
                       customer_country="US", customer_website=None)
    [conflict] = [c for c in _found(db, "Harbor Health Inc", country="US") if c.kind == "registration"]
    assert conflict.id == northwind.id
    assert visible_link(db, actor("lucia"), conflict) is None
    assert visible_link(db, actor("nathan"), conflict) == f"/registrations/{northwind.id}"
