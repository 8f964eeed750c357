"""`channelbase sellout import|report` against a migrated, seeded SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channelbase import cli_support
from channelbase.core.db import make_sessionmaker, unit_of_work
from channelbase.deals import fx, products
from channelbase.deals.schemas import ProductCreate
from channelbase.demo.world import World
from channelbase.sellout import cli as sellout_cli
from tests.cli_harness import cli_database, invoke
from tests.sellout.conftest import DELTA_HEADER, DELTA_ROWS, OCTOBER, csv_bytes, delta_file


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("sellout_cli"), wide_consoles=(sellout_cli,)) as world:
        with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
            admin = cli_support.cli_actor(session)
            for sku in ("ELS-STD-1Y", "KPP-1Y"):
                products.create_product(session, admin, ProductCreate(sku=sku, name=sku, family="OS", term="annual"))
            fx.set_rate(session, admin, "BRL", OCTOBER, "0.18")
        yield world


def _file(tmp_path, rows=None, name="delta-2026-10.csv"):
    path = tmp_path / name
    path.write_bytes(delta_file(rows))
    return str(path)


def test_a_bad_file_is_listed_by_row_and_column_and_nothing_is_imported(cli_world, tmp_path):
    rows = [list(row) for row in DELTA_ROWS]
    rows[0][9] = "REAL"
    result = invoke("sellout", "import", _file(tmp_path, rows), "--distributor", "Distribuidora Delta",
                    "--month", "2026-10")
    assert result.exit_code == 1
    assert "nothing was imported" in result.stdout and "Moeda" in result.stdout
    assert "unknown currency 'REAL'" in result.stdout and "1 problem(s)" in result.stdout
    assert "2026-10" not in invoke("sellout", "report", "--by", "month").stdout


def test_dry_run_then_import_then_report(cli_world, tmp_path):
    path = tmp_path / "delta-2026-10.csv"
    path.write_bytes(csv_bytes([[("Ref Fabricante" if h == "Código" else h) for h in DELTA_HEADER], *DELTA_ROWS]))
    unmapped = invoke("sellout", "import", str(path), "--distributor", "Distribuidora Delta", "--month", "2026-10")
    assert unmapped.exit_code == 1 and "sku: required: pick the column that holds the sku" in unmapped.stderr
    dry = invoke("sellout", "import", str(path), "--distributor", "distribuidora delta s/a", "--month", "2026-10",
                 "--dry-run", "--map", "sku=Ref Fabricante")
    assert dry.exit_code == 0, dry.output
    assert "Would import 5 lines of delta-2026-10.csv for Distribuidora Delta S.A., October 2026: 2 matched, 3 to review" \
        in dry.stdout
    done = invoke("sellout", "import", str(path), "--distributor", "Distribuidora Delta", "--month", "2026-10",
                  "--map", "sku=Ref Fabricante")
    assert done.exit_code == 0, done.output
    assert "Imported 5 lines" in done.stdout and "/sellout/file?id=" in done.stdout
    again = invoke("sellout", "import", str(path), "--distributor", "Distribuidora Delta", "--month", "2026-10")
    assert again.exit_code == 1 and "was already imported" in again.stderr
    report = invoke("sellout", "report", "--by", "reseller", "--from", "2026-10", "--to", "2026-10")
    assert report.exit_code == 0, report.output
    assert "Soluções Abertas Ltda." in report.stdout and "USD 2,522.22" in report.stdout
    assert "USD 2,612.13" in report.stdout  # the total


def test_an_unknown_distributor_or_a_reseller_user_is_refused(cli_world, tmp_path):
    unknown = invoke("sellout", "import", _file(tmp_path), "--distributor", "Nobody Distribution", "--month", "2026-10")
    assert unknown.exit_code == 1 and "No distributor named 'Nobody Distribution'" in unknown.stderr
    reseller = invoke("--as", "ana@abertas.com.br", "sellout", "import", _file(tmp_path), "--distributor",
                      "Distribuidora Delta", "--month", "2026-10")
    assert reseller.exit_code == 1 and "Sell-out files come from distributors" in reseller.stderr
    bad_month = invoke("sellout", "import", _file(tmp_path), "--distributor", "Distribuidora Delta", "--month", "10/2026")
    assert bad_month.exit_code == 1 and "is not a month" in bad_month.stderr
