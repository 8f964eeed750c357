"""A partner's scorecard and QBR pack: the metrics of a quarter on the growth tests' dataset, the PDF (read back
with pypdf) from the service, the web and the CLI, its languages, and who may have it."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from pypdf import PdfReader

from channelbase import cli_support
from channelbase.auth import service as auth_service
from channelbase.auth.models import Role
from channelbase.core.db import make_sessionmaker, unit_of_work
from channelbase.core.errors import InvalidInput, NotFound
from channelbase.core.money import Money
from channelbase.deals.models import Registration, RegistrationStatus
from channelbase.growth import cli_qbr, fiscal, quotas, web_qbr
from channelbase.growth.qbr import qbr_pdf
from channelbase.growth.qbr_text import TEXTS, Words
from channelbase.growth.scorecard import GOOD, NONE, WATCH, partner_scorecard
from channelbase.partners.models import Partner
from tests.cli_harness import cli_database, invoke
from tests.growth.conftest import AS_OF, NOW

NAME = "Ledger Soluções Ágeis Ltda."
CREATED_IN_Q3 = datetime(2026, 8, 1, 9, 0, tzinfo=timezone.utc)
CREATED_BEFORE = datetime(2025, 1, 5, 9, 0, tzinfo=timezone.utc)


def usd(text: str) -> Money:
    return Money(Decimal(text), "USD")


def pdf_text(content: bytes) -> str:
    assert content[:5] == b"%PDF-"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _registration(partner, status: str, decided: datetime, expires: date | None) -> Registration:
    return Registration(partner_id=partner.id, territory_id=partner.territory_id, title=f"Ledger claim {status}",
                        customer_name="Cliente Ledger", customer_key="clienteledger", customer_country="BR",
                        currency="USD", amount_minor=100000, expected_close_date=date(2026, 12, 1), status=status,
                        submitted_at=datetime(2026, 7, 2, tzinfo=timezone.utc), decision_due_at=decided,
                        decided_at=decided, expires_on=expires)


@pytest.fixture
def pack(db, admin, ledger):
    """The growth dataset's partner, renamed with accents, with a FY2026 quota of 1,000 a quarter, deals F and G
    created in 2026Q3 (the rest long before) and two registrations decided in 2026Q3."""
    _target, deals, partner = ledger
    partner.name = NAME
    for name, deal in deals.items():
        deal.created_at = CREATED_IN_Q3 if name in ("F", "G") else CREATED_BEFORE
    quotas.set_quota(db, admin, quotas.QuotaIn(fiscal_year=2026, scope="partner", target_id=partner.id,
                                               amount="4000.00"))
    db.add(_registration(partner, RegistrationStatus.APPROVED, datetime(2026, 7, 20, tzinfo=timezone.utc),
                         date(2026, 10, 15)))
    db.add(_registration(partner, RegistrationStatus.REJECTED, datetime(2026, 7, 21, tzinfo=timezone.utc), None))
    db.flush()
    return partner, deals


@pytest.fixture
def frozen_web(monkeypatch):
    monkeypatch.setattr(web_qbr, "utcnow", lambda: NOW)


def _q3(db):
    return fiscal.parse_quarter(db, "2026Q3")


def test_the_scorecard_measures_the_quarter_against_plan_and_the_prior_year(db, admin, pack):
    partner, _deals = pack
    year, quarter = _q3(db)
    card = partner_scorecard(db, admin, partner.id, quarter, year, today=AS_OF)
    assert 8 <= len(card.metrics) <= 12
    bookings = card.metric("bookings_year")
    assert bookings.value == usd("3319.75") and bookings.status == GOOD       # plan to date Q1-Q3: 3,000
    assert {c.key: c.value for c in bookings.comparisons}["attainment"] == Decimal("83.0")
    quarter_bookings = card.metric("bookings_quarter")
    assert quarter_bookings.value == usd("819.75")                            # E: 5,123.45 BRL x 0.16
    assert quarter_bookings.status == WATCH                                   # 82 % of the quarter's 1,000
    assert {c.key: c.value for c in quarter_bookings.comparisons}["same_quarter_last_year"] == usd("0.00")
    pipeline = card.metric("open_pipeline")
    assert pipeline.value == usd("4033.33") and pipeline.status == GOOD       # F, G, H, I; covers the gap 5.2x
    assert {c.key: c.value for c in pipeline.comparisons}["coverage"] == Decimal("5.2")
    assert card.metric("weighted_forecast").value == usd("5339.75")
    created = card.metric("pipeline_created")
    assert created.value == usd("2533.33")                                   # F 2,000 + G 3,333.33 BRL x 0.16
    registrations = card.metric("registrations")
    assert registrations.value == Decimal("50.0") and registrations.status == WATCH
    win_rate = card.metric("win_rate")
    assert win_rate.value == Decimal("100.0")                                 # E won; J was lost in Q2
    assert {c.key: c.value for c in win_rate.comparisons}["year_to_date"] == Decimal("75.0")
    assert card.metric("deal_size").value == usd("1106.58")                  # 3,319.75 / 3
    assert card.metric("expiring").value == 1 and card.metric("expiring").status == WATCH
    certified = card.metric("certified")                                     # nobody certified, no plan to meet
    assert certified.value == 0 and certified.status == NONE and certified.missing is None
    assert card.plan is None
    assert card.metric("satisfaction").status == NONE


def test_the_scorecard_lists_the_deals_of_the_pack(db, admin, pack):
    partner, _deals = pack
    year, quarter = _q3(db)
    card = partner_scorecard(db, admin, partner.id, quarter, year, today=AS_OF)
    assert [line.name for line in card.won_deals] == ["Ledger E"]
    assert card.next_quarter.label == "2026Q4"
    assert [line.name for line in card.closing_next] == ["Ledger F", "Ledger H", "Ledger G", "Ledger I"]
    assert [line.name for line in card.commitments] == ["Ledger F"]          # G is best case; I is omitted
    assert card.rates == ["BRL at 0.2000 (rate of 2025-01-01, admin)", "BRL at 0.2000 (rate of 2026-01-01, admin)",
                          "BRL at 0.1600 (rate of 2026-07-01, admin)"]


def test_the_pdf_names_the_partner_quarter_figures_and_deals(db, admin, pack):
    partner, _deals = pack
    text = pdf_text(qbr_pdf(db, admin, partner.id, "2026Q3", today=AS_OF))
    assert NAME in text
    assert "2026Q3" in text and "Prepared 2026-09-30" in text
    assert "USD 3,319.75" in text and "USD 819.75" in text
    assert "Ledger E" in text and "Ledger F" in text
    assert "Quarterly business review" in text and "Scorecard" in text
    assert "Joint business plan" in text and "No joint business plan for FY2026 yet." in text
    assert "BRL at 0.1600 (rate of 2026-07-01, admin)" in text


def test_a_spanish_partner_gets_a_spanish_pack(db, admin, pack):
    partner, _deals = pack
    auth_service.create_user(db, admin, email="marta@ledger.example", name="Marta Ruiz", role=Role.PARTNER,
                             password="a-long-password-1", partner_id=partner.id, language="es")
    db.flush()
    text = pdf_text(qbr_pdf(db, admin, partner.id, "2026Q3", today=AS_OF))
    assert "Revisión trimestral de negocio" in text and "Cuadro de mando" in text
    assert "Preparado el 30/09/2026" in text
    assert "US$ 3,319.75" in text                                            # Money.format(local=True)
    assert "Quarterly business review" not in text


def test_every_language_has_every_text():
    for language, texts in TEXTS.items():
        assert set(texts) == set(TEXTS["en"]), f"{language}: missing {set(TEXTS['en']) - set(texts)}, " \
                                               f"extra {set(texts) - set(TEXTS['en'])}"
        assert all(value.strip() for value in texts.values()), language
    assert Words("pt-BR").language == "pt" and Words("fr").language == "en"


def test_a_bad_quarter_or_an_unseen_partner_is_refused(db, admin, actor, pack):
    partner, _deals = pack
    with pytest.raises(InvalidInput, match="'2026Q5' is not a fiscal quarter"):
        qbr_pdf(db, admin, partner.id, "2026Q5", today=AS_OF)
    with pytest.raises(NotFound):
        qbr_pdf(db, actor("bruno"), partner.id, "2026Q3", today=AS_OF)
    year, _quarter = _q3(db)
    with pytest.raises(InvalidInput, match="not a quarter of FY2026"):
        partner_scorecard(db, admin, partner.id, fiscal.fiscal_year(db, 2025).quarter(1), year, today=AS_OF)


def test_the_scorecard_page_lists_the_metrics_for_the_current_quarter(client_as, pack, frozen_web):
    partner, _deals = pack
    page = client_as("admin").get(f"/partners/{partner.id}/scorecard")
    assert page.status_code == 200, page.text[:500]
    assert "Ledger Soluções Ágeis Ltda." in page.text and '<option value="2026Q3" selected' in page.text
    for label in ("Bookings, fiscal year to date", "Bookings this quarter", "Open pipeline this fiscal year",
                  "Weighted forecast for the year", "Pipeline created this quarter", "approval rate",
                  "Win rate this quarter", "Average deal size", "Registrations expiring soon", "Last contact",
                  "Certified people", "Partner satisfaction"):
        assert label in page.text, label
    assert "USD 819.75" in page.text and "Ledger E" in page.text
    assert f'href="/partners/{partner.id}/qbr.pdf?quarter=2026Q3' in page.text


def test_the_pdf_downloads_as_a_private_attachment(client_as, pack, frozen_web):
    partner, _deals = pack
    response = client_as("admin").get(f"/partners/{partner.id}/qbr.pdf?quarter=2026Q3")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="qbr-ledger-solucoes-ageis-ltda-2026Q3.pdf"'
    assert response.headers["cache-control"] == "private, no-store"
    text = pdf_text(response.content)
    assert NAME in text and "USD 819.75" in text and "Ledger E" in text


def test_partner_users_see_their_own_scorecard_only(client_as, db, world, pack, frozen_web):
    partner, _deals = pack
    bruno = client_as("bruno")
    assert bruno.get(f"/partners/{partner.id}/scorecard?quarter=2026Q3").status_code == 404
    assert bruno.get(f"/partners/{partner.id}/qbr.pdf?quarter=2026Q3").status_code == 404
    own = client_as("ana").get(f"/partners/{world.partners['abertas']}/scorecard?quarter=2026Q3")
    assert own.status_code == 200
    assert "Kept by the vendor&#39;s channel team." in own.text                # cadence is not theirs to read
    detail = client_as("ana").get(f"/partners/{world.partners['abertas']}")
    assert f'href="/partners/{world.partners["abertas"]}/qbr.pdf"' in detail.text


def test_a_bad_quarter_gets_a_clear_error_on_both_routes(client_as, pack, frozen_web):
    partner, _deals = pack
    admin = client_as("admin")
    for path in ("scorecard", "qbr.pdf"):
        response = admin.get(f"/partners/{partner.id}/{path}?quarter=2026Q5")
        assert response.status_code == 422
        assert "is not a fiscal quarter: write it as 2026Q4" in response.text


def test_the_cli_writes_the_pack_and_names_a_bad_partner(tmp_path_factory, tmp_path):
    with cli_database(tmp_path_factory.mktemp("qbr_cli"), wide_consoles=(cli_qbr,)):
        out = tmp_path / "qbr.pdf"
        done = invoke("qbr", "Soluções Abertas Ltda.", "--quarter", "2026Q4", "--out", str(out))
        assert done.exit_code == 0, done.output
        assert f"Wrote {out}" in done.stdout
        text = pdf_text(out.read_bytes())
        assert "Soluções Abertas Ltda." in text and "Revisão trimestral de negócios" in text   # Ana writes pt
        unknown = invoke("qbr", "Nobody Ltd", "--quarter", "2026Q4", "--out", str(tmp_path / "x.pdf"))
        assert unknown.exit_code == 1
        assert unknown.stderr.strip() == "error: No partner you can see is named 'Nobody Ltd'. Give its exact " \
                                         "name or its id."
        assert not (tmp_path / "x.pdf").exists()
        bad = invoke("qbr", "Soluções Abertas Ltda.", "--quarter", "2026Q5", "--out", str(tmp_path / "y.pdf"))
        assert bad.exit_code == 1 and "not a fiscal quarter" in bad.stderr


def test_an_ambiguous_name_asks_for_the_id(tmp_path_factory, tmp_path):
    with cli_database(tmp_path_factory.mktemp("qbr_cli_twins")) as world:
        with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
            original = session.get_one(Partner, world.partners["northwind"])
            session.add(Partner(name=original.name, name_key=original.name_key, type="var", tier="gold",
                                status="active", territory_id=original.territory_id, country="US"))
        twins = invoke("qbr", "Northwind Systems Inc.", "--quarter", "2026Q4", "--out", str(tmp_path / "t.pdf"))
        assert twins.exit_code == 1
        assert "names several partners" in twins.stderr and "Use the id." in twins.stderr
