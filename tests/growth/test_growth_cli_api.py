"""Growth from the terminal and through the JSON API, and a manager's forecast call on a deal's page."""

from __future__ import annotations

from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.growth import cli as growth_cli
from channelbase.growth.models import ForecastCall
from tests.cli_harness import cli_database, invoke


def test_the_cli_sets_the_calendar_a_quota_and_a_plan_rate_and_shows_a_standing(tmp_path_factory):
    with cli_database(tmp_path_factory.mktemp("growth_cli"), wide_consoles=(growth_cli,)) as world:
        brazil = world.territories["brazil"]
        calendar = invoke("growth", "calendar", "3")
        assert calendar.exit_code == 0, calendar.output
        assert "Fiscal years start in Mar" in calendar.stdout
        rate = invoke("growth", "plan-rate", "2027", "brl", "0.185")
        assert rate.exit_code == 0, rate.output
        assert "FY2027 plan rate of BRL: 0.185 USD" in rate.stdout
        quota = invoke("growth", "quota", "2027", "territory", str(brazil), "--amount", "120000",
                       "--split", "10,20,30,40")
        assert quota.exit_code == 0, quota.output
        assert "for Brazil: USD 120,000.00" in quota.stdout
        again = invoke("growth", "quota", "2027", "territory", str(brazil), "--amount", "1")
        assert again.exit_code == 1 and "already has a bookings quota" in again.stderr
        shown = invoke("growth", "standing", "territory", str(brazil), "--year", "2027")
        assert shown.exit_code == 0, shown.output
        assert "Brazil — FY2027" in shown.stdout and "120,000.00" in shown.stdout
        unknown = invoke("growth", "quota", "2027", "territory", "999999", "--amount", "5")
        assert unknown.exit_code == 1 and "Territory #999999 does not exist" in unknown.stderr
        arr = invoke("growth", "quota", "2027", "territory", str(brazil), "--amount", "50000", "--metric", "arr")
        assert arr.exit_code == 0, arr.output  # a second quota of the same territory, in another metric
        shown = invoke("growth", "standing", "territory", str(brazil), "--year", "2027", "--metric", "arr")
        assert shown.exit_code == 0 and "ARR" in shown.stdout and "50,000.00" in shown.stdout
        bad = invoke("growth", "quota", "2027", "territory", str(brazil), "--amount", "5", "--metric", "tcv")
        assert bad.exit_code == 1 and "--metric" in bad.stderr


def test_the_api_gives_a_standing_with_its_quota_and_rates(api_as, client_as, world, ledger):
    target, _deals, _partner = ledger
    client_as("admin").post("/growth/quotas", data={"fiscal_year": "2026", "scope": "territory",
                                                    "target_id": str(target.id), "amount": "4000.00"})
    response = api_as("admin").get(f"/api/v1/growth/standing/territory/{target.id}?year=2026")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "Growth Test" and body["quota"]["amount"] == "4000.00"
    assert body["closed_won"]["amount"] == "3319.75" and body["attainment_pct"] == "83.0"
    assert body["rates_used"][-1] == "BRL at 0.1600 (rate of 2026-07-01, admin)"
    assert api_as("admin").get(f"/api/v1/growth/standing/territory/{target.id}?view=nope").status_code == 422
    assert api_as("admin").get(f"/api/v1/growth/standing/galaxy/{target.id}").status_code == 422
    assert api_as("ana").get(f"/api/v1/growth/standing/territory/{target.id}").status_code == 403
    arr = api_as("admin").get(f"/api/v1/growth/standing/territory/{target.id}?year=2026&metric=arr")
    assert arr.status_code == 200 and arr.json()["metric"] == "arr" and arr.json()["quota"] is None
    assert api_as("admin").get(f"/api/v1/growth/standing/territory/{target.id}?metric=tcv").status_code == 422


def test_a_manager_calls_a_deal_commit_from_its_page_and_it_is_audited(client_as, db, world):
    lucia = client_as("lucia")
    deal_id = world.opportunities["abertas"]
    page = lucia.get(f"/opportunities/{deal_id}")
    assert 'name="category"' in page.text and "Forecast" in page.text
    saved = lucia.post(f"/opportunities/{deal_id}/forecast", data={"category": "commit"})
    assert saved.status_code == 303
    assert db.get(ForecastCall, deal_id).category == "commit"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "opportunities",
                                                AuditEntry.entity_id == deal_id, AuditEntry.action == "forecast")).one()
    assert entry.before == {"forecast_category": "pipeline"} and entry.after == {"forecast_category": "commit"}
    assert lucia.post(f"/opportunities/{deal_id}/forecast", data={"category": "maybe"}).status_code == 422
    assert client_as("nathan").post(f"/opportunities/{deal_id}/forecast", data={"category": "commit"}).status_code == 404
    assert client_as("ana").get(f"/opportunities/{deal_id}").text.count('name="category"') == 0
