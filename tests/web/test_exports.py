"""Every list view's CSV and XLSX download through the real app: the list's rows, filters and sort; only
what the actor may see; formulas made inert; accents intact; bad filters refused as the list refuses them."""

import csv
import html
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from channelbase.auth.models import User
from channelbase.core import batches
from channelbase.deals import fx, opportunities, products, registrations
from channelbase.deals.deal_schemas import OpportunityCreate, RegistrationCreate
from channelbase.deals.schemas import ProductCreate
from channelbase.core.money import Money
from channelbase.engagement import activities, cadence, tasks
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, TaskCreate
from channelbase.partners import accounts, service
from channelbase.partners.schemas import AccountCreate, PartnerCreate
from channelbase.web import exports

FORMULA = '=HYPERLINK("http://x","y")'
SOON = date.today() + timedelta(days=30)


@pytest.fixture
def seeded(db, actor, world):
    """More rows than the personas have, with accents and a formula in names, across every list."""
    admin, lucia = actor("admin"), actor("lucia")
    brazil, mexico = world.territories["brazil"], world.territories["mexico"]
    made = {}
    for key, name, territory, country in (("andina", "Tecnología Andina S.A.", mexico, "MX"),
                                          ("formula", FORMULA, brazil, "BR"),
                                          ("acoes", "Ações Digitais Ltda.", brazil, "BR")):
        made[key] = service.create_partner(db, admin, PartnerCreate(
            name=name, type="var", status="active", territory_id=territory, country=country, currency="USD",
            owner_id=world.users["lucia"])).id
    made["formula_account"] = accounts.create_account(db, admin, AccountCreate(
        name=FORMULA, country="BR", territory_id=brazil, partner_id=world.partners["abertas"])).id
    for n, (amount, stage) in enumerate((("1200.00", "propose"), ("99000.50", "discover"), ("450.00", "won"))):
        opportunities.create_opportunity(db, lucia, OpportunityCreate(
            name=f"Soluções deal {n}", account_id=world.accounts["brazil"], partner_id=world.partners["abertas"],
            amount=amount, currency="USD", close_date=SOON + timedelta(days=n), stage=stage, source="vendor"))
    opportunities.create_opportunity(db, lucia, OpportunityCreate(
        name="Cervecería — cloud", account_id=world.accounts["bravo"], partner_id=world.partners["bravo"],
        amount="7000.00", currency="USD", close_date=SOON, source="partner"))
    opportunities.create_opportunity(db, lucia, OpportunityCreate(
        name=FORMULA, account_id=world.accounts["brazil"], partner_id=made["formula"], amount="10.00",
        currency="USD", close_date=SOON, source="vendor"))
    registrations.submit_registration(db, actor("bruno"), RegistrationCreate(
        title="Regia — backup", account_id=world.accounts["bravo"], amount="5000.00", currency="USD",
        expected_close_date=SOON))
    for n, kind in enumerate(("call", "meeting", "email")):
        activities.log_activity(db, lucia, ActivityCreate(
            partner_id=world.partners["abertas"], type=kind, summary=f"Revisão trimestral {n}",
            occurred_at=datetime(2026, 11, 20 + n, 13, 0, tzinfo=timezone.utc)), now=datetime(2026, 11, 27, tzinfo=timezone.utc))
        tasks.create_task(db, lucia, TaskCreate(title=f"Follow up {n}", due_on=SOON + timedelta(days=n),
                                                partner_id=world.partners["abertas"]))
    for sku, name in (("EXP-1", "Plataforma Única"), ("EXP-2", "Backup Seguro")):
        product = products.create_product(db, admin, ProductCreate(sku=sku, name=name, family="Storage", term="annual"))
        db.flush()
        products.set_price(db, admin, product.id, Money.parse("1500.00", "USD"))
    for day, value in ((1, "0.18"), (2, "0.19")):
        fx.set_rate(db, admin, "BRL", date(2026, 11, day), value)
    cadence.create_rule(db, admin, CadenceRuleIn(name="Everyone monthly", every_days=30, counted_types=["call"]))
    cadence.create_rule(db, admin, CadenceRuleIn(name="Priority VARs", every_days=14, counted_types=["call", "qbr"],
                                                 partner_type="var", is_priority=True, territory_id=brazil))
    db.flush()
    return made


