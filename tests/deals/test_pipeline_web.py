"""Pipeline pages through the real app: the list with its converted totals, the board and its moves,
an opportunity's detail page and its forms."""

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from channelbase.core.base import utcnow
from channelbase.deals import fx, opportunities, products, registrations
from channelbase.deals.deal_schemas import ApproveIn, ConvertIn, OpportunityCreate
from channelbase.deals.models import FxRate, Opportunity, StageChange
from channelbase.deals.schemas import ProductCreate
from channelbase.deals.stages import list_stages, stage_by_key

HTMX = {"HX-Request": "true"}
SOON = date.today() + timedelta(days=30)


def _names(page_html: str) -> list[str]:
    """Opportunity names linked from the list table, in order."""
    return [html.unescape(n) for n in re.findall(r'<td><a href="/opportunities/\d+">([^<]+)</a></td>', page_html)]


def _text(response) -> str:
    return html.unescape(response.text)


@pytest.fixture
def brl_rate(db, actor):
    fx.set_rate(db, actor("admin"), "BRL", date(2026, 1, 1), "0.18")
    db.flush()


def _open(db, actor, world, who="lucia", **fields) -> Opportunity:
    data = dict(name="Prefeitura de Campinas — backup", account_id=world.accounts["brazil"],
                partner_id=world.partners["abertas"], amount="100000.00", currency="USD", close_date=SOON,
                stage="propose", source="vendor")
    opportunity = opportunities.create_opportunity(db, actor(who), OpportunityCreate(**{**data, **fields}))
    db.flush()
    return opportunity


def _stage_of(db, opportunity_id: int) -> str:
    db.expire_all()
    stage_id = db.get(Opportunity, opportunity_id).stage_id
    return {s.id: s.key for s in list_stages(db, include_inactive=True)}[stage_id]


def _new_form(world, **overrides):
    return {"name": "Harbor Health — observability", "account_id": str(world.accounts["brazil"]),
            "partner_id": str(world.partners["abertas"]), "distributor_id": "", "amount": "12000.00",
            "currency": "USD", "close_date": SOON.isoformat(), "stage": "discover", "source": "partner",
            "owner_id": "", "next_step": "Demo", **overrides}


# The list and its totals ------------------------------------------------------------------------

def test_the_totals_are_the_converted_sum_and_name_the_rate(client_as, db, actor, world, brl_rate):
    _open(db, actor, world, amount="100000.00", currency="BRL")  # BRL 100,000 at 0.18 = USD 18,000 at 40 %
    page = _text(client_as("lucia").get("/opportunities"))
    assert "USD 103,000.00" in page  # 85,000 (the world's deal) + 18,000
    assert "USD 15,700.00" in page  # weighted: 85,000 x 10 % + 18,000 x 40 %
    assert "Converted at: BRL at 0.1800 (rate of 2026-01-01, admin)" in page
    assert "BRL 100,000.00" in page  # the row keeps the deal's own currency


def test_a_missing_rate_shows_a_banner_and_the_list_still_renders(client_as, db, actor, world, brl_rate):
    _open(db, actor, world, name="Reais deal", currency="BRL")
    db.execute(delete(FxRate))
    db.flush()
    response = client_as("lucia").get("/opportunities")
    page = _text(response)
    assert response.status_code == 200
    assert "Totals unavailable:" in page and "BRL" in page and 'role="alert"' in page
    assert set(_names(page)) == {"Reais deal", "Banco Horizonte — Kubernetes platform"}


def test_totals_in_the_reporting_currency_need_no_rate(client_as):
    page = _text(client_as("ana").get("/opportunities"))
    assert "USD 85,000.00" in page and "no conversion needed" in page


