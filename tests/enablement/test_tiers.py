"""Tier requirements: the defaults while nothing is stored, saving the whole table (checked, audited, and
refused when stale), measuring many partners at once, and the portal following what the program set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from channelbase.auth.visibility import visible_partner_ids
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, NotPermitted, StaleEdit
from channelbase.deals import fx, opportunities, registrations
from channelbase.deals.deal_schemas import OpportunityCreate, RegistrationCreate, RejectIn
from channelbase.enablement import catalogue, tiers
from channelbase.enablement.certifications import certified_people
from channelbase.enablement.models import Certification, TierRequirement
from channelbase.enablement.schemas import CourseIn
from channelbase.enablement.tier_measures import NOTHING, measure
from channelbase.partners import accounts, service as partners
from channelbase.partners.models import Partner
from channelbase.partners.schemas import AccountCreate, ContactCreate, PartnerCreate
from channelbase.portal.status import tier_progress

TODAY = date.today()


@dataclass
class Built:
    partner_id: int
    account_id: int
    sales_id: int
    presales_id: int


def _won(db, actor, built: Built, amount: str, currency: str, days_ago: int, stage: str = "won"):
    return opportunities.create_opportunity(db, actor, OpportunityCreate(
        name=f"{stage} {amount} {currency} {days_ago}", account_id=built.account_id, partner_id=built.partner_id,
        amount=amount, currency=currency, close_date=TODAY - timedelta(days=days_ago), stage=stage))


def _register(db, actor, partner_id: int, title: str):
    return registrations.submit_registration(db, actor, RegistrationCreate(
        partner_id=partner_id, title=title, customer_name=f"Cliente {title} S.A.", customer_country="BR",
        amount="1000.00", currency=fx.reporting_currency(), expected_close_date=TODAY + timedelta(days=30)))


def _certify(db, partner_id: int, contact_id: int, course_id: int, expires_on: date | None):
    db.add(Certification(partner_id=partner_id, contact_id=contact_id, course_id=course_id,
                         certified_on=TODAY - timedelta(days=30), expires_on=expires_on))


def build_silver_ready(db, actor, world) -> Built:
    """Rede Prata, a Registered partner in Brazil (Lucía's) that meets every default Silver requirement:
    won 51,000.00 USD over three currencies, three live registrations, one certified seller and one certified
    pre-sales engineer; plus what must not count (an old win, a loss, a rejected registration, a lapsed
    certification)."""
    admin, lucia = actor("admin"), actor("lucia")
    fx.set_rate(db, admin, "BRL", TODAY - timedelta(days=400), "0.20")
    fx.set_rate(db, admin, "MXN", TODAY - timedelta(days=400), "0.05")
    partner = partners.create_partner(db, admin, PartnerCreate(
        name="Rede Prata Ltda.", type="var", status="active", territory_id=world.territories["brazil"],
        country="BR", currency="BRL", owner_id=world.users["lucia"]))
    db.flush()
    account = accounts.create_account(db, admin, AccountCreate(
        name="Metalúrgica Prata S.A.", country="BR", territory_id=world.territories["brazil"]))
    people = [partners.create_contact(db, admin, ContactCreate(partner_id=partner.id, name=name, email=email,
                                                               role=role))
              for name, email, role in (("Paula Vendas", "paula@redeprata.com.br", "sales"),
                                        ("Rui Técnico", "rui@redeprata.com.br", "presales"),
                                        ("Sara Antiga", "sara@redeprata.com.br", "sales"))]
    db.flush()
    built = Built(partner.id, account.id, people[0].id, people[1].id)
    _won(db, lucia, built, "30000.00", "USD", days_ago=10)
    _won(db, lucia, built, "100000.00", "BRL", days_ago=40)  # 20,000.00 USD at 0.20
    _won(db, lucia, built, "20000.00", "MXN", days_ago=200)  # 1,000.00 USD at 0.05
    _won(db, lucia, built, "90000.00", "USD", days_ago=10, stage="lost")
    old = _won(db, lucia, built, "70000.00", "USD", days_ago=300)
    old.close_date = TODAY - timedelta(days=400)  # imported history: outside the twelve months
    for title in ("Uno", "Dos", "Tres"):
        _register(db, lucia, partner.id, title)
    rejected = _register(db, lucia, partner.id, "Quatro")
    registrations.reject(db, lucia, rejected.id, RejectIn(version=rejected.version, reason="Duplicate"))
    sales = catalogue.create_course(db, lucia, CourseIn(name="Prata sales", kind="sales", duration_hours=2,
                                                        certification_months=12))
    advanced = catalogue.create_course(db, lucia, CourseIn(name="Prata sales II", kind="sales", duration_hours=2,
                                                           certification_months=12))
    presales = catalogue.create_course(db, lucia, CourseIn(name="Prata pre-sales", kind="presales",
                                                           duration_hours=2, certification_months=12))
    db.flush()
    _certify(db, partner.id, people[0].id, sales.id, TODAY + timedelta(days=300))
    _certify(db, partner.id, people[0].id, advanced.id, None)  # the same seller twice: one person
    _certify(db, partner.id, people[1].id, presales.id, TODAY + timedelta(days=10))
    _certify(db, partner.id, people[2].id, sales.id, TODAY - timedelta(days=1))  # lapsed yesterday
    db.flush()
    return built


@pytest.fixture
def silver_ready(db, actor, world) -> Built:
    return build_silver_ready(db, actor, world)


def _form(table: tiers.TierTable, **cells: int | str) -> dict[str, str]:
    data = {tiers.cell_name(tier, key): str(table.minimums[tier][key])
            for tier in tiers.RANKED_TIERS for key in tiers.REQUIREMENT_KEYS}
    data.update({name: str(value) for name, value in cells.items()})
    return {**data, "stamp": table.stamp}


# The table ---------------------------------------------------------------------------------------

def test_with_nothing_stored_every_tier_asks_the_defaults(db, actor):
    table = tiers.tier_table(db, actor("lucia"))
    assert table.minimums == tiers.DEFAULT_REQUIREMENTS
    assert table.defaulted == {"silver", "gold", "platinum"}
    assert table.needs("registered") == {} and table.needs("gold")["certified_sales"] == 2
    assert table.needs("gold")["active_registrations"] == 3


def test_an_admin_saves_the_table_and_each_change_is_audited(db, actor):
    admin = actor("admin")
    table = tiers.tier_table(db, admin)
    changed = tiers.save_requirements(db, admin, tiers.read_form(_form(table, silver__certified_sales="0",
                                                                       gold__won_deals="7")))
    assert changed == 18  # every cell is stored the first time
    saved = tiers.tier_table(db, admin)
    assert saved.defaulted == frozenset() and saved.stamp != table.stamp
    assert saved.minimums["gold"]["won_deals"] == 7 and "certified_sales" not in saved.needs("silver")
    assert tiers.save_requirements(db, admin, tiers.read_form(_form(saved, platinum__bookings="2000000"))) == 1
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "tier_requirements")
                         .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries].count("create") == 18 and entries[-1].action == "update"
    assert entries[-1].before["minimum"] == 1_000_000 and entries[-1].after["minimum"] == 2_000_000


def test_a_configured_tier_asks_only_what_was_stored(db):
    db.add(TierRequirement(tier="silver", key="won_deals", minimum=4))
    db.flush()
    table = tiers._table(list(db.scalars(select(TierRequirement))))
    assert table.needs("silver") == {"won_deals": 4}  # a measure added later is not imposed on it
    assert table.minimums["gold"] == tiers.DEFAULT_REQUIREMENTS["gold"] and table.defaulted == {"gold", "platinum"}


def test_bad_minimums_are_named_beside_their_field(db, actor):
    table = tiers.tier_table(db, actor("admin"))
    with pytest.raises(InvalidInput) as refused:
        tiers.read_form(_form(table, silver__won_deals="-1", gold__bookings="12.5", platinum__registrations=""))
    assert refused.value.field_errors == {"silver__won_deals": "cannot be negative: enter 0 or more",
                                          "gold__bookings": "must be a whole number (0, 1, 2…)",
                                          "platinum__registrations": "required: enter 0 for no requirement"}
    assert "Silver · Deals won cannot be negative" in refused.value.message


def test_a_higher_tier_may_not_ask_less_than_a_lower_one(db, actor):
    admin = actor("admin")
    table = tiers.tier_table(db, admin)
    with pytest.raises(InvalidInput) as refused:
        tiers.save_requirements(db, admin, tiers.read_form(_form(table, silver__certified_sales="2",
                                                                 gold__certified_sales="1")))
    assert refused.value.field_errors == {
        "gold__certified_sales": "Gold asks for fewer certified sales people (1) than Silver (2)"}
    assert refused.value.message.startswith("Gold asks for fewer certified sales people (1) than Silver (2)")
    assert db.scalar(select(func.count()).select_from(TierRequirement)) == 0


def test_a_table_saved_meanwhile_refuses_the_older_form_and_only_admins_save(db, actor):
    admin = actor("admin")
    opened = tiers.tier_table(db, admin)
    tiers.save_requirements(db, admin, tiers.read_form(_form(opened, gold__won_deals="8")))
    with pytest.raises(StaleEdit) as stale:
        tiers.save_requirements(db, admin, tiers.read_form(_form(opened, gold__won_deals="9")))
    assert stale.value.status == 409 and "changed by Ada Admin" in stale.value.message
    with pytest.raises(NotPermitted):
        tiers.save_requirements(db, actor("lucia"), tiers.read_form(_form(tiers.tier_table(db, admin))))


# Measuring ---------------------------------------------------------------------------------------

def test_measure_counts_a_partner_built_here_with_grouped_queries(db, world, silver_ready):
    measures = measure(db, [silver_ready.partner_id, world.partners["abertas"]], TODAY)
    metrics = measures[silver_ready.partner_id]
    assert metrics.bookings == Decimal("51000.00")  # 30,000 USD + 100,000 BRL x 0.20 + 20,000 MXN x 0.05
    assert (metrics.won_deals, metrics.registrations, metrics.active_registrations) == (3, 3, 3)
    assert (metrics.certified_sales, metrics.certified_presales) == (1, 1)
    assert metrics.certified_sales == certified_people(db, silver_ready.partner_id, "sales", TODAY)
    abertas = measures[world.partners["abertas"]]
    assert (abertas.bookings, abertas.won_deals, abertas.registrations, abertas.active_registrations) == \
        (Decimal(0), 0, 1, 1)
    assert measure(db, [], TODAY) == {} and measures[999_999] is NOTHING


def test_measure_takes_a_select_of_partner_ids_and_a_past_day(db, actor, world, silver_ready):
    measures = measure(db, visible_partner_ids(actor("lucia")), TODAY)
    assert measures[silver_ready.partner_id].bookings == Decimal("51000.00")
    assert world.partners["northwind"] not in measures  # Nathan's partner: not in Lucía's select
    earlier = measure(db, [silver_ready.partner_id], TODAY - timedelta(days=35))[silver_ready.partner_id]
    assert earlier.bookings == Decimal("21000.00") and earlier.won_deals == 2  # before the 10-days-ago win
    assert earlier.registrations == 0 and earlier.active_registrations == 0  # registered today


def test_a_missing_rate_makes_only_that_partners_bookings_unknown(db, actor, world, silver_ready):
    stray = _won(db, actor("lucia"), silver_ready, "1000.00", "USD", days_ago=3)
    stray.currency = "COP"  # no COP rate at all (the service refuses it; imported data may not)
    db.flush()
    northwind = db.get(Partner, world.partners["northwind"])
    measures = measure(db, [silver_ready.partner_id, northwind.id], TODAY)
    assert measures[silver_ready.partner_id].bookings is None  # not known, never a silent 0
    assert measures[silver_ready.partner_id].won_deals == 4
    assert measures[northwind.id].bookings == Decimal(0)


# The portal follows the program's table ------------------------------------------------------------

def test_the_portal_progress_follows_the_configured_requirements(db, actor, world):
    admin = actor("admin")
    bruno = actor("bruno")
    bravo = db.get(Partner, world.partners["bravo"])  # silver: the portal shows Gold's requirements
    assert {r.key: r.need for r in tier_progress(db, bruno, bravo).requirements} == tiers.DEFAULT_REQUIREMENTS["gold"]
    table = tiers.tier_table(db, admin)
    tiers.save_requirements(db, admin, tiers.read_form(_form(
        table, gold__bookings="0", gold__won_deals="1", gold__registrations="0", gold__active_registrations="0",
        silver__bookings="0", silver__registrations="0", silver__won_deals="1", silver__active_registrations="0")))
    progress = tier_progress(db, bruno, bravo)
    assert [(r.key, r.need) for r in progress.requirements] == [
        ("won_deals", 1), ("certified_sales", 2), ("certified_presales", 2)]
    assert [r.met for r in progress.requirements] == [False, False, False]