def csv_table(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text[-500:]
    assert response.content.startswith(b"\xef\xbb\xbf"), "the CSV starts with a BOM so Excel reads UTF-8"
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    assert response.status_code == 200, response.text[-500:]
    return load_workbook(io.BytesIO(response.content)).active


def xlsx_table(response) -> list[dict[str, object]]:
    rows = list(xlsx_sheet(response).iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def ids_in(page_html: str, pattern: str) -> list[str]:
    """What identifies each row of a list page, in order (a row may link its id twice)."""
    return [html.unescape(m) for m in dict.fromkeys(re.findall(pattern, page_html))]


# Path, query, what identifies a row on the page, and the export column that holds it.
LISTS = [
    ("/partners", "sort=-name", r'href="/partners/(\d+)"', "ID"),
    ("/partners", "country=BR&sort=tier", r'href="/partners/(\d+)"', "ID"),
    ("/contacts", "q=a", r'href="/contacts/(\d+)/edit"', "ID"),
    ("/accounts", "sort=country", r'href="/accounts/(\d+)"', "ID"),
    ("/registrations", "sort=customer", r'href="/registrations/(\d+)"', "ID"),
    ("/opportunities", "", r'href="/opportunities/(\d+)"', "ID"),
    ("/opportunities", "outcome=&sort=-amount", r'href="/opportunities/(\d+)"', "ID"),
    ("/activities", "sort=type", r'href="/activities/(\d+)"', "ID"),
    ("/tasks", "assignee_id=all&state=all&sort=-due", r'id="task-(\d+)"', "ID"),
    ("/products", "sort=-sku", r'href="/products/(\d+)"', "ID"),
    ("/fx-rates", "currency=BRL", r'<td><time datetime="([\d-]+)"', "Effective from"),
    ("/cadence", "", r'data-partner="(\d+)"', "Partner ID"),
    ("/cadence/rules", "", r'<tr class="[^"]*">\s*<td>([^<]+)</td>', "Rule"),
    ("/users", "", r'<td class="hide-sm">([^<@]+@[^<]+)</td>', "E-mail"),
]


@pytest.mark.parametrize("path, query, pattern, column", LISTS, ids=[f"{p}?{q}" for p, q, _, _ in LISTS])
def test_each_export_has_its_lists_rows_in_its_order(client_as, seeded, monkeypatch, path, query, pattern, column):
    monkeypatch.setattr(batches, "BATCH_SIZE", 2)  # several batches, even from a small list
    client = client_as("admin")
    page = client.get(f"{path}?{query}&per_page=100")
    expected = ids_in(page.text, pattern)
    assert len(expected) >= 2, "the list shows rows to compare"
    link = html.unescape(re.search(r'href="([^"]+format=csv)"', page.text).group(1))
    assert link.startswith(f"{path}/export?")
    assert [str(row[column]) for row in csv_table(client.get(link))] == expected
    xlsx = xlsx_table(client.get(link.replace("format=csv", "format=xlsx")))
    assert [str(row[column]).removesuffix(" 00:00:00") for row in xlsx] == expected


def test_the_links_carry_the_lists_query_and_the_export_ignores_its_page(client_as, seeded):
    client = client_as("admin")
    page = client.get("/partners?country=BR&q=&sort=-name&page=2&per_page=2", headers={"HX-Request": "true"})
    links = [html.unescape(h) for h in re.findall(r'href="(/partners/export[^"]*)"', page.text)]
    assert links == ["/partners/export?country=BR&q=&sort=-name&page=2&per_page=2&format=csv",
                     "/partners/export?country=BR&q=&sort=-name&page=2&per_page=2&format=xlsx"]
    every = client.get("/partners?country=BR&sort=-name&per_page=100").text
    assert [r["ID"] for r in csv_table(client.get(links[0]))] == ids_in(every, r'href="/partners/(\d+)"')


@pytest.mark.parametrize("who, partner", [("ana", "abertas"), ("bruno", "bravo")])
def test_a_partner_user_gets_only_their_own_partners_rows(client_as, seeded, world, who, partner):
    client, own = client_as(who), str(world.partners[partner])
    assert [r["ID"] for r in csv_table(client.get("/partners/export"))] == [own]
    for path in ("/contacts", "/accounts", "/registrations", "/opportunities"):
        rows = csv_table(client.get(f"{path}/export?outcome="))
        assert rows and {r["Partner ID"] for r in rows} == {own}, path
    assert client.get("/activities/export").status_code == 403


def test_partner_users_learn_only_that_a_registration_needs_review(client_as, seeded):
    staff_row = csv_table(client_as("lucia").get("/registrations/export"))[0]
    partner_row = csv_table(client_as("ana").get("/registrations/export"))[0]
    assert "Conflicts" in staff_row and "Needs review" not in staff_row
    assert "Conflicts" not in partner_row and "Best conflict score" not in partner_row and "Needs review" in partner_row


@pytest.mark.parametrize("path", ["/partners", "/accounts", "/opportunities"])
def test_a_formula_in_a_name_comes_out_inert(client_as, seeded, path):
    client = client_as("admin")
    assert [r["Name"] for r in csv_table(client.get(f"{path}/export?q=hyperlink"))] == ["'" + FORMULA]
    sheet = xlsx_sheet(client.get(f"{path}/export?q=hyperlink&format=xlsx"))
    cell = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("Name") + 1)
    assert cell.data_type == "s" and cell.value == "'" + FORMULA  # text, not a formula


def test_accents_round_trip_in_both_formats(client_as, seeded):
    client = client_as("admin")
    wanted = {"Tecnología Andina S.A.", "Ações Digitais Ltda.", "Soluções Abertas Ltda."}
    assert wanted <= {r["Name"] for r in csv_table(client.get("/partners/export"))}
    assert wanted <= {r["Name"] for r in xlsx_table(client.get("/partners/export?format=xlsx"))}


def test_amounts_are_numbers_with_their_currency_and_dates_are_dates(client_as, seeded):
    rows = xlsx_table(client_as("admin").get("/opportunities/export?format=xlsx&sort=amount"))
    assert rows[0]["Amount"] == 99000.5 and rows[0]["Currency"] == "USD"
    assert isinstance(rows[0]["Close date"], datetime) and rows[0]["Close date"].date() == SOON + timedelta(days=1)
    assert isinstance(rows[0]["Stage changed (UTC)"], datetime)
    sheet = xlsx_sheet(client_as("admin").get("/opportunities/export?format=xlsx"))
    assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1])