def test_filters_narrow_the_list(client_as, db, actor, world):
    _open(db, actor, world, name="Northwind renewal", partner_id=world.partners["northwind"],
          account_id=world.accounts["us"], who="admin", stage="negotiate")
    client = client_as("admin")
    assert set(_names(client.get("/opportunities").text)) == {"Northwind renewal", "Banco Horizonte — Kubernetes platform"}
    by_partner = client.get("/opportunities", params={"partner_id": world.partners["northwind"]}).text
    assert _names(by_partner) == ["Northwind renewal"]
    assert _names(client.get("/opportunities", params={"q": "kubernetes"}).text) == ["Banco Horizonte — Kubernetes platform"]
    assert _names(client.get("/opportunities", params={"stage": "negotiate"}).text) == ["Northwind renewal"]
    assert _names(client.get("/opportunities", params={"source": "co_sell"}).text) == ["Banco Horizonte — Kubernetes platform"]
    assert _names(client.get("/opportunities", params={"partner_type": "lvar"}).text) == ["Northwind renewal"]
    assert _names(client.get("/opportunities", params={"territory_id": world.territories["latam"]}).text) == [
        "Banco Horizonte — Kubernetes platform"]
    assert _names(client.get("/opportunities", params={"close_to": (SOON - timedelta(days=1)).isoformat()}).text) == []


def test_the_filters_also_narrow_the_totals(client_as, db, actor, world):
    _open(db, actor, world, name="Northwind renewal", partner_id=world.partners["northwind"],
          account_id=world.accounts["us"], who="admin", amount="1000.00")
    page = _text(client_as("admin").get("/opportunities", params={"partner_id": world.partners["northwind"]}))
    assert "USD 1,000.00" in page and "USD 86,000.00" not in page and "USD 85,000.00" not in page


def test_the_bare_list_shows_open_deals_and_the_outcome_filter_shows_closed_ones(client_as, db, actor, world):
    won = _open(db, actor, world, name="Won already", stage="won")
    client = client_as("lucia")
    assert "Won already" not in _names(client.get("/opportunities").text)
    assert _names(client.get("/opportunities", params={"outcome": "won"}).text) == [won.name]
    assert "Won already" in _names(client.get("/opportunities", params={"outcome": "", "sort": "name"}).text)


def test_the_list_sorts_by_amount_and_paginates(client_as, db, actor, world):
    _open(db, actor, world, name="Small deal", amount="10.00")
    client = client_as("lucia")
    assert _names(client.get("/opportunities", params={"sort": "-amount"}).text) == [
        "Small deal", "Banco Horizonte — Kubernetes platform"]
    first = client.get("/opportunities", params={"sort": "amount", "per_page": 1}).text
    assert _names(first) == ["Banco Horizonte — Kubernetes platform"] and "Page 1 of 2" in first


def test_an_htmx_filter_returns_only_the_results(client_as):
    response = client_as("lucia").get("/opportunities?q=banco", headers=HTMX)
    assert "<html" not in response.text and "Totals in USD" in response.text
    assert response.headers["HX-Push-Url"] == "/opportunities?q=banco"


def test_a_stalled_deal_carries_a_badge_and_the_stalled_filter_finds_it(client_as, db, actor, world):
    quiet = _open(db, actor, world, name="Quiet deal")
    quiet.stage_changed_at = utcnow() - timedelta(days=45)
    db.flush()
    client = client_as("lucia")
    assert _names(client.get("/opportunities", params={"stalled": "true"}).text) == ["Quiet deal"]
    assert 'class="badge stalled"' in client.get("/opportunities").text
    detail = _text(client.get(f"/opportunities/{quiet.id}"))
    assert "for 45 days (stalled after 30)" in detail


def test_the_list_explains_bad_filters(client_as):
    response = client_as("lucia").get("/opportunities", params={"close_from": "someday"})
    assert response.status_code == 422 and "close from" in _text(response)


def test_staff_see_new_opportunity_and_partners_do_not(client_as):
    assert "+ New opportunity" in client_as("lucia").get("/opportunities").text
    page = client_as("ana").get("/opportunities").text
    assert "+ New opportunity" not in page and 'name="partner_id"' not in page
    assert client_as("ana").get("/opportunities/new").status_code == 403


def test_managers_and_partners_see_only_their_deals(client_as, db, actor, world):
    _open(db, actor, world, name="Northwind renewal", partner_id=world.partners["northwind"],
          account_id=world.accounts["us"], who="admin")
    assert _names(client_as("nathan").get("/opportunities").text) == ["Northwind renewal"]
    assert _names(client_as("bruno").get("/opportunities").text) == []
    assert "No open opportunities yet." in client_as("bruno").get("/opportunities").text
    assert _names(client_as("dora").get("/opportunities").text) == ["Banco Horizonte — Kubernetes platform"]


# The board --------------------------------------------------------------------------------------

