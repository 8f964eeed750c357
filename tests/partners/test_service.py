import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry, history
from channelbase.core.errors import Duplicate, InvalidInput, NotFound, NotPermitted, StaleEdit
from channelbase.partners import accounts, service, territories
from channelbase.partners.models import Partner
from channelbase.partners.schemas import (
    AccountCreate, LinkCreate, PartnerCreate, PartnerFilter, PartnerUpdate, TerritoryCreate,
)


def _new_partner(world, **overrides) -> PartnerCreate:
    fields = dict(name="Andes Cloud S.R.L.", type="var", territory_id=world.territories["argentina"],
                  country="AR", currency="ARS", website="https://andescloud.com.ar", tax_id="20-26756539-3")
    return PartnerCreate(**{**fields, **overrides})


def test_a_manager_adds_a_partner_in_their_territory_and_it_is_audited(db, actor, world):
    partner = service.create_partner(db, actor("lucia"), _new_partner(world))
    assert partner.name_key == "andescloud" and partner.domain == "andescloud.com.ar"
    assert partner.tax_id == "20267565393"
    [entry] = history(db, "partners", partner.id)
    assert entry.action == "create" and entry.actor_id == world.users["lucia"] and entry.after["name"] == partner.name


def test_a_manager_cannot_add_a_partner_outside_their_territories(db, actor, world):
    with pytest.raises(InvalidInput, match="not one of yours"):
        service.create_partner(db, actor("nathan"), _new_partner(world))


def test_a_partner_user_cannot_add_partners(db, actor, world):
    with pytest.raises(NotPermitted):
        service.create_partner(db, actor("ana"), _new_partner(world))


@pytest.mark.parametrize("overrides, reason", [
    ({"name": "SOLUCOES ABERTAS S/A", "website": "", "tax_id": None}, "name"),
    ({"tax_id": "11.444.777/0001-61", "country": "BR", "territory_id": None, "currency": "BRL"}, "tax id"),
    ({"website": "http://www.abertas.com.br/"}, "web domain"),
])
def test_it_refuses_a_duplicate_partner_and_links_to_the_existing_one(db, actor, world, overrides, reason):
    if overrides.get("territory_id", 0) is None:
        overrides["territory_id"] = world.territories["brazil"]
    with pytest.raises(Duplicate) as caught:
        service.create_partner(db, actor("lucia"), _new_partner(world, **overrides))
    assert reason in caught.value.message
    assert caught.value.link == f"/partners/{world.partners['abertas']}"
    assert db.scalar(select(Partner).where(Partner.name == "Andes Cloud S.R.L.")) is None


def test_a_duplicate_hidden_from_the_actor_is_reported_without_revealing_it(db, actor, world):
    data = _new_partner(world, name="Northwind Systems LLC", territory_id=world.territories["brazil"], country="BR",
                        tax_id=None, website="")
    with pytest.raises(Duplicate) as caught:
        service.create_partner(db, actor("lucia"), data)
    assert "Northwind" not in caught.value.message and caught.value.link is None


def test_an_invalid_tax_id_is_refused_with_its_name(world):
    with pytest.raises(ValueError, match="CUIT"):
        _new_partner(world, tax_id="20-26756539-4")


def test_an_edit_on_a_stale_version_is_refused_naming_who_changed_it(db, actor, world):
    lucia = actor("lucia")
    partner = service.get_partner(db, lucia, world.partners["bravo"])
    loaded = partner.version
    service.update_partner(db, lucia, partner.id, PartnerUpdate(version=loaded, city="Guadalajara"))
    db.flush()
    with pytest.raises(StaleEdit, match="changed by Lucía Fernández"):
        service.update_partner(db, actor("admin"), partner.id, PartnerUpdate(version=loaded, city="Puebla"))
    assert service.get_partner(db, lucia, partner.id).city == "Guadalajara"


def test_an_update_records_before_and_after(db, actor, world):
    service.update_partner(db, actor("lucia"), world.partners["bravo"],
                           PartnerUpdate(version=1, tier="gold", is_priority=True))
    entry = history(db, "partners", world.partners["bravo"])[0]
    assert entry.action == "update"
    changes = {name: (before, after) for name, before, after in entry.changed_fields()}
    assert changes["tier"] == ("silver", "gold") and changes["is_priority"] == (False, True)