def test_times_are_in_the_readers_time_zone(client_as, seeded, db, world):
    db.get(User, world.users["lucia"]).timezone = "America/Sao_Paulo"
    db.flush()
    client = client_as("lucia")
    rows = csv_table(client.get("/activities/export?sort=occurred"))
    assert rows[0]["When (America/Sao_Paulo)"] == "2026-11-20 10:00"  # 13:00 UTC
    assert xlsx_table(client.get("/activities/export?sort=occurred&format=xlsx"))[0][
        "When (America/Sao_Paulo)"] == datetime(2026, 11, 20, 10, 0)


def test_the_csv_is_a_dated_attachment(client_as, seeded):
    response = client_as("admin").get("/partners/export")
    assert response.headers["content-type"].startswith("text/csv")
    assert re.fullmatch(r"attachment; filename=partners-\d{4}-\d{2}-\d{2}\.csv", response.headers["content-disposition"])
    xlsx = client_as("admin").get("/fx-rates/export?format=xlsx")
    assert xlsx.headers["content-type"] == exports.XLSX_TYPE
    assert xlsx.headers["content-disposition"].endswith(".xlsx")


ALERT = re.compile(r'<div class="alert alert-error" role="alert">(.*?) — <a', re.S)
ERROR = re.compile(r'<section class="card narrow">.*?<p>(.*?)</p>', re.S)
BAD_FILTERS = ["/partners?type=bogus", "/accounts?country=XX", "/registrations?status=bogus",
               "/opportunities?close_from=yesterday", "/activities?type=bogus", "/tasks?state=bogus",
               "/products?term=bogus", "/fx-rates?currency=XX", "/cadence?state=bogus"]


@pytest.mark.parametrize("url", BAD_FILTERS)
def test_a_bad_filter_is_refused_with_the_lists_own_message(client_as, url):
    client = client_as("admin")
    page = client.get(url)
    path, _, query = url.partition("?")
    export = client.get(f"{path}/export?{query}&format=xlsx")
    assert page.status_code == export.status_code == 422
    assert html.unescape(ERROR.search(export.text).group(1)) == html.unescape(ALERT.search(page.text).group(1))


def test_an_unknown_stage_names_the_stages(client_as):
    response = client_as("admin").get("/opportunities/export?stage=nope")
    assert response.status_code == 422 and "Unknown stage 'nope'" in html.unescape(response.text)


def test_an_unknown_format_is_refused(client_as):
    response = client_as("admin").get("/partners/export?format=pdf")
    assert response.status_code == 422 and "use format=csv or format=xlsx" in response.text


def test_xlsx_refuses_more_rows_than_a_sheet_holds_but_csv_has_no_limit(client_as, seeded, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # a header and two rows
    client = client_as("admin")
    refused = client.get("/partners/export?format=xlsx")
    assert refused.status_code == 422 and "Narrow the filters, or download CSV" in refused.text
    assert len(csv_table(client.get("/partners/export"))) > 2
    assert "XLSX (too many rows)" in client.get("/partners").text