def test_the_board_has_a_column_per_open_stage_with_cards(client_as, db, actor, world):
    _open(db, actor, world, name="Proposal out", amount="2000.00")
    page = _text(client_as("lucia").get("/opportunities/board"))
    headings = re.findall(r'<h2 id="col-\d+">([^<]+)</h2>', page)
    assert headings == ["Qualify", "Discover", "Propose", "Negotiate", "Commit"]
    assert "Proposal out" in page and "Soluções Abertas Ltda. · Banco Horizonte S.A." in page
    assert "1 deal</span> · <span class=\"total\">USD 2,000.00" in page
    assert '<script src="/static/board.js" defer></script>' in page and 'draggable="true"' in page
    assert 'for="move-' in page and ">Move to</label>" in page


def test_the_board_takes_the_same_filters(client_as, db, actor, world):
    _open(db, actor, world, name="Proposal out")
    page = client_as("lucia").get("/opportunities/board", params={"q": "proposal"}).text
    assert "Proposal out" in page and "Kubernetes" not in page


def test_moving_a_card_with_its_form_changes_the_stage_and_records_history(client_as, db, world):
    opportunity_id = world.opportunities["abertas"]
    version = db.get(Opportunity, opportunity_id).version
    response = client_as("lucia").post(f"/opportunities/{opportunity_id}/move", headers=HTMX, data={
        "version": version, "stage": "negotiate", "next": "/opportunities/board?q=banco"})
    page = _text(response)
    assert response.status_code == 200 and "<html" not in page and 'id="board"' in page
    assert "Moved “Banco Horizonte — Kubernetes platform” to Negotiate." in page
    assert f'data-id="{opportunity_id}"' in page and "data-moved" in page
    assert _stage_of(db, opportunity_id) == "negotiate"
    moves = db.scalars(select(StageChange).where(StageChange.opportunity_id == opportunity_id)
                       .order_by(StageChange.id)).all()
    assert [m.to_stage_id for m in moves] == [stage_by_key(db, "qualify").id, stage_by_key(db, "negotiate").id]


def test_a_stale_move_shows_a_message_and_moves_nothing(client_as, db, world):
    opportunity_id = world.opportunities["abertas"]
    version = db.get(Opportunity, opportunity_id).version
    response = client_as("lucia").post(f"/opportunities/{opportunity_id}/move", headers=HTMX,
                                       data={"version": version - 1, "stage": "commit"})
    assert response.status_code == 200 and "Not moved: This record was changed by" in _text(response)
    assert _stage_of(db, opportunity_id) == "qualify"


def test_a_refused_move_is_explained_on_the_board(client_as, db, world):
    # Dora's distributor sees the deal but only the selling partner and its manager move it.
    opportunity_id = world.opportunities["abertas"]
    version = db.get(Opportunity, opportunity_id).version
    response = client_as("dora").post(f"/opportunities/{opportunity_id}/move", headers=HTMX,
                                      data={"version": version, "stage": "commit"})
    assert response.status_code == 200 and "Not moved: Only the selling partner" in _text(response)
    assert _stage_of(db, opportunity_id) == "qualify"


def test_a_move_without_htmx_goes_back_to_a_local_page_only(client_as, db, world):
    opportunity_id = world.opportunities["abertas"]
    client = client_as("lucia")
    version = db.get(Opportunity, opportunity_id).version
    back = client.post(f"/opportunities/{opportunity_id}/move",
                       data={"version": version, "stage": "discover", "next": "/opportunities/board?q=banco"})
    assert back.status_code == 303 and back.headers["location"] == "/opportunities/board?q=banco"
    away = client.post(f"/opportunities/{opportunity_id}/move",
                       data={"version": version + 1, "stage": "propose", "next": "//evil.example/x"})
    assert away.status_code == 303 and away.headers["location"] == "/opportunities/board"
    stale = client.post(f"/opportunities/{opportunity_id}/move", data={"version": version, "stage": "commit"})
    assert stale.status_code == 409 and "changed by" in stale.text and 'id="board"' in stale.text


