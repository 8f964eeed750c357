"""Product and FX-rate pages through the real app: lists, forms with errors beside fields, CSV dry run."""

import base64
import html
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from channelbase.core.money import Money
from channelbase.deals import fx, products
from channelbase.deals.models import FxRate, Product, ProductPrice
from channelbase.deals.schemas import ProductCreate

RATES = b"currency,date,rate\nBRL,2026-10-01,0.1850\nBRL,2026-11-01,0.1864\n"


def _product_form(**overrides):
    return {"sku": "CMP-1Y", "name": "Cloud Management Platform", "family": "Cloud", "term": "annual",
            "is_subscription": "1", "active": "1", **overrides}


def _skus(page_html: str) -> list[str]:
    return re.findall(r"<td><code>([^<]+)</code></td>", page_html)


@pytest.fixture
def catalogue(db, actor):
    admin = actor("admin")
    made = {}
    for sku, name, family in (("ELS-STD-1Y", "Enterprise Linux Server — Standard", "OS"),
                              ("ELS-PRM-3Y", "Enterprise Linux Server — Premium", "OS"),
                              ("TRN-DAY", "Training day", "Services")):
        made[sku] = products.create_product(db, admin, ProductCreate(sku=sku, name=name, family=family, term="annual"))
    db.flush()
    products.set_price(db, admin, made["ELS-STD-1Y"].id, Money("799", "USD"))
    products.set_price(db, admin, made["ELS-STD-1Y"].id, Money("4290", "BRL"))
    products.deactivate_product(db, admin, made["TRN-DAY"].id)
    db.flush()
    return made


def test_the_list_searches_filters_and_sorts(client_as, catalogue):
    client = client_as("admin")
    assert _skus(client.get("/products", params={"q": "premium"}).text) == ["ELS-PRM-3Y"]
    assert _skus(client.get("/products", params={"family": "OS", "sort": "-sku"}).text) == ["ELS-STD-1Y", "ELS-PRM-3Y"]
    assert _skus(client.get("/products", params={"active": "false"}).text) == ["TRN-DAY"]
    page = client.get("/products", params={"q": "standard"}).text
    assert "USD 799.00" in page and "BRL 4,290.00" in page and "+ New product" in page


def test_an_htmx_filter_returns_only_the_table(client_as, catalogue):
    response = client_as("admin").get("/products?q=linux", headers={"HX-Request": "true"})
    assert "<html" not in response.text and response.headers["HX-Push-Url"] == "/products?q=linux"


def test_partner_users_see_active_products_without_admin_controls(client_as, catalogue):
    page = client_as("ana").get("/products")
    assert set(_skus(page.text)) == {"ELS-STD-1Y", "ELS-PRM-3Y"} and "+ New product" not in page.text
    detail = client_as("ana").get(f"/products/{catalogue['ELS-STD-1Y'].id}")
    assert "R$ 4.290,00" in detail.text and "Set a list price" not in detail.text
    assert client_as("ana").get(f"/products/{catalogue['TRN-DAY'].id}").status_code == 404
    assert client_as("ana").get("/products/new").status_code == 403


def test_an_admin_adds_a_product_after_fixing_the_errors_shown_beside_the_fields(client_as, catalogue, db):
    client = client_as("admin")
    refused = client.post("/products", data=_product_form(sku="ELS-STD-1Y", name=""))
    assert refused.status_code == 422
    assert re.search(r'has-error">\s*<label for="f-name"', refused.text)
    duplicate = client.post("/products", data=_product_form(sku="els-std-1y"))
    assert duplicate.status_code == 409 and "already" in html.unescape(duplicate.text)
    created = client.post("/products", data=_product_form())
    product = db.scalars(select(Product).where(Product.sku == "CMP-1Y")).one()
    assert created.status_code == 303 and created.headers["location"] == f"/products/{product.id}"


def test_an_edit_on_a_stale_version_shows_who_saved_and_the_stored_values(client_as, catalogue):
    product = catalogue["ELS-PRM-3Y"]
    client = client_as("admin")
    version = product.version
    form = _product_form(sku=product.sku, name="First rename", family="OS", version=str(version))
    assert client.post(f"/products/{product.id}", data=form).status_code == 303
    stale = client.post(f"/products/{product.id}", data={**form, "name": "Second rename"})
    assert stale.status_code == 409
    assert "changed by Ada Admin" in stale.text and 'value="First rename"' in stale.text


def test_a_price_is_set_with_a_decimal_comma_and_bad_ones_are_shown_beside_the_field(client_as, catalogue, db):
    product = catalogue["ELS-PRM-3Y"]
    client = client_as("admin")
    saved = client.post(f"/products/{product.id}/prices", data={"currency": "brl", "amount": "12.990,00",
                                                                 "decimal_comma": "1"})
    assert saved.status_code == 303
    negative = client.post(f"/products/{product.id}/prices", data={"currency": "USD", "amount": "-10"})
    assert negative.status_code == 422 and "cannot be negative" in negative.text
    ambiguous = client.post(f"/products/{product.id}/prices", data={"currency": "BRL", "amount": "1.200"})
    assert ambiguous.status_code == 422 and "ambiguous" in ambiguous.text
    unknown = client.post(f"/products/{product.id}/prices", data={"currency": "ZZZ", "amount": "10"})
    assert unknown.status_code == 422 and re.search(r'has-error">\s*<label for="f-currency"', unknown.text)
    prices = dict(db.execute(select(ProductPrice.currency, ProductPrice.list_price_minor)
                             .where(ProductPrice.product_id == product.id)).all())
    assert prices == {"BRL": 1299000}
    detail = client.get(f"/products/{product.id}").text
    assert "BRL 12,990.00" in detail and "R$ 12.990,00" in detail
    assert "BRL list price: — → BRL 12,990.00" in html.unescape(detail)


