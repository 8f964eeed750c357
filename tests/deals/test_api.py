"""The catalogue's and FX rates' JSON API through the real app, with Bearer tokens."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from channelbase.deals import fx, products
from channelbase.deals.models import FxRate
from channelbase.deals.schemas import ProductCreate

RATES = b"currency,date,rate\nBRL,2026-10-01,0.1850\nBRL,2026-11-01,0.1864\n"


@pytest.fixture
def product(db, actor):
    product = products.create_product(db, actor("admin"), ProductCreate(
        sku="KPP-1Y", name="Kubernetes Platform Plus", family="Cloud", term="annual"))
    db.flush()
    return product


def test_an_admin_creates_a_product_and_sets_prices_as_text(api_as):
    api = api_as("admin")
    created = api.post("/api/v1/products", json={"sku": "aap-3y", "name": "Automation Platform", "family": "Automation",
                                                 "term": "3-year"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["sku"], body["term_months"], body["prices"]) == ("AAP-3Y", 36, [])
    assert created.headers["location"] == f"/api/v1/products/{body['id']}"
    price = api.put(f"/api/v1/products/{body['id']}/prices/brl", json={"amount": "1.234,56", "decimal_comma": True})
    assert price.json() == {"currency": "BRL", "amount": "1234.56", "amount_minor": 123456,
                            "formatted": "BRL 1,234.56"}
    api.put(f"/api/v1/products/{body['id']}/prices/CLP", json={"amount": 990000})
    shown = api.get(f"/api/v1/products/{body['id']}").json()
    assert [(p["currency"], p["amount"]) for p in shown["prices"]] == [("BRL", "1234.56"), ("CLP", "990000")]


def test_a_json_float_price_is_refused_with_a_clear_message(api_as, product):
    response = api_as("admin").put(f"/api/v1/products/{product.id}/prices/USD", json={"amount": 1234.56})
    assert response.status_code == 422
    assert "float" in response.json()["errors"]["amount"] and "as a string" in response.json()["errors"]["amount"]


@pytest.mark.parametrize("currency, amount, message", [
    ("USD", "-5", "cannot be negative"), ("XYZ", "5", "not an ISO 4217"), ("CLP", "5.5", "no decimals"),
])
def test_bad_prices_are_refused(api_as, product, currency, amount, message):
    response = api_as("admin").put(f"/api/v1/products/{product.id}/prices/{currency}", json={"amount": amount})
    assert response.status_code == 422 and message in response.json()["detail"]


def test_a_stale_product_edit_is_a_409(api_as, product):
    api = api_as("admin")
    assert api.patch(f"/api/v1/products/{product.id}", json={"version": 1, "name": "New name"}).status_code == 200
    stale = api.patch(f"/api/v1/products/{product.id}", json={"version": 1, "name": "Other"})
    assert stale.status_code == 409 and "changed by" in stale.json()["detail"]


def test_partner_users_read_active_products_but_may_not_write(api_as, product):
    api = api_as("ana")
    assert [p["sku"] for p in api.get("/api/v1/products").json()["items"]] == ["KPP-1Y"]
    assert api.get(f"/api/v1/products/{product.id}").status_code == 200
    assert api.post("/api/v1/products", json={}).status_code == 403
    assert api.patch(f"/api/v1/products/{product.id}", json={"version": 1}).status_code == 403
    assert api.put(f"/api/v1/products/{product.id}/prices/USD", json={"amount": "1"}).status_code == 403


def test_a_deactivated_product_disappears_for_partner_users(api_as, product):
    api_as("admin").patch(f"/api/v1/products/{product.id}", json={"version": 1, "active": False})
    assert api_as("bruno").get(f"/api/v1/products/{product.id}").status_code == 404
    assert api_as("admin").get("/api/v1/products?active=false").json()["total"] == 1


def test_an_admin_posts_a_rate_and_managers_list_and_convert(api_as):
    posted = api_as("admin").post("/api/v1/fx-rates", json={"currency": "BRL", "effective_date": "2026-11-01",
                                                              "rate": "0.1864"})
    assert posted.status_code == 201 and posted.json()["rate"] == "0.1864"
    manager = api_as("lucia")
    listed = manager.get("/api/v1/fx-rates", params={"currency": "BRL", "date_from": "2026-01-01"}).json()
    assert [(r["currency"], r["effective_date"], r["source"]) for r in listed["items"]] == [
        ("BRL", "2026-11-01", "admin")]
    converted = manager.get("/api/v1/fx-rates/convert", params={"amount": "1000", "currency": "BRL",
                                                                 "date": "2026-11-15"}).json()
    assert converted["amount_reporting"] == "186.40" and converted["rate"] == "0.1864"
    assert converted["rate_date"] == "2026-11-01" and converted["source"] == "admin"
    assert converted["text"] == ("1,000.00 BRL on 2026-11-15 = 186.40 USD at 0.1864 "
                                 "(rate of 2026-11-01, source admin)")


def test_converting_without_a_rate_is_a_422_naming_currency_and_date(api_as):
    response = api_as("lucia").get("/api/v1/fx-rates/convert", params={"amount": "10", "currency": "ARS",
                                                                        "date": "2026-11-01"})
    assert response.status_code == 422
    assert "ARS" in response.json()["detail"] and "2026-11-01" in response.json()["detail"]


def test_a_float_rate_is_refused(api_as):
    response = api_as("admin").post("/api/v1/fx-rates", json={"currency": "BRL", "effective_date": "2026-11-01",
                                                               "rate": 0.1864})
    assert response.status_code == 422 and "float" in response.json()["errors"]["rate"]


def test_a_csv_upload_loads_and_reports(api_as, db):
    response = api_as("admin").post("/api/v1/fx-rates/import", files={"file": ("rates.csv", RATES, "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json() == {"filename": "rates.csv", "rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                               "written": True, "errors": []}
    assert fx.rate_on(db, "BRL", date(2026, 11, 30)).rate == Decimal("0.1864")


def test_a_csv_with_a_bad_row_is_a_422_listing_rows_and_saves_nothing(api_as, db):
    bad = RATES + b"ARS,2026-11-01,zero\n"
    response = api_as("admin").post("/api/v1/fx-rates/import", files={"file": ("rates.csv", bad, "text/csv")})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"row": 4, "column": "rate",
                                          "message": "'zero' is not a number: use digits with one decimal separator, "
                                                     "e.g. 1234.56."}]
    assert db.scalar(select(func.count()).select_from(FxRate)) == 0


def test_a_dry_run_upload_writes_nothing(api_as, db):
    response = api_as("admin").post("/api/v1/fx-rates/import?dry_run=true",
                                    files={"file": ("rates.csv", RATES, "text/csv")})
    assert response.json()["created"] == 2 and response.json()["written"] is False
    assert db.scalar(select(func.count()).select_from(FxRate)) == 0


@pytest.mark.parametrize("persona, status", [("lucia", 403), ("ana", 403)])
def test_only_admins_write_rates_and_partner_users_do_not_read_them(api_as, persona, status):
    api = api_as(persona)
    assert api.post("/api/v1/fx-rates", json={}).status_code == status
    assert api.post("/api/v1/fx-rates/import", files={"file": ("r.csv", RATES, "text/csv")}).status_code == status
    if persona == "ana":
        assert api.get("/api/v1/fx-rates").status_code == 403
        assert api.get("/api/v1/fx-rates/convert?amount=1&currency=BRL").status_code == 403