def test_an_unknown_stage_on_the_board_is_explained(client_as, db, world):
    opportunity_id = world.opportunities["abertas"]
    version = db.get(Opportunity, opportunity_id).version
    response = client_as("lucia").post(f"/opportunities/{opportunity_id}/move", headers=HTMX,
                                       data={"version": version, "stage": "nowhere"})
    assert "Unknown stage &#39;nowhere&#39;" in response.text or "Unknown stage 'nowhere'" in _text(response)


# One opportunity --------------------------------------------------------------------------------

def test_the_detail_page_shows_fields_history_and_audit(client_as, world):
    page = _text(client_as("lucia").get(f"/opportunities/{world.opportunities['abertas']}"))
    assert "Banco Horizonte — Kubernetes platform" in page and "USD 85,000.00" in page
    assert "Distribuidora Delta S.A." in page and "Co-sell" in page and "Architecture workshop" in page
    assert "Stage history" in page and "(now)" in page and "Not from a deal registration" in page
    assert "<strong>create</strong> by Lucía Fernández" in page and ">Edit</a>" in page


def test_the_detail_page_links_the_registration_and_lists_products(client_as, db, actor, world):
    lucia = actor("lucia")
    registration_id = world.registrations["abertas"]
    registration = registrations.approve(db, lucia, registration_id, ApproveIn(version=1))
    opportunity = registrations.convert(db, lucia, registration_id, ConvertIn(version=registration.version))
    db.flush()
    page = _text(client_as("ana").get(f"/opportunities/{opportunity.id}"))
    assert f'href="/registrations/{registration_id}">REG-{registration_id:06d}</a>' in page


def test_staff_add_an_opportunity_with_products(client_as, db, actor, world):
    product = products.create_product(db, actor("admin"), ProductCreate(sku="OBS-1Y", name="Observability",
                                                                        family="Cloud", term="annual"))
    db.flush()
    form = _new_form(world, **{"line-0-product": str(product.id), "line-0-quantity": "3",
                               "line-1-product": "", "line-1-quantity": "1",
                               "distributor_id": str(world.partners["delta"])})
    response = client_as("lucia").post("/opportunities", data=form)
    created = db.scalars(select(Opportunity).where(Opportunity.name == "Harbor Health — observability")).one()
    assert response.status_code == 303 and response.headers["location"] == f"/opportunities/{created.id}"
    assert created.distributor_id == world.partners["delta"] and created.owner_id == world.users["lucia"]
    page = _text(client_as("lucia").get(f"/opportunities/{created.id}"))
    assert "OBS-1Y" in page and "Discover" in page


@pytest.mark.parametrize("field, value, message", [
    ("stage", "nowhere", "unknown stage"),
    ("amount", "-5.00", "must be 0 or more"),
    ("close_date", (date.today() - timedelta(days=730)).isoformat(), "in the distant past"),
    ("currency", "XYZ", "not an ISO 4217 currency code"),
])
def test_bad_input_is_shown_beside_the_field_and_nothing_is_written(client_as, db, world, field, value, message):
    before = db.scalar(select(func.count()).select_from(Opportunity))
    response = client_as("lucia").post("/opportunities", data=_new_form(world, **{field: value}))
    page = _text(response)
    assert response.status_code == 422
    assert re.search(rf'has-error">\s*<label for="f-{field}"', page), page
    assert message in page
    assert 'value="Harbor Health — observability"' in page  # what was typed stays
    assert db.scalar(select(func.count()).select_from(Opportunity)) == before


def test_the_new_form_offers_only_the_partners_distributors(client_as, world):
    page = client_as("lucia").get("/opportunities/new", params={"partner_id": world.partners["abertas"]}).text
    distributor_field = page.split('id="distributor-field"')[1].split("</select>")[0]
    assert "Distribuidora Delta S.A." in distributor_field and "optgroup" not in distributor_field
    assert page.count('name="line-') == 6  # three product lines of product and quantity


def test_the_account_search_narrows_the_account_picker(client_as, world):
    page = client_as("lucia").get("/opportunities/new", params={"account_q": "horizonte"}).text
    account_field = page.split('id="account-field"')[1].split("</select>")[0]
    assert "Banco Horizonte S.A." in account_field and "Prefeitura de Campinas" not in account_field


