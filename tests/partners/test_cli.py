"""`channelbase partners|contacts|accounts|territories` against a migrated, seeded SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from channelbase.demo.world import World
from channelbase.partners import cli as partners_cli
from tests.cli_harness import cli_database, invoke


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("cli"), wide_consoles=(partners_cli,)) as world:
        yield world


def test_it_lists_partners_as_a_table(cli_world):
    result = invoke("partners", "list")
    assert result.exit_code == 0, result.output
    for name in ("Soluções Abertas Ltda.", "Nube Bravo S.A. de C.V.", "Northwind Systems Inc."):
        assert name in result.stdout


def test_it_filters_partners_and_prints_json(cli_world):
    result = invoke("partners", "list", "--country", "br", "--priority", "--type", "distributor", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["id"], r["name"]) for r in rows] == [(cli_world.partners["delta"], "Distribuidora Delta S.A.")]


def test_it_says_when_the_list_is_cut_short(cli_world):
    result = invoke("partners", "list", "--limit", "2")
    assert result.exit_code == 0
    assert "Showing the first 2" in result.stdout


def test_it_rejects_an_invalid_filter_naming_the_option(cli_world):
    result = invoke("partners", "list", "--country", "Brasil")
    assert result.exit_code == 1
    assert "--country: 'Brasil' is not an ISO 3166 country code" in result.stderr


def test_it_shows_a_partner_by_id_with_contacts_and_links(cli_world):
    result = invoke("partners", "show", str(cli_world.partners["abertas"]))
    assert result.exit_code == 0, result.output
    assert "Americas › Latin America › Brazil" in result.stdout
    assert "11.444.777/0001-61" in result.stdout
    assert "ana@abertas.com.br" in result.stdout
    assert "Distributors: Distribuidora Delta S.A." in result.stdout


def test_it_finds_a_partner_by_a_name_typed_without_accents(cli_world):
    result = invoke("partners", "show", "solucoes abertas")
    assert result.exit_code == 0, result.output
    assert f"Soluções Abertas Ltda.  #{cli_world.partners['abertas']}" in result.stdout


def test_it_lists_the_matches_when_a_name_is_ambiguous(cli_world):
    result = invoke("partners", "show", "r")  # Abertas, Bravo, Delta and Northwind all contain an r
    assert result.exit_code == 1
    assert "Northwind Systems Inc." in result.stdout and "Nube Bravo S.A. de C.V." in result.stdout
    assert "Several partners match 'r'" in result.stderr


def test_it_says_when_no_partner_matches(cli_world):
    result = invoke("partners", "show", "Zeta Zulu")
    assert result.exit_code == 1
    assert "No partner matches 'Zeta Zulu'" in result.stderr


def test_it_adds_a_partner_by_territory_name_and_owner_email(cli_world):
    result = invoke("partners", "add", "--name", "Andes Cloud SpA", "--type", "msp", "--territory", "chile",
                    "--country", "CL", "--tax-id", "76.086.428-5", "--owner", "lucia@channelbase.demo",
                    "--website", "andescloud.cl")
    assert result.exit_code == 0, result.output
    assert "Added partner 'Andes Cloud SpA'" in result.stdout
    shown = invoke("partners", "show", "andes cloud")
    assert "Latin America › Chile" in shown.stdout and "Lucía Fernández" in shown.stdout


def test_it_refuses_an_invalid_tax_id_with_a_clear_message(cli_world):
    result = invoke("partners", "add", "--name", "Pampa Redes", "--type", "var", "--territory",
                    str(cli_world.territories["argentina"]), "--country", "AR", "--tax-id", "20-12345678-0")
    assert result.exit_code == 1
    assert "is not a valid CUIT for Argentina" in result.stderr
    assert "Traceback" not in result.output
    assert invoke("partners", "show", "pampa").exit_code == 1


def test_it_refuses_a_duplicate_partner_with_the_service_message(cli_world):
    result = invoke("partners", "add", "--name", "Nube Bravo", "--type", "msp", "--territory", "Mexico",
                    "--country", "MX")
    assert result.exit_code == 1
    assert f"(#{cli_world.partners['bravo']}) already has this name" in result.stderr


def test_it_names_each_bad_option(cli_world):
    result = invoke("partners", "add", "--name", "X" * 201, "--type", "var", "--territory", "Brazil",
                    "--country", "BR", "--currency", "reais")
    assert result.exit_code == 1
    assert "--name: String should have at most 200 characters" in result.stderr
    assert "--currency: 'reais' is not an ISO 4217 currency code" in result.stderr


def test_it_refuses_an_unknown_territory_name(cli_world):
    result = invoke("partners", "add", "--name", "X", "--type", "var", "--territory", "Atlantis", "--country", "BR")
    assert result.exit_code == 1
    assert "No territory named 'Atlantis'" in result.stderr


def test_a_partner_user_lists_only_their_partner(cli_world):
    result = invoke("--as", "ana@abertas.com.br", "partners", "list", "--json")
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)] == ["Soluções Abertas Ltda."]


def test_a_partner_user_may_not_see_another_partner(cli_world):
    result = invoke("--as", "bruno@nubebravo.mx", "partners", "show", str(cli_world.partners["abertas"]))
    assert result.exit_code == 1
    assert "No partner #" in result.stderr


def test_contacts_list_and_add(cli_world):
    added = invoke("contacts", "add", "--partner", str(cli_world.partners["northwind"]), "--name", "Sam Lee",
                   "--email", "Sam@Northwind-Systems.com", "--role", "technical")
    assert added.exit_code == 0, added.output
    listed = invoke("contacts", "list", "--partner", str(cli_world.partners["northwind"]))
    assert "sam@northwind-systems.com" in listed.stdout and "grace@northwind-systems.com" in listed.stdout
    assert "Northwind Systems Inc." in listed.stdout


def test_contacts_add_rejects_a_bad_email(cli_world):
    result = invoke("contacts", "add", "--partner", str(cli_world.partners["bravo"]), "--name", "X", "--email", "nope")
    assert result.exit_code == 1
    assert "--email: value is not a valid email address" in result.stderr


def test_accounts_list_show_and_add(cli_world):
    listed = invoke("accounts", "list", "--country", "BR")
    assert "Banco Horizonte S.A." in listed.stdout and "Harbor Health LLC" not in listed.stdout
    shown = invoke("accounts", "show", str(cli_world.accounts["abertas"]))
    assert "Soluções Abertas Ltda." in shown.stdout and "Public sector  yes" in shown.stdout
    added = invoke("accounts", "add", "--name", "Minera Atacama SA", "--country", "CL", "--territory", "Chile",
                   "--industry", "Mining")
    assert added.exit_code == 0, added.output
    assert "Minera Atacama SA" in invoke("accounts", "list", "--q", "minera").stdout


def test_accounts_add_needs_a_territory_for_staff(cli_world):
    result = invoke("accounts", "add", "--name", "Sin Territorio", "--country", "PE")
    assert result.exit_code == 1
    assert "Pick the account's territory." in result.stderr


def test_territories_list_is_an_indented_tree(cli_world):
    result = invoke("territories", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any("│ Americas " in line for line in lines)
    assert any("│   Latin America " in line for line in lines)
    assert any("│     Brazil " in line for line in lines)


def test_a_manager_sees_only_their_subtree(cli_world):
    result = invoke("--as", "nathan@channelbase.demo", "territories", "list")
    assert "North America" in result.stdout and "Brazil" not in result.stdout
