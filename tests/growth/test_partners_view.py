"""The dashboard's partners page: pipeline by partner type and territory, pipeline created by month, and the top
and falling partners, on the known dataset of tests/growth/conftest.py."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

from channelbase.core.money import Money
from channelbase.growth import fiscal
from channelbase.growth.partners_view import partners_view
from tests.growth.conftest import AS_OF


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def test_the_ledger_partner_is_among_the_movers_with_exact_figures(db, admin, ledger):
    _target, _deals, partner = ledger
    view = partners_view(db, admin, fiscal.fiscal_year(db, 2026), as_of=AS_OF)
    line = next(line for line in view.top if line.partner_id == partner.id)
    assert line.won == usd("3319.75") and line.prior == usd("3000.00") and line.change == usd("319.75")
    assert f"partner_id={partner.id}" in line.href and "outcome=won" in line.href
    assert all(line.partner_id != partner.id for line in view.falling)  # it grew


def test_a_partner_behind_last_years_pace_is_falling(db, admin, ledger):
    _target, deals, partner = ledger
    for name in ("C", "D", "E"):  # its 2026 wins are lost instead: 0 against 3,000 last year to the same day
        deals[name].outcome, deals[name].stage_id = "lost", deals["J"].stage_id
    db.flush()
    view = partners_view(db, admin, fiscal.fiscal_year(db, 2026), as_of=AS_OF)
    line = next(line for line in view.falling if line.partner_id == partner.id)
    assert line.change == usd("-3000.00")


def test_open_pipeline_by_type_and_created_by_month_count_the_ledger(db, admin, ledger):
    _target, deals, _partner = ledger
    moment = datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)
    for deal in deals.values():
        deal.created_at = moment
    db.flush()
    view = partners_view(db, admin, fiscal.fiscal_year(db, 2026), as_of=AS_OF)
    var = next(bar for bar in view.by_type if bar.label == "VAR")
    assert var.deals >= 4 and "partner_type=var" in var.href   # F, G, H, I of the ledger, and the world's
    march = next(line for line in view.created if line.label == "Mar")
    # Every ledger deal counts where it was created, whatever became of it: 12 deals, BRL at the March rate 0.20.
    assert march.current.amount >= Decimal("9999.00")
    assert "created_from=2026-03-01" in march.current_href and "created_to=2026-03-31" in march.current_href


def test_the_page_renders_its_charts_and_the_tables_download(client_as, db, ledger):
    _target, deals, partner = ledger
    deals["F"].created_at = datetime(2026, 3, 5, 10, 0, tzinfo=timezone.utc)
    db.flush()
    admin = client_as("admin")
    page = admin.get("/growth/partners?year=2026&fresh=1")
    assert page.status_code == 200, page.text[:300]
    assert "Top partners" in page.text and "Ledger Partner Ltda." in page.text
    assert page.text.count("<svg") == 5
    download = admin.get("/growth/export?table=top&year=2026&format=csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Partner" and any(row[1] == str(partner.id) for row in rows[1:])
    march = admin.get("/opportunities?created_from=2026-03-01&created_to=2026-03-31")
    assert march.status_code == 200 and "Ledger F" in march.text and "Ledger G" not in march.text
