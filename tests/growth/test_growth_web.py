"""The growth pages: the dashboard's figures, drill-down links and downloads, and the quota and plan-rate forms."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from channelbase.growth.models import PlanRate, Quota


def test_the_dashboard_shows_a_territory_against_its_quota_with_links_to_its_deals(client_as, db, ledger):
    target, _deals, _partner = ledger
    admin = client_as("admin")
    created = admin.post("/growth/quotas", data={"fiscal_year": "2026", "scope": "territory",
                                                 "target_id": str(target.id), "amount": "4000.00"})
    assert created.status_code == 303, created.text[:500]
    quota = db.scalars(select(Quota).where(Quota.target_key == f"territory:{target.id}")).one()
    assert quota.amount_minor == 400000
    page = admin.get("/growth?year=2026")
    assert page.status_code == 200, page.text[:500]
    assert "Growth — FY2026" in page.text and "Rates used" in page.text
    links = re.findall(r'href="(/opportunities\?[^"]+)"', page.text)
    assert links, "the dashboard links to the deals behind its figures"
    funnel = [link for link in links if "stage=" in link]
    query = parse_qs(urlsplit(funnel[0].replace("&amp;", "&")).query)
    assert query["outcome"] == ["open"] and query["close_from"] == ["2026-01-01"] and query["close_to"] == ["2026-12-31"]
    under = admin.get(f"/growth?year=2026&territory={target.id}")
    assert under.status_code == 200


def test_the_dashboard_tables_download_as_csv_and_xlsx(client_as, ledger):
    admin = client_as("admin")
    response = admin.get("/growth/export?table=months&year=2026&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Month" and len(rows) == 13
    xlsx = admin.get("/growth/export?table=territories&year=2026&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert admin.get("/growth/export?table=nope").status_code == 422


def test_constant_currency_without_plan_rates_says_which_rate_is_missing(client_as, ledger):
    page = client_as("admin").get("/growth?year=2025&view=constant")
    assert page.status_code == 200
    assert "No FY2025 plan rate for BRL" in page.text


def test_quota_and_plan_rate_forms_refuse_bad_input_with_clear_messages(client_as, db, ledger):
    target, _deals, _partner = ledger
    admin = client_as("admin")
    unknown = admin.post("/growth/quotas", data={"fiscal_year": "2026", "scope": "territory", "target_id": "999999",
                                                 "amount": "10"})
    assert unknown.status_code == 422 and "Territory #999999 does not exist" in unknown.text
    first = admin.post("/growth/quotas", data={"fiscal_year": "2026", "scope": "territory",
                                               "target_id": str(target.id), "amount": "10"})
    assert first.status_code == 303
    again = admin.post("/growth/quotas", data={"fiscal_year": "2026", "scope": "territory",
                                               "target_id": str(target.id), "amount": "20"})
    assert again.status_code == 409 and "already has a bookings quota" in again.text
    arr = admin.post("/growth/quotas", data={"fiscal_year": "2026", "scope": "territory", "target_id": str(target.id),
                                             "metric": "arr", "amount": "20"})
    assert arr.status_code == 303  # another metric: not an overlap
    assert "ARR" in admin.get("/growth/quotas?year=2026").text
    split = admin.post("/growth/quotas", data={"fiscal_year": "2027", "scope": "territory", "target_id": str(target.id),
                                               "amount": "20", "q1": "50", "q2": "50", "q3": "50", "q4": "0"})
    assert split.status_code == 422 and "adding up to 100" in split.text
    rate = admin.post("/growth/plan-rates", data={"fiscal_year": "2027", "currency": "BRL", "rate": "-1"})
    assert rate.status_code == 422 and "greater than 0" in rate.text
    saved = admin.post("/growth/plan-rates", data={"fiscal_year": "2027", "currency": "BRL", "rate": "0.185"})
    assert saved.status_code == 303
    assert db.scalar(select(PlanRate.rate).where(PlanRate.fiscal_year == 2027, PlanRate.currency == "BRL")) == \
        Decimal("0.185")


def test_editing_a_quota_uses_its_version(client_as, db, ledger):
    target, _deals, _partner = ledger
    admin = client_as("admin")
    admin.post("/growth/quotas", data={"fiscal_year": "2026", "scope": "territory", "target_id": str(target.id),
                                       "amount": "10"})
    quota = db.scalars(select(Quota).where(Quota.target_key == f"territory:{target.id}")).one()
    stale = admin.post(f"/growth/quotas/{quota.id}", data={"fiscal_year": "2026", "scope": "territory",
                                                           "target_id": str(target.id), "amount": "12",
                                                           "version": str(quota.version + 1)})
    assert stale.status_code == 409 and "changed by" in stale.text
    fresh = admin.post(f"/growth/quotas/{quota.id}", data={"fiscal_year": "2026", "scope": "territory",
                                                           "target_id": str(target.id), "amount": "12",
                                                           "version": str(quota.version)})
    assert fresh.status_code == 303
    db.refresh(quota)
    assert quota.amount_minor == 1200 and quota.version == 2
