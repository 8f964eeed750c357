"""The product catalogue: admins write it, everyone signed in reads the active part; prices are exact."""


import pytest
from sqlalchemy import func, select

from channelbase.core.audit import history
from channelbase.core.errors import Duplicate, NotFound, NotPermitted, StaleEdit
from channelbase.core.money import Money, MoneyError
from channelbase.deals import products
from channelbase.deals.models import Product, ProductPrice
from channelbase.deals.schemas import PriceIn, ProductCreate, ProductFilter, ProductUpdate


def _product(db, admin, sku="ELS-STD-1Y", **overrides) -> Product:
    fields = dict(sku=sku, name="Enterprise Linux Server — Standard, 1 year", family="OS", term="annual")
    product = products.create_product(db, admin, ProductCreate(**{**fields, **overrides}))
    db.flush()
    return product


@pytest.fixture
def admin(actor):
    return actor("admin")


def test_an_admin_adds_a_product_and_the_audit_log_records_it(db, admin):
    product = _product(db, admin, sku="els-std-1y")
    assert (product.sku, product.term_months, product.is_subscription, product.active) == ("ELS-STD-1Y", 12, True, True)
    assert [e.action for e in history(db, "products", product.id)] == ["create"]


def test_a_sku_is_unique(db, admin):
    first = _product(db, admin)
    with pytest.raises(Duplicate) as caught:
        _product(db, admin, name="Something else")
    assert caught.value.link == f"/products/{first.id}"


@pytest.mark.parametrize("persona", ["lucia", "ana"])
def test_only_admins_write_the_catalogue(db, admin, actor, persona):
    product = _product(db, admin)
    who = actor(persona)
    with pytest.raises(NotPermitted):
        products.create_product(db, who, ProductCreate(sku="X-1", name="X", family="OS", term="annual"))
    with pytest.raises(NotPermitted):
        products.update_product(db, who, product.id, ProductUpdate(version=product.version, name="Y"))
    with pytest.raises(NotPermitted):
        products.set_price(db, who, product.id, Money("1", "USD"))


def test_an_edit_on_a_stale_version_is_refused_and_names_who_saved(db, admin):
    product = _product(db, admin)
    loaded = product.version
    products.update_product(db, admin, product.id, ProductUpdate(version=loaded, name="Renamed"))
    db.flush()
    with pytest.raises(StaleEdit, match="Ada Admin") as caught:
        products.update_product(db, admin, product.id, ProductUpdate(version=loaded, name="Mine"))
    assert caught.value.status == 409
    assert db.get(Product, product.id).name == "Renamed"


def test_an_update_changes_only_the_fields_given_and_is_audited(db, admin):
    product = _product(db, admin)
    products.update_product(db, admin, product.id, ProductUpdate(version=product.version, term="3-year"))
    db.flush()
    assert (product.term, product.term_months, product.name) == ("3-year", 36, "Enterprise Linux Server — Standard, 1 year")
    entry = history(db, "products", product.id)[0]
    assert entry.changed_fields() == [("term", "annual", "3-year")]


def test_list_prices_are_stored_exactly_in_minor_units_one_per_currency(db, admin):
    product = _product(db, admin)
    products.set_price(db, admin, product.id, Money.parse("1.234,56", "BRL", decimal_comma=True))
    products.set_price(db, admin, product.id, Money.parse("799", "USD"))
    products.set_price(db, admin, product.id, Money.parse("1.200.000", "CLP"))
    products.set_price(db, admin, product.id, Money.parse("1299.90", "BRL"))
    db.flush()
    rows = dict(db.execute(select(ProductPrice.currency, ProductPrice.list_price_minor)).all())
    assert rows == {"BRL": 129990, "USD": 79900, "CLP": 1200000}
    assert products.list_price(db, admin, product.id, "brl") == Money("1299.90", "BRL")