def test_a_partner_user_may_change_the_stage_but_not_the_owner(client_as, db, world):
    opportunity_id = world.opportunities["abertas"]
    client = client_as("ana")
    form = client.get(f"/opportunities/{opportunity_id}/edit").text
    assert 'name="stage"' in form and 'name="amount"' in form and 'name="owner_id"' not in form
    assert 'name="name"' not in form and 'name="distributor_id"' not in form
    version = db.get(Opportunity, opportunity_id).version
    saved = client.post(f"/opportunities/{opportunity_id}", data={
        "version": version, "stage": "propose", "amount": "85000.00", "currency": "USD",
        "close_date": SOON.isoformat(), "next_step": "Send the proposal"})
    assert saved.status_code == 303
    assert _stage_of(db, opportunity_id) == "propose"
    refused = client.post(f"/opportunities/{opportunity_id}", data={
        "version": version + 1, "owner_id": str(world.users["nathan"])})
    assert refused.status_code == 403 and "Ask your channel manager to change owner_id" in _text(refused)
    db.expire_all()
    assert db.get(Opportunity, opportunity_id).owner_id == world.users["lucia"]


def test_a_partner_user_of_another_partner_gets_404(client_as, db, world):
    opportunity_id = world.opportunities["abertas"]
    client = client_as("bruno")
    assert client.get(f"/opportunities/{opportunity_id}").status_code == 404
    assert client.get(f"/opportunities/{opportunity_id}/edit").status_code == 404
    assert client.post(f"/opportunities/{opportunity_id}", data={"version": 1, "stage": "commit"}).status_code == 404
    assert client.post(f"/opportunities/{opportunity_id}/move", headers=HTMX,
                       data={"version": 1, "stage": "commit"}).status_code == 404


def test_staff_edit_owner_amount_and_currency(client_as, db, world, brl_rate):
    opportunity_id = world.opportunities["abertas"]
    client = client_as("lucia")
    version = db.get(Opportunity, opportunity_id).version
    form = {"version": version, "name": "Banco Horizonte — Kubernetes platform", "stage": "qualify",
            "amount": "1.234,56", "decimal_comma": "1", "currency": "BRL", "close_date": SOON.isoformat(),
            "source": "co_sell", "owner_id": str(world.users["admin"]), "next_step": "Architecture workshop",
            "distributor_id": str(world.partners["delta"]), "hidden_from_distributor": "1"}
    response = client.post(f"/opportunities/{opportunity_id}", data=form)
    assert response.status_code == 303, response.text
    db.expire_all()
    saved = db.get(Opportunity, opportunity_id)
    assert saved.amount.format() == "BRL 1,234.56" and saved.owner_id == world.users["admin"]
    assert saved.hidden_from_distributor is True


def test_a_currency_change_alone_keeps_the_amount(client_as, db, world, brl_rate):
    opportunity_id = world.opportunities["abertas"]
    client = client_as("ana")
    version = db.get(Opportunity, opportunity_id).version
    response = client.post(f"/opportunities/{opportunity_id}", data={
        "version": version, "stage": "qualify", "amount": "85000.00", "currency": "BRL",
        "close_date": SOON.isoformat(), "next_step": "Architecture workshop"})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Opportunity, opportunity_id).amount.format() == "BRL 85,000.00"


def test_a_stale_edit_says_who_changed_it(client_as, db, actor, world):
    opportunity_id = world.opportunities["abertas"]
    version = db.get(Opportunity, opportunity_id).version
    client_as("admin").post(f"/opportunities/{opportunity_id}", data={"version": version, "next_step": "Call"})
    response = client_as("lucia").post(f"/opportunities/{opportunity_id}",
                                       data={"version": version, "next_step": "Visit"})
    page = _text(response)
    assert response.status_code == 409 and "This record was changed by Ada Admin" in page
    assert "Your changes that were not saved" in page and 'value="Call"' in page


def test_an_invalid_edit_keeps_what_was_typed(client_as, db, world):
    opportunity_id = world.opportunities["abertas"]
    version = db.get(Opportunity, opportunity_id).version
    response = client_as("lucia").post(f"/opportunities/{opportunity_id}", data={
        "version": version, "amount": "-1.00", "currency": "USD", "next_step": "Typed"})
    page = _text(response)
    assert response.status_code == 422 and 'value="-1.00"' in page and 'value="Typed"' in page
    db.expire_all()
    assert db.get(Opportunity, opportunity_id).next_step == "Architecture workshop"
