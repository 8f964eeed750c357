"""The strategy pages: a territory's strategy beside its coverage, quota standing and health, written and edited
from the form with inline messages, and the board of territories with their status for a fiscal year."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from channelbase.core.base import utcnow
from channelbase.growth import quotas
from channelbase.recruitment import coverage
from channelbase.recruitment.schemas import TargetIn
from channelbase.strategy.models import TerritoryStrategy


def _text(html: str) -> str:
    """The page's words without tags, spaces squeezed, for asserting what a reader sees."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_page_shows_coverage_gaps_and_quota_standing_beside_the_strategy(client_as, db, actor, world, year,
                                                                              write, won_deal):
    admin, brazil = actor("admin"), world.territories["brazil"]
    coverage.set_target(db, admin, TargetIn(territory_id=brazil, partner_type="var", target=5))
    coverage.set_target(db, admin, TargetIn(territory_id=brazil, partner_type="msp", target=2))
    quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=year, scope="territory", target_id=brazil,
                                               amount="100000"))
    won_deal("brazil", "25000.00")
    write("lucia", "brazil", partner_mix={"var": 5, "msp": 4, "si": 1}, goals="Tenders first.")
    page = client_as("lucia").get(f"/territories/{brazil}/strategy")
    assert page.status_code == 200, page.text[:500]
    text = _text(page.text)
    assert f"Brazil — channel strategy FY{year}" in text and "Tenders first." in text
    # Coverage: Soluções Abertas is Brazil's one active VAR, Delta its distributor; no MSP yet.
    assert "VAR 5 5 1 0 0 gap 4 Matches the coverage target" in text
    assert "MSP 4 2 0 0 0 gap 2 Differs Strategy 4, coverage target 2" in text
    assert "SI / GSI 1 — 0 0 0 0 Differs No coverage target (the strategy wants 1)" in text
    assert "Distributor — — 1 0 0 0" in text
    assert "differ for 2 partner types: MSP, SI / GSI" in text and "Total coverage gap: 6 partners" in text
    # Standing for the fiscal year, as the growth pages compute it.
    assert "Quota USD 100,000.00" in text and "Gap to quota USD 75,000.00" in text
    assert "Attainment 25.0 %" in text
    assert "Closed won" in text and "(1 deal)" in text


def test_without_a_strategy_quota_or_health_the_page_says_what_is_missing(client_as, world, year):
    page = client_as("nathan").get(f"/territories/{world.territories['us_east']}/strategy?year={year + 1}")
    assert page.status_code == 200
    text = _text(page.text)
    assert f"No strategy for FY{year + 1} yet" in text and f"Write the strategy for FY{year + 1}" in text
    assert f"No FY{year + 1} quota for US East" in text
    assert "Not measured yet" in text


def test_the_health_summary_shows_once_partners_have_scores(client_as, db, world):
    from channelbase.health.models import HealthSnapshot
    today = utcnow().date()
    for partner, score in (("abertas", "80.0"), ("delta", "40.0")):  # Brazil's two partners; Delta under 50
        db.add(HealthSnapshot(partner_id=world.partners[partner], day=today, score=Decimal(score), components=[]))
    db.flush()
    brazil = world.territories["brazil"]
    text = _text(client_as("lucia").get(f"/territories/{brazil}/strategy").text)
    assert "Partners measured 2 of 2 Average score 60.0 At risk 1 at risk" in text
    board = _text(client_as("lucia").get("/strategy").text)
    assert "60.0 1 at risk" in board and "not measured yet" in board  # Mexico's Nube Bravo has no score
    assert "Not measured yet" in _text(client_as("nathan").get(
        f"/territories/{world.territories['us_east']}/strategy").text)


def test_health_figures_read_the_health_summary_and_a_plain_average():
    from types import SimpleNamespace

    from channelbase.strategy.overview import HealthFigures, health_figures
    summary = SimpleNamespace(partners=3, scored=2, average_score=Decimal("61.5"), at_risk=1)
    assert health_figures(summary) == HealthFigures(3, 2, Decimal("61.5"), 1)
    assert health_figures(SimpleNamespace(partners=4, average=70, at_risk=0)).measured
    assert not health_figures(SimpleNamespace(partners=4, scored=0, average_score=None, at_risk=0)).measured


def test_a_manager_writes_then_edits_the_strategy_from_the_form(client_as, db, world, year):
    lucia, brazil = client_as("lucia"), world.territories["brazil"]
    url = f"/territories/{brazil}/strategy"
    created = lucia.post(url, data={"fiscal_year": str(year), "mix_var": "12", "mix_msp": "", "mix_si": "0",
                                    "industries": "Government\r\nRetail", "products": "", "goals": "Grow."})
    assert created.status_code == 303 and created.headers["location"] == f"{url}?year={year}&saved=1"
    strategy = db.scalars(select(TerritoryStrategy).where(TerritoryStrategy.territory_id == brazil)).one()
    assert strategy.partner_mix == {"var": 12, "si": 0} and strategy.industries == ["Government", "Retail"]
    page = lucia.get(created.headers["location"])
    assert "Strategy saved." in page.text and 'name="version" value="1"' in page.text
    assert 'id="f-mix_var" name="mix_var" type="number"' in page.text
    edited = lucia.post(url, data={"fiscal_year": str(year), "version": "1", "mix_var": "14", "goals": "Grow more."})
    assert edited.status_code == 303
    db.refresh(strategy)
    assert (strategy.version, strategy.partner_mix, strategy.goals) == (2, {"var": 14}, "Grow more.")
    history = _text(lucia.get(url).text)
    assert "History" in history and "update by Lucía Fernández" in history