def test_managers_see_rates_and_convert_but_get_no_admin_forms(client_as, db, actor):
    fx.load_rates_csv(db, actor("admin"), RATES, "rates-2026-11.csv")
    client = client_as("lucia")
    page = client.get("/fx-rates", params={"currency": "BRL"})
    assert page.status_code == 200 and "0.1864" in page.text and "csv:rates-2026-11.csv" in page.text
    assert "Load rates from a CSV file" not in page.text
    result = client.get("/fx-rates/convert", params={"amount": "1000", "currency": "BRL", "date": "2026-11-01"},
                        headers={"HX-Request": "true"})
    assert ("1,000.00 BRL on 2026-11-01 = 186.40 USD at 0.1864 (rate of 2026-11-01, source "
            "csv:rates-2026-11.csv)") in result.text


def test_the_converter_explains_a_missing_rate(client_as):
    result = client_as("lucia").get("/fx-rates/convert", params={"amount": "1000", "currency": "ARS",
                                                                 "date": "2026-11-01"})
    assert result.status_code == 200 and "No ARS→USD FX rate effective on 2026-11-01" in html.unescape(result.text)
    assert "Enter an amount" in client_as("lucia").get("/fx-rates/convert").text


def test_partner_users_may_not_open_the_rates_page(client_as):
    assert client_as("ana").get("/fx-rates").status_code == 403


def test_an_admin_adds_a_rate_or_sees_why_not(client_as, db):
    client = client_as("admin")
    bad = client.post("/fx-rates", data={"currency": "BRL", "effective_date": "2026-11-01", "rate": "-1"})
    assert bad.status_code == 422 and re.search(r'has-error">\s*<label for="r-rate"', bad.text)
    saved = client.post("/fx-rates", data={"currency": "BRL", "effective_date": "2026-11-01", "rate": "0,1864",
                                           "decimal_comma": "1"})
    assert saved.status_code == 303 and "saved=2026-11-01" in saved.headers["location"]
    assert fx.rate_on(db, "BRL", date(2026, 11, 1)).rate == fx.parse_rate("0.1864")


def test_a_dry_run_lists_each_problem_and_saves_nothing(client_as, db):
    bad = RATES + b"ARS,2026-13-01,0.001\n"
    page = client_as("admin").post("/fx-rates/import", files={"file": ("rates.csv", bad, "text/csv")})
    assert page.status_code == 422
    assert "Nothing was saved" in page.text and "/fx-rates/import/commit" not in page.text
    row = re.search(r"<tr><td>4</td><td>date</td><td>([^<]+)</td></tr>", page.text)
    assert row and "not a real date" in html.unescape(row.group(1))
    assert db.scalar(select(func.count()).select_from(FxRate)) == 0


def test_a_clean_dry_run_offers_to_load_then_the_commit_loads_all_rows(client_as, db):
    client = client_as("admin")
    checked = client.post("/fx-rates/import", files={"file": ("rates.csv", RATES, "text/csv")})
    assert checked.status_code == 200 and "2 new" in checked.text and "Load 2 rates" in checked.text
    assert db.scalar(select(func.count()).select_from(FxRate)) == 0
    payload = re.search(r'name="content" value="([^"]+)"', checked.text).group(1)
    loaded = client.post("/fx-rates/import/commit", data={"content": payload, "filename": "rates.csv"})
    assert loaded.status_code == 303 and loaded.headers["location"] == "/fx-rates?loaded=2&file=rates.csv"
    assert db.scalar(select(func.count()).select_from(FxRate)) == 2
    assert "Loaded 2 rates from rates.csv" in client.get(loaded.headers["location"]).text


def test_a_commit_of_a_file_changed_in_between_is_still_checked(client_as, db):
    payload = base64.b64encode(RATES + b"BRL,2026-11-01,-5\n").decode()
    page = client_as("admin").post("/fx-rates/import/commit", data={"content": payload, "filename": "x.csv"})
    assert page.status_code == 422 and "Nothing was saved" in page.text
    assert db.scalar(select(func.count()).select_from(FxRate)) == 0


def test_an_upload_without_a_file_asks_for_one(client_as):
    page = client_as("admin").post("/fx-rates/import", data={})
    assert page.status_code == 422 and "Choose a CSV file" in page.text


def test_the_nav_links_products_for_everyone_and_fx_rates_for_staff(client_as):
    assert 'href="/products"' in client_as("ana").get("/portal").text
    assert 'href="/fx-rates"' not in client_as("ana").get("/portal").text
    assert 'href="/fx-rates"' in client_as("lucia").get("/").text
