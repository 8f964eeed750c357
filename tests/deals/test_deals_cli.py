"""`channelbase registrations|opportunities|pipeline` against a migrated, seeded SQLite file.

The database is shared by the tests of this module (per xdist worker), so each test makes its own rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from channelbase import cli_support
from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.db import make_sessionmaker, unit_of_work
from channelbase.deals import cli_deals, registrations
from channelbase.deals.deal_schemas import ApproveIn, RegistrationCreate
from channelbase.deals.models import Registration
from channelbase.demo.world import World
from tests.cli_harness import cli_database, invoke

CLOSE = (utcnow().date() + timedelta(days=60)).isoformat()
ANA, BRUNO, LUCIA = "ana@abertas.com.br", "bruno@nubebravo.mx", "lucia@channelbase.demo"


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("deals_cli"), wide_consoles=(cli_deals,)) as world:
        yield world


def submit(who: str, customer: str, *extra: str) -> int:
    """Submit a registration of a new Brazilian customer as `who`; its id."""
    result = invoke("--as", who, "registrations", "submit", "--title", f"{customer} — Linux estate",
                    "--customer", customer, "--country", "BR", "--amount", "5000.00", "--currency", "USD",
                    "--close", CLOSE, *extra)
    assert result.exit_code == 0, result.output
    return int(re.search(r"\(#(\d+)\)", result.stdout).group(1))


def approved(who: str, registration_id: int) -> None:
    result = invoke("--as", who, "registrations", "approve", str(registration_id))
    assert result.exit_code == 0, result.output


# Registrations ------------------------------------------------------------------------------------

def test_a_partner_submits_and_hears_only_that_it_needs_review(cli_world):
    first = invoke("--as", ANA, "registrations", "submit", "--title", "Fundição — servers", "--customer",
                   "Fundição Mineira Ltda.", "--country", "BR", "--website", "fundicaomineira.com.br",
                   "--amount", "12.500,00", "--decimal-comma", "--currency", "USD", "--close", CLOSE)
    assert first.exit_code == 0, first.output
    assert re.search(r"Submitted REG-\d{6} \(#\d+\): Fundição Mineira Ltda\., USD 12,500\.00; decision due by "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\.", first.stdout)
    assert "needs review" not in first.stdout
    second = invoke("--as", BRUNO, "registrations", "submit", "--title", "Fundição", "--customer",
                    "Fundicao Mineira", "--country", "BR", "--amount", "900", "--currency", "USD", "--close", CLOSE)
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[-1] == "It needs review."
    reg_id = re.search(r"\(#(\d+)\)", second.stdout).group(1)
    shown = invoke("--as", BRUNO, "registrations", "show", reg_id)
    assert "Needs review    yes" in shown.stdout
    assert "Fundição Mineira Ltda." not in shown.stdout and "Soluções Abertas" not in shown.stdout


def test_a_manager_sees_the_conflicts_with_score_and_reason(cli_world):
    first = submit(ANA, "Cerâmica Paulista Ltda.", "--website", "ceramicapaulista.com.br")
    second = submit(LUCIA, "Ceramica Paulista", "--partner", str(cli_world.partners["bravo"]))
    shown = invoke("--as", LUCIA, "registrations", "show", str(second))
    assert shown.exit_code == 0, shown.output
    assert "1 possible conflict(s)" in shown.stdout and "awaiting decision" in shown.stdout
    row = next(line for line in shown.stdout.splitlines() if f"/registrations/{first}" in line)
    assert "Soluções Abertas Ltda." in row and "100" in row and "same name" in row
    listed = invoke("--as", LUCIA, "registrations", "list", "--conflicts", "--q", "ceramica")
    assert f"REG-{second:06d}" in listed.stdout and f"REG-{first:06d}" not in listed.stdout
    assert "1 (best 100)" in listed.stdout


def test_registrations_are_approved_rejected_converted_and_listed(cli_world):
    keep = submit(ANA, "Têxtil Nordeste Ltda.", "--website", "textilnordeste.com.br")
    drop = submit(BRUNO, "Textil Nordeste")
    rejected = invoke("--as", LUCIA, "registrations", "reject", str(drop), "--reason", "Abertas registered first.")
    assert rejected.exit_code == 0 and rejected.stdout.strip() == (
        f"Rejected REG-{drop:06d}: Abertas registered first.")
    approve = invoke("--as", LUCIA, "registrations", "approve", str(keep), "--note", "Go ahead.")
    expires = (utcnow().date() + timedelta(days=90)).isoformat()
    assert approve.exit_code == 0 and approve.stdout.strip() == (
        f"Approved REG-{keep:06d}: it holds the deal until {expires}.")
    converted = invoke("--as", LUCIA, "registrations", "convert", str(keep), "--stage", "discover")
    assert converted.exit_code == 0, converted.output
    match = re.search(rf"Converted REG-{keep:06d} into opportunity #(\d+) 'Têxtil Nordeste Ltda\. — Linux estate' "
                      r"\(USD 5,000\.00, Discover\)\.", converted.stdout)
    assert match, converted.stdout
    shown = invoke("--as", ANA, "registrations", "show", str(keep))
    assert "converted" in shown.stdout and f"Opportunity     #{match.group(1)}" in shown.stdout
    listed = invoke("--as", LUCIA, "registrations", "list", "--status", "rejected")
    assert f"REG-{drop:06d}" in listed.stdout and f"REG-{keep:06d}" not in listed.stdout
    assert invoke("--as", LUCIA, "registrations", "approve", str(keep)).exit_code == 1


def test_extensions_are_requested_by_the_partner_and_given_by_the_manager(cli_world):
    reg_id = submit(ANA, "Vidraria Sul Ltda.")
    approved(LUCIA, reg_id)
    asked = invoke("--as", ANA, "registrations", "request-extension", str(reg_id), "--reason", "Tender moved.")
    assert asked.exit_code == 0 and "Asked for an extension" in asked.stdout
    extended = invoke("--as", LUCIA, "registrations", "extend", str(reg_id), "--days", "10")
    expires = (utcnow().date() + timedelta(days=100)).isoformat()
    assert extended.exit_code == 0 and f"to {expires} (extension 1)" in extended.stdout


def test_the_expiry_sweep_marks_lapsed_registrations_expired(cli_world):
    past = utcnow() - timedelta(days=120)
    with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
        ana, lucia = session.get_one(User, cli_world.users["ana"]), session.get_one(User, cli_world.users["lucia"])
        registration = registrations.submit_registration(session, ana, RegistrationCreate(
            title="Old deal", customer_name="Moinho Antigo Ltda.", customer_country="BR", amount="100",
            currency="USD", expected_close_date=past.date() + timedelta(days=30)), now=past)
        session.flush()
        registrations.approve(session, lucia, registration.id, ApproveIn(version=registration.version), now=past)
        reg_id = registration.id
    # Past its date it already reads as expired; the sweep records it (and audits it) for good.
    assert "Status          expired" in invoke("registrations", "show", str(reg_id)).stdout
    swept = invoke("registrations", "expire")
    assert swept.exit_code == 0 and swept.stdout.strip() == "Expired 1 registration(s)."
    with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
        assert session.get_one(Registration, reg_id).status == "expired"
    assert invoke("registrations", "expire").stdout.strip() == "No approved registration is past its expiry date."


@pytest.mark.parametrize("args, message", [
    (("--amount", "-5"), "The amount must be more than 0"),
    (("--currency", "XYZ"), "--currency: 'XYZ' is not an ISO 4217 currency code"),
    (("--currency", "ARS"), "No ARS→USD FX rate effective on"),
    (("--close", "2020-01-01"), "The expected close date 2020-01-01 is in the past."),
    (("--close", "31/12/2026"), "--close: Input should be a valid date"),
    (("--product", "NOPE:2"), "No product with SKU NOPE"),
    (("--product", "NOPE:x"), "--product 'NOPE:x': write SKU:QUANTITY"),
])
def test_bad_submissions_exit_1_with_one_clear_line(cli_world, args, message):
    base = {"--title": "Bad", "--customer": "Serraria Bad Ltda.", "--country": "BR", "--amount": "10",
            "--currency": "USD", "--close": CLOSE}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = invoke("--as", ANA, "registrations", "submit", *[x for pair in base.items() for x in pair])
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert "Traceback" not in result.output
    assert "Serraria Bad" not in invoke("--as", ANA, "registrations", "list").stdout


def test_a_customer_or_an_account_is_required(cli_world):
    result = invoke("--as", ANA, "registrations", "submit", "--title", "X", "--amount", "1", "--currency", "USD",
                    "--close", CLOSE)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: Invalid input: pick an existing account, or give the customer's name "
                                     "and country")


def test_products_are_registered_by_sku(cli_world):
    assert invoke("products", "add", "--sku", "RHX-1Y", "--name", "Server subscription", "--family", "OS",
                  "--term", "annual").exit_code == 0
    reg_id = submit(ANA, "Laticínios Serra Ltda.", "--product", "rhx-1y:3")
    assert "RHX-1Y × 3" in invoke("--as", ANA, "registrations", "show", str(reg_id)).stdout


def test_partner_users_may_not_decide_and_others_see_nothing(cli_world):
    reg_id = cli_world.registrations["abertas"]
    refused = invoke("--as", ANA, "registrations", "approve", str(reg_id))
    assert refused.exit_code == 1
    assert refused.stderr.strip() == "error: Only channel managers and admins may approve registrations."
    hidden = invoke("--as", BRUNO, "registrations", "show", str(reg_id))
    assert hidden.exit_code == 1 and f"No registration #{reg_id} here" in hidden.stderr
    assert invoke("--as", "nobody@example.com", "registrations", "list").exit_code == 1


# Opportunities and the pipeline ---------------------------------------------------------------------

def test_a_manager_adds_moves_and_shows_an_opportunity(cli_world):
    added = invoke("--as", LUCIA, "opportunities", "add", "--name", "Horizonte — storage", "--account",
                   str(cli_world.accounts["brazil"]), "--partner", str(cli_world.partners["abertas"]), "--amount",
                   "20000", "--currency", "USD", "--close", CLOSE, "--next-step", "Demo")
    assert added.exit_code == 0, added.output
    opp_id = re.search(r"#(\d+)", added.stdout).group(1)
    assert added.stdout.strip() == f"Added opportunity #{opp_id} 'Horizonte — storage': USD 20,000.00, Qualify."
    moved = invoke("--as", ANA, "opportunities", "move", opp_id, "negotiate")
    assert moved.exit_code == 0 and moved.stdout.strip() == (
        f"Moved #{opp_id} 'Horizonte — storage' to Negotiate (60 %).")
    shown = invoke("--as", LUCIA, "opportunities", "show", opp_id)
    assert "Stage history" in shown.stdout and "Negotiate (60 %)" in shown.stdout
    history = [line for line in shown.stdout.splitlines() if "UTC" in line]
    assert "Qualify" in history[0] and "Negotiate" in history[1] and "Qualify" in history[1]
    listed = invoke("--as", LUCIA, "opportunities", "list", "--stage", "negotiate")
    assert "Horizonte — storage" in listed.stdout and "USD 20,000.00" in listed.stdout
    unknown = invoke("--as", LUCIA, "opportunities", "move", opp_id, "nowhere")
    assert unknown.exit_code == 1 and "Unknown stage 'nowhere': use one of qualify" in unknown.stderr
    partner = invoke("--as", ANA, "opportunities", "add", "--name", "X", "--account", "1", "--partner", "1",
                     "--amount", "1", "--currency", "USD", "--close", CLOSE)
    assert partner.exit_code == 1 and "partners register deals instead" in partner.stderr


def test_pipeline_totals_convert_with_the_rates_they_name(cli_world, tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,date,rate\nBRL,2026-01-01,0.18\n", encoding="utf-8")
    assert invoke("fx", "load", str(rates)).exit_code == 0
    bravo = str(cli_world.partners["bravo"])
    reg_id = submit(BRUNO, "Cervejaria Monterrey", "--currency", "BRL", "--amount", "10000")
    approved(LUCIA, reg_id)
    assert invoke("--as", LUCIA, "registrations", "convert", str(reg_id), "--stage", "propose").exit_code == 0
    totals = invoke("--as", LUCIA, "pipeline", "totals", "--partner", bravo)
    assert totals.exit_code == 0, totals.output
    lines = totals.stdout.splitlines()
    assert re.search(r"Propose\s+│\s+1\s+│\s+USD 1,800\.00\s+│\s+USD 720\.00", totals.stdout), totals.stdout
    assert re.search(r"Total\s+│\s+1\s+│\s+USD 1,800\.00\s+│\s+USD 720\.00", totals.stdout)
    assert lines[-2:] == ["Rates used:", "  BRL at 0.1800 (rate of 2026-01-01, csv:rates.csv) for 1 deal(s)"]
    none = invoke("--as", LUCIA, "pipeline", "totals", "--partner", bravo, "--outcome", "won")
    assert re.search(r"Total\s+│\s+0\s+│\s+USD 0\.00", none.stdout), none.stdout
    bad = invoke("pipeline", "totals", "--close-from", "tomorrow")
    assert bad.exit_code == 1 and "--close-from: Input should be a valid date" in bad.stderr


def test_an_admin_rebuilds_the_rollup_and_a_manager_may_not(cli_world):
    rebuilt = invoke("pipeline", "rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert re.search(r"Pipeline rollup rebuilt: \d+ rows; 0 differ from the deals\.", rebuilt.stdout)
    refused = invoke("--as", LUCIA, "pipeline", "rebuild")
    assert refused.exit_code == 1 and "Only admins may rebuild the pipeline rollup" in refused.stderr