def test_a_stale_edit_shows_the_stored_strategy_and_the_changes_not_saved(client_as, world, write, year):
    write("lucia", "brazil", goals="Stored")
    write("admin", "brazil", goals="Stored by the admin", version=1)
    url = f"/territories/{world.territories['brazil']}/strategy"
    stale = client_as("lucia").post(url, data={"fiscal_year": str(year), "version": "1", "goals": "Mine"})
    assert stale.status_code == 409
    text = _text(stale.text)
    assert "changed by Ada Admin" in text and "Your changes that were not saved" in text
    assert "goals Mine Stored by the admin" in text
    assert 'name="version" value="2"' in stale.text  # the form now carries the stored version
    empty_form = client_as("lucia").post(url, data={"fiscal_year": str(year), "goals": "From the empty form"})
    assert empty_form.status_code == 409 and "after you opened the page" in empty_form.text


def test_the_form_explains_each_refusal_beside_the_field(client_as, world, year):
    lucia = client_as("lucia")
    url = f"/territories/{world.territories['brazil']}/strategy"
    cases = [
        ({"mix_reseller": "3"}, "unknown partner type &#39;reseller&#39;"),
        ({"mix_var": "-1"}, "VAR: -1 is negative; a target is 0 partners or more"),
        ({"goals": "g" * 4001}, "at most 4,000 characters (this is 4,001)"),
        ({"fiscal_year": "1999"}, "1999 is not a fiscal year Channelbase plans for"),
        ({"products": "Quantum Widget"}, "not in the product catalogue: &#39;Quantum Widget&#39;"),
    ]
    for fields, message in cases:
        refused = lucia.post(url, data={"fiscal_year": str(year), **fields})
        assert refused.status_code == 422, fields
        assert message in refused.text, (fields, refused.text[:300])
    # The refused values stay in the form.
    again = lucia.post(url, data={"fiscal_year": str(year), "mix_var": "-1", "goals": "Keep me"})
    assert 'value="-1"' in again.text and "Keep me</textarea>" in again.text
    assert 'aria-invalid="true"' in again.text


def test_other_managers_get_not_found_and_partner_users_are_refused(client_as, world, write, year):
    write("lucia", "brazil", goals="Secret plan")
    url = f"/territories/{world.territories['brazil']}/strategy"
    nathan = client_as("nathan")
    assert nathan.get(url).status_code == 404
    posted = nathan.post(url, data={"fiscal_year": str(year), "version": "1", "goals": "Taken over"})
    assert posted.status_code == 404
    assert nathan.post(url, data={"fiscal_year": "1999"}).status_code == 404  # invalid input reveals nothing either
    for who in ("ana", "bruno", "dora"):
        user = client_as(who)
        assert user.get(url).status_code == 403 and user.get("/strategy").status_code == 403
        assert user.post(url, data={"fiscal_year": str(year), "goals": "x"}).status_code == 403
    assert "Secret plan" not in nathan.get("/strategy").text


def test_the_board_lists_visible_territories_with_status_attainment_and_health(client_as, db, actor, world, year,
                                                                              write, won_deal):
    quotas.set_quota(db, actor("admin"), quotas.QuotaIn(fiscal_year=year, scope="territory",
                                                        target_id=world.territories["brazil"], amount="50000"))
    won_deal("brazil", "10000.00")
    write("lucia", "brazil", goals="Brazil's plan")
    lucia = client_as("lucia")
    page = lucia.get("/strategy")
    assert page.status_code == 200
    text = _text(page.text)
    assert f"Channel strategy — FY{year}" in text
    assert "1 strategy written" in text and "6 missing" in text  # of Latin America and its six countries
    assert "Brazil Written Open" in text and "Mexico Missing Write" in text and "US East" not in text
    assert "20.0 %" in text and "not measured yet" in text
    written = _text(lucia.get("/strategy?status=written").text)
    assert "Brazil" in written and "Mexico" not in written
    assert text.index("Brazil Written") < text.index("Mexico Missing")  # tree order: countries by name
    by_status = _text(lucia.get("/strategy?sort=status").text)
    assert by_status.index("Mexico Missing") < by_status.index("Brazil Written")  # the missing ones first
    by_attainment = _text(lucia.get("/strategy?sort=-attainment").text)
    assert by_attainment.index("Brazil") < by_attainment.index("Latin America")
    other_year = _text(lucia.get(f"/strategy?year={year - 1}").text)
    assert f"FY{year - 1}" in other_year and "0 strategies written" in other_year
    assert lucia.get("/strategy?year=1999").status_code == 422
    assert lucia.get("/strategy?year=soon").status_code == 422
