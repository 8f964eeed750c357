"""`channelbase products|fx` against a migrated, seeded SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channelbase.deals import cli as deals_cli
from channelbase.demo.world import World
from tests.cli_harness import cli_database, invoke


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("deals_cli"), wide_consoles=(deals_cli,)) as world:
        yield world


def test_products_are_added_priced_and_listed(cli_world):
    added = invoke("products", "add", "--sku", "els-std-1y", "--name", "Enterprise Linux Server — Standard",
                   "--family", "OS", "--term", "annual")
    assert added.exit_code == 0, added.output
    assert "Added product ELS-STD-1Y" in added.stdout
    priced = invoke("products", "price", "ELS-STD-1Y", "4.290,00", "BRL", "--decimal-comma")
    assert priced.exit_code == 0, priced.output
    assert "BRL 4,290.00" in priced.stdout
    listed = invoke("products", "list", "--q", "linux")
    assert "ELS-STD-1Y" in listed.stdout and "BRL 4,290.00" in listed.stdout


def test_a_bad_price_exits_1_with_the_reason(cli_world):
    invoke("products", "add", "--sku", "TRN-1", "--name", "Training", "--family", "Services", "--term", "one-time",
           "--one-off")
    negative = invoke("products", "price", "--", "TRN-1", "-5", "USD")
    assert negative.exit_code == 1 and "cannot be negative" in negative.stderr
    ambiguous = invoke("products", "price", "TRN-1", "1.500", "USD")
    assert ambiguous.exit_code == 1 and "ambiguous" in ambiguous.stderr
    unknown = invoke("products", "price", "NOPE", "1", "USD")
    assert unknown.exit_code == 1 and "No product with SKU NOPE" in unknown.stderr


def test_a_partner_user_may_not_add_products(cli_world):
    result = invoke("--as", "ana@abertas.com.br", "products", "add", "--sku", "X-1", "--name", "X", "--family", "OS",
                    "--term", "annual")
    assert result.exit_code == 1 and "Only admins" in result.stderr


def test_fx_load_refuses_a_file_with_a_bad_row_and_lists_it(cli_world, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("currency;date;rate\nBRL;2026-11-01;0,1864\nMXN;2026-11-01;abc\n", encoding="utf-8")
    result = invoke("fx", "load", str(path))
    assert result.exit_code == 1
    assert "nothing was saved" in result.stdout and "3" in result.stdout and "'abc' is not a number" in result.stdout
    assert "BRL" not in invoke("fx", "list").stdout


def test_fx_load_dry_run_then_load_then_convert(cli_world, tmp_path):
    path = tmp_path / "rates-2026-11.csv"
    path.write_text("currency,date,rate\nBRL,2026-10-01,0.1850\nBRL,2026-11-01,0.1864\n", encoding="utf-8")
    dry = invoke("fx", "load", str(path), "--dry-run")
    assert dry.exit_code == 0 and "Would load 2 rates" in dry.stdout
    assert "0.1864" not in invoke("fx", "list").stdout
    loaded = invoke("fx", "load", str(path))
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded 2 rates from rates-2026-11.csv: 2 new" in loaded.stdout
    assert "0.1864" in invoke("fx", "list", "--currency", "brl").stdout
    converted = invoke("fx", "convert", "1.000,00", "BRL", "--date", "2026-11-15", "--decimal-comma")
    assert converted.exit_code == 0, converted.output
    assert converted.stdout.strip() == ("1,000.00 BRL on 2026-11-15 = 186.40 USD at 0.1864 "
                                        "(rate of 2026-11-01, source csv:rates-2026-11.csv)")


def test_fx_convert_without_a_rate_exits_1_naming_currency_and_date(cli_world):
    result = invoke("fx", "convert", "100", "ARS", "--date", "2026-11-01")
    assert result.exit_code == 1
    assert "No ARS→USD FX rate effective on 2026-11-01" in result.stderr and "channelbase fx load" in result.stderr
    bad_date = invoke("fx", "convert", "100", "BRL", "--date", "01/11/2026")
    assert bad_date.exit_code == 1 and "YYYY-MM-DD" in bad_date.stderr


def test_an_error_prints_what_the_user_typed_as_text_not_markup(cli_world):
    result = invoke("products", "price", "NOPE:X:[B]", "1", "USD")
    assert result.exit_code == 1
    assert "No product with SKU NOPE:X:[B]" in result.stderr  # not an emoji, and the [B] not eaten as a style