def test_soft_delete_hides_the_partner_and_restore_brings_it_back(db, actor, world):
    lucia = actor("lucia")
    service.delete_partner(db, lucia, world.partners["bravo"])
    with pytest.raises(NotFound):
        service.get_partner(db, lucia, world.partners["bravo"])
    names = [p.name for p in service.list_partners(db, lucia, PartnerFilter()).items]
    assert "Nube Bravo S.A. de C.V." not in names
    assert service.list_partners(db, lucia, PartnerFilter(deleted=True)).total == 1
    service.restore_partner(db, lucia, world.partners["bravo"])
    assert service.get_partner(db, lucia, world.partners["bravo"]).deleted_at is None
    assert [e.action for e in history(db, "partners", world.partners["bravo"])][:2] == ["restore", "delete"]


def test_a_deleted_partner_frees_its_name_and_cannot_be_restored_over_a_new_one(db, actor, world):
    lucia = actor("lucia")
    service.delete_partner(db, lucia, world.partners["bravo"])
    service.create_partner(db, lucia, _new_partner(world, name="Nube Bravo", territory_id=world.territories["mexico"],
                                                   country="MX", tax_id=None, website=""))
    with pytest.raises(Duplicate):
        service.restore_partner(db, lucia, world.partners["bravo"])


@pytest.mark.parametrize("persona, expected", [
    ("admin", {"abertas", "bravo", "delta", "northwind"}),
    ("lucia", {"abertas", "bravo", "delta"}),
    ("nathan", {"northwind"}),
    ("ana", {"abertas"}),
    ("bruno", {"bravo"}),
])
def test_each_actor_sees_exactly_their_partners(db, actor, world, persona, expected):
    seen = {p.id for p in service.list_partners(db, actor(persona), PartnerFilter()).items}
    assert seen == {world.partners[k] for k in expected}


def test_search_ignores_case_accents_and_legal_forms(db, actor, world):
    page = service.list_partners(db, actor("admin"), PartnerFilter(q="SOLUCOES abertas ltda"))
    assert [p.id for p in page.items] == [world.partners["abertas"]]


def test_territory_filter_includes_territories_below(db, actor, world):
    page = service.list_partners(db, actor("admin"), PartnerFilter(territory_id=world.territories["latam"]))
    assert {p.id for p in page.items} == {world.partners[k] for k in ("abertas", "bravo", "delta")}


def test_a_partner_user_reads_another_partners_row_as_not_found(db, actor, world):
    with pytest.raises(NotFound):
        service.get_partner(db, actor("ana"), world.partners["bravo"])


def test_links_join_a_distributor_to_a_reseller_only(db, actor, world):
    with pytest.raises(InvalidInput, match="not a distributor"):
        service.link_reseller(db, actor("admin"), LinkCreate(distributor_id=world.partners["abertas"],
                                                             reseller_id=world.partners["bravo"]))
    link = service.link_reseller(db, actor("admin"), LinkCreate(distributor_id=world.partners["delta"],
                                                                reseller_id=world.partners["bravo"]))
    links = service.partner_links(db, actor("admin"), world.partners["delta"])
    assert {p.id for _, p in links["resellers"]} == {world.partners["abertas"], world.partners["bravo"]}
    assert link.id


def test_a_partner_users_account_belongs_to_their_partner_and_territory(db, actor, world):
    account = accounts.create_account(db, actor("bruno"), AccountCreate(
        name="Aceros del Norte S.A.B. de C.V.", country="MX", territory_id=world.territories["us_east"]))
    assert account.partner_id == world.partners["bravo"]
    assert account.territory_id == world.territories["mexico"]


def test_an_account_duplicate_is_refused_by_normalised_name(db, actor, world):
    with pytest.raises(Duplicate, match="Banco Horizonte"):
        accounts.create_account(db, actor("lucia"), AccountCreate(
            name="BANCO HORIZONTE", country="BR", territory_id=world.territories["brazil"]))


def test_only_admins_change_territories(db, actor, world):
    with pytest.raises(NotPermitted):
        territories.create_territory(db, actor("lucia"), TerritoryCreate(name="Uruguay",
                                                                         parent_id=world.territories["latam"]))
    uruguay = territories.create_territory(db, actor("admin"), TerritoryCreate(
        name="Uruguay", parent_id=world.territories["latam"], currency="UYU"))
    assert uruguay.path == f"/{world.territories['americas']}/{world.territories['latam']}/{uruguay.id}/"
    assert uruguay.id in {t.id for t in territories.list_territories(db, actor("lucia"))}
    assert uruguay.id not in {t.id for t in territories.list_territories(db, actor("nathan"))}


def test_every_change_lands_in_the_audit_log(db, actor, world):
    before = db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    service.create_partner(db, actor("lucia"), _new_partner(world))
    service.update_partner(db, actor("admin"), world.partners["northwind"], PartnerUpdate(version=1, city="Albany"))
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.id > before)).all()
    assert actions == ["create", "update"]