def test_a_negative_price_is_refused_and_nothing_is_written(db, admin):
    product = _product(db, admin)
    with pytest.raises(MoneyError, match="cannot be negative"):
        products.set_price(db, admin, product.id, Money("-1", "USD"))
    assert db.scalar(select(func.count()).select_from(ProductPrice)) == 0


def test_price_input_refuses_unknown_currencies_floats_and_ambiguity():
    with pytest.raises(MoneyError, match="'XBR' is not an ISO 4217"):
        products.price_from(PriceIn(amount="10"), "XBR")
    with pytest.raises(ValueError, match="float"):
        PriceIn(amount=10.5)
    with pytest.raises(MoneyError, match="ambiguous"):
        products.price_from(PriceIn(amount="1.200"), "BRL")
    assert products.price_from(PriceIn(amount="1.200", decimal_comma=True), "BRL") == Money("1200", "BRL")


def test_price_changes_appear_in_the_product_history(db, admin):
    product = _product(db, admin)
    products.set_price(db, admin, product.id, Money("100", "USD"))
    db.flush()
    products.set_price(db, admin, product.id, Money("120", "USD"))
    db.flush()
    entries = products.product_history(db, admin, product.id)
    assert [(e.entity_type, e.action) for e in entries] == [
        ("product_prices", "update"), ("product_prices", "create"), ("products", "create")]


def test_a_missing_list_price_is_not_found(db, admin):
    product = _product(db, admin)
    with pytest.raises(NotFound, match="no list price in MXN"):
        products.list_price(db, admin, product.id, "MXN")


def test_managers_and_partner_users_read_only_active_products(db, admin, actor):
    live = _product(db, admin, sku="LIVE-1")
    old = _product(db, admin, sku="OLD-1")
    products.set_price(db, admin, old.id, Money("5", "USD"))
    products.deactivate_product(db, admin, old.id)
    db.flush()
    for persona in ("lucia", "ana"):
        who = actor(persona)
        assert [p.sku for p in products.list_products(db, who, ProductFilter()).items] == ["LIVE-1"]
        with pytest.raises(NotFound):
            products.get_product(db, who, old.id)
        assert products.prices_for(db, who, [old.id]) == {}
        assert products.get_product(db, who, live.id).id == live.id
    assert {p.sku for p in products.list_products(db, admin, ProductFilter()).items} == {"LIVE-1", "OLD-1"}


def test_the_catalogue_is_searched_filtered_sorted_and_paginated(db, admin):
    for n in range(30):
        _product(db, admin, sku=f"SVC-{n:02d}", name=f"Consulting day {n:02d}", family="Services", term="one-time",
                 is_subscription=False)
    _product(db, admin, sku="CMP-1Y", name="Cloud Management Platform", family="Cloud")
    assert [p.sku for p in products.list_products(db, admin, ProductFilter(q="cloud man")).items] == ["CMP-1Y"]
    assert products.list_products(db, admin, ProductFilter(family="Services")).total == 30
    assert products.list_products(db, admin, ProductFilter(term="one-time"), per_page=25).has_next
    page = products.list_products(db, admin, ProductFilter(family="Services"), sort="-sku", page=2, per_page=25)
    assert [p.sku for p in page.items] == [f"SVC-{n:02d}" for n in range(4, -1, -1)]
    assert products.families(db, admin) == ["Cloud", "Services"]
    assert products.list_products(db, admin, ProductFilter(q="100%")).total == 0


def test_product_by_sku_ignores_case(db, admin):
    product = _product(db, admin)
    assert products.product_by_sku(db, admin, " els-std-1y ").id == product.id
    with pytest.raises(NotFound, match="channelbase products list"):
        products.product_by_sku(db, admin, "NOPE")


def test_deactivating_keeps_prices_and_history(db, admin):
    product = _product(db, admin)
    products.set_price(db, admin, product.id, Money("10", "USD"))
    products.deactivate_product(db, admin, product.id)
    db.flush()
    assert not product.active and products.list_price(db, admin, product.id, "USD") == Money("10", "USD")
    assert history(db, "products", product.id)[0].changed_fields() == [("active", True, False)]
