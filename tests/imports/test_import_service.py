"""Imports through the service, on the test database (SQLite or PostgreSQL): all or nothing, per-row errors,
re-imports that update instead of duplicating, mapping, visibility and the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, NotPermitted
from channelbase.imports import service
from channelbase.imports.mapping import suggest
from channelbase.imports.entities import ACCOUNTS, CONTACTS, PARTNERS
from channelbase.imports.models import ImportRun, ImportStatus
from channelbase.partners.models import Account, Contact, Partner

from tests.imports.helpers import by_external_id, ACCOUNT_HEADER, account_rows, count, csv_bytes, run_import


def test_ten_thousand_good_rows_and_three_bad_ones_import_nothing_then_all_then_nothing_changes(
        session_factory, db, actor, world):
    admin = actor("admin")
    before = count(db, Account)
    rows = account_rows(10_000)
    rows[1234][1] = ""                         # no name
    rows[5000][2] = "Atlantis"                 # no such country
    rows[9998][3] = "http://not a domain"      # not a web address
    bad = run_import(session_factory, admin, "accounts", csv_bytes(ACCOUNT_HEADER, rows))

    assert bad.status == ImportStatus.FAILED and bad.error_count == 3
    assert [(e["row"], e["column"]) for e in bad.errors] == [
        (1236, "Account Name"), (5002, "Billing Country"), (10000, "Website")]  # header is row 1
    messages = [e["message"] for e in bad.errors]
    assert messages[0] == "The account name is required"
    assert "'Atlantis' is not a country" in messages[1]
    assert "not a valid web address" in messages[2]
    assert count(db, Account) == before

    rows[1234][1], rows[5000][2], rows[9998][3] = "Fixed Name Ltda.", "BR", "fixed.example.com.br"
    good = run_import(session_factory, admin, "accounts", csv_bytes(ACCOUNT_HEADER, rows))
    assert (good.status, good.created, good.updated, good.error_count) == (ImportStatus.DONE, 10_000, 0, 0)
    assert count(db, Account) == before + 10_000
    imported = by_external_id(db, Account, "T001234")
    assert (imported.name, imported.country, imported.territory_id) == (
        "Fixed Name Ltda.", "BR", world.territories["brazil"])
    mexican = by_external_id(db, Account, "T000001")
    assert (mexican.country, mexican.territory_id, mexican.domain) == (
        "MX", world.territories["mexico"], "testet1.example.com.br")

    again = run_import(session_factory, admin, "accounts", csv_bytes(ACCOUNT_HEADER, rows))
    assert (again.status, again.created, again.updated, again.unchanged) == (ImportStatus.DONE, 0, 0, 10_000)
    assert count(db, Account) == before + 10_000


def test_every_imported_row_has_an_audit_entry_naming_its_run_and_row(session_factory, db, actor):
    run = run_import(session_factory, actor("admin"), "accounts", csv_bytes(ACCOUNT_HEADER, account_rows(3)))
    account = by_external_id(db, Account, "T000002")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_type == "accounts",
                                               AuditEntry.entity_id == account.id))
    assert (entry.action, entry.after, entry.actor_label) == ("create", {"import_run": run.id, "row": 4},
                                                              actor("admin").label)
    assert account.created_at.tzinfo is not None and account.version == 1
    summary = db.scalar(select(AuditEntry).where(AuditEntry.entity_type == "import_runs",
                                                 AuditEntry.entity_id == run.id))
    assert summary.action == "import" and summary.after["created"] == 3


def test_a_changed_cell_updates_the_row_a_blank_one_leaves_it_and_the_audit_keeps_both_values(
        session_factory, db, actor):
    admin = actor("admin")
    rows = account_rows(2)
    run_import(session_factory, admin, "accounts", csv_bytes(ACCOUNT_HEADER, rows))
    rows[0][4] = "Banking"
    rows[1][3] = ""  # blank website: the domain stays
    run = run_import(session_factory, admin, "accounts", csv_bytes(ACCOUNT_HEADER, rows))
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    first = by_external_id(db, Account, "T000000")
    second = by_external_id(db, Account, "T000001")
    db.refresh(first)
    assert (first.industry, first.version) == ("Banking", 2)
    assert second.domain == "testet1.example.com.br"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_id == first.id, AuditEntry.action == "update",
                                               AuditEntry.entity_type == "accounts"))
    assert entry.before == {"industry": "Retail", "version": 1}
    assert entry.after == {"industry": "Banking", "version": 2, "import_run": run.id}


def test_rows_without_an_external_id_match_existing_accounts_by_domain_tax_id_or_name(
        session_factory, db, actor, world):
    header = ["Name", "Country", "Website", "Industry"]
    rows = [["Banco Horizonte", "BR", "", "Banking"],                       # same name as an existing account
            ["Another Name", "MX", "cerveceriaregia.mx", "Brewing"],        # same domain
            ["New Company S.A.", "BR", "new-company.com.br", "Retail"]]
    run = run_import(session_factory, actor("admin"), "accounts", csv_bytes(header, rows))
    assert (run.created, run.updated) == (1, 2), run.errors
    horizonte = db.get(Account, world.accounts["brazil"])
    db.refresh(horizonte)
    assert (horizonte.name, horizonte.industry) == ("Banco Horizonte", "Banking")
    regia = db.get(Account, world.accounts["bravo"])
    db.refresh(regia)
    assert regia.industry == "Brewing"


def test_two_rows_for_the_same_company_are_one_problem_not_two_accounts(session_factory, actor):
    rows = [["X1", "Acme Brasil Ltda.", "BR", "acme.com.br", ""], ["X2", "ACME Brasil", "BR", "", ""]]
    run = run_import(session_factory, actor("admin"), "accounts", csv_bytes(ACCOUNT_HEADER, rows))
    assert run.status == ImportStatus.FAILED
    assert [(e["row"], e["message"]) for e in run.errors] == [(3, "the same account as row 2 (same name)")]


def test_a_manager_imports_only_into_their_territories(session_factory, actor, world):
    nathan = actor("nathan")  # North America
    rows = [["N1", "Toronto Widgets Inc.", "Canada", "torontowidgets.ca", ""],
            ["N2", "Curitiba Software Ltda.", "BR", "curitibasoft.com.br", ""],
            ["N3", "Banco Horizonte S.A.", "US", "", ""]]  # an existing Latin American account
    run = run_import(session_factory, nathan, "accounts", csv_bytes(ACCOUNT_HEADER, rows))
    problems = {e["row"]: e["message"] for e in run.errors}
    assert set(problems) == {3, 4}
    assert "no territory of yours named after Brazil" in problems[3]
    assert "outside the territories you manage" in problems[4]


def test_partner_users_cannot_import(db, actor):
    with pytest.raises(NotPermitted):
        service.new_run(db, actor("ana"), "accounts", "a.csv", csv_bytes(ACCOUNT_HEADER, account_rows(1)))


def test_a_dry_run_reports_what_the_commit_would_do_and_writes_nothing(session_factory, db, actor):
    before = count(db, Account)
    run = run_import(session_factory, actor("admin"), "accounts", csv_bytes(ACCOUNT_HEADER, account_rows(5)),
                     dry_run=True)
    assert (run.status, run.created, run.dry_run) == (ImportStatus.CHECKED, 5, True)
    assert count(db, Account) == before
    done = service.commit_run(session_factory, actor("admin"), run.id)
    assert (done.status, done.created) == (ImportStatus.DONE, 5)
    assert count(db, Account) == before + 5
    with pytest.raises(InvalidInput, match="already imported"):
        service.commit_run(session_factory, actor("admin"), run.id)


def test_a_name_close_to_an_existing_account_is_listed_for_review(session_factory, actor, world):
    rows = [["D1", "Banco Horisonte Brasil", "BR", "horisonte-brasil.com.br", ""]]
    run = run_import(session_factory, actor("admin"), "accounts", csv_bytes(ACCOUNT_HEADER, rows), dry_run=True)
    assert [(d["row"], d["existing_id"]) for d in run.duplicates] == [(2, world.accounts["brazil"])]
    assert run.status == ImportStatus.CHECKED  # listed, not refused


def test_partners_import_with_types_tiers_owner_and_legal_forms_in_three_languages(session_factory, db, actor,
                                                                                    world):
    header = ["Record ID", "Company name", "Partner Type", "Tier", "País", "Website", "CNPJ", "Owner", "Ciudad"]
    rows = [["HS-1", "Tecnologia Aberta Ltda.", "Revendedor", "Ouro", "Brasil", "tecaberta.com.br",
             "11.222.333/0001-81", "lucia@channelbase.demo", "Recife"],
            ["HS-2", "Mayorista Andina S.A.", "Mayorista", "plata", "Colombia", "", "", "", "Bogotá"]]
    run = run_import(session_factory, actor("admin"), "partners", csv_bytes(header, rows))
    assert run.status == ImportStatus.DONE, run.errors
    first = by_external_id(db, Partner, "HS-1")
    assert (first.type, first.tier, first.country, first.tax_id, first.owner_id, first.city, first.domain) == (
        "var", "gold", "BR", "11222333000181", world.users["lucia"], "Recife", "tecaberta.com.br")
    second = by_external_id(db, Partner, "HS-2")
    assert (second.type, second.tier, second.status, second.territory_id) == (
        "distributor", "silver", "prospect", world.territories["colombia"])


def test_partner_rows_with_a_bad_tax_id_or_type_are_reported_by_column(session_factory, actor):
    header = ["Name", "Type", "Country", "Tax ID"]
    rows = [["Alfa Ltda.", "reseller", "BR", "11.222.333/0001-00"], ["Beta", "wholesaler", "MX", ""]]
    run = run_import(session_factory, actor("admin"), "partners", csv_bytes(header, rows))
    assert [(e["row"], e["column"]) for e in run.errors] == [(2, "Tax ID"), (3, "Type")]
    assert "not a valid CNPJ" in run.errors[0]["message"]
    assert "'wholesaler' is not a partner type" in run.errors[1]["message"]


def test_contacts_join_first_and_last_names_and_find_their_partner_by_name(session_factory, db, actor, world):
    header = ["First Name", "Last Name", "Email", "Account Name", "Phone", "Idioma"]
    rows = [["Maria", "Silva", "Maria.Silva@abertas.com.br", "Soluções Abertas", "+55 11 5555-0101", "Português"],
            ["Pedro", "Ruiz", "pedro@nubebravo.mx", "Nube Bravo", "", "es"]]
    run = run_import(session_factory, actor("admin"), "contacts", csv_bytes(header, rows))
    assert run.status == ImportStatus.DONE, run.errors
    maria = db.scalar(select(Contact).where(Contact.email == "maria.silva@abertas.com.br"))
    assert (maria.name, maria.partner_id, maria.language) == ("Maria Silva", world.partners["abertas"], "pt")
    rows[1][4] = "+52 81 5555 0000"
    again = run_import(session_factory, actor("admin"), "contacts", csv_bytes(header, rows))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)


def test_a_contact_imported_as_primary_leaves_its_partner_one_primary_contact(session_factory, db, actor, world):
    header = ["Name", "Email", "Partner", "Primary"]
    first = [["Ana Primeira", "ana.primeira@abertas.com.br", "Soluções Abertas", "sim"],
             ["Bruno Segundo", "bruno@abertas.com.br", "Soluções Abertas", "não"]]
    run = run_import(session_factory, actor("admin"), "contacts", csv_bytes(header, first))
    assert run.status == ImportStatus.DONE, run.errors

    def primaries() -> list[str]:
        db.expire_all()
        return list(db.scalars(select(Contact.email).where(Contact.partner_id == world.partners["abertas"],
                                                           Contact.is_primary)))
    assert primaries() == ["ana.primeira@abertas.com.br"]

    blank = run_import(session_factory, actor("admin"), "contacts",
                       csv_bytes(header, [["Ana Primeira", "ana.primeira@abertas.com.br", "Soluções Abertas", ""]]))
    assert (blank.updated, blank.unchanged) == (0, 1)  # a blank cell leaves her primary
    assert primaries() == ["ana.primeira@abertas.com.br"]

    two = run_import(session_factory, actor("admin"), "contacts", csv_bytes(header, [
        ["Bruno Segundo", "bruno@abertas.com.br", "Soluções Abertas", "yes"],
        ["Carla Terceira", "carla@abertas.com.br", "Soluções Abertas", "yes"]]))
    assert [(e["row"], e["column"]) for e in two.errors] == [(3, "Primary")]
    assert "mark only one" in two.errors[0]["message"]
    assert primaries() == ["ana.primeira@abertas.com.br"]

    bruno = run_import(session_factory, actor("admin"), "contacts", csv_bytes(header, [
        ["Bruno Segundo", "bruno@abertas.com.br", "Soluções Abertas", "yes"]]))
    assert bruno.updated == 1
    assert primaries() == ["bruno@abertas.com.br"]
    ana = db.scalar(select(Contact).where(Contact.email == "ana.primeira@abertas.com.br"))
    entry = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "contacts", AuditEntry.entity_id == ana.id)
                       .order_by(AuditEntry.id.desc())).first()
    assert (entry.before["is_primary"], entry.after["is_primary"], entry.after["version"]) == (True, False, ana.version)


def test_the_mapping_is_suggested_from_salesforce_and_hubspot_headers():
    salesforce = ["Account ID", "Account Name", "Billing Country", "Website", "Industry", "Type"]
    assert suggest(salesforce, ACCOUNTS.fields) == {
        "external_id": "Account ID", "name": "Account Name", "country": "Billing Country", "website": "Website",
        "industry": "Industry"}
    hubspot = ["Record ID", "Company name", "Country/Region", "Company Domain Name", "Type"]
    assert suggest(hubspot, PARTNERS.fields) == {
        "external_id": "Record ID", "name": "Company name", "country": "Country/Region",
        "website": "Company Domain Name", "type": "Type"}
    contacts = ["Record ID", "First Name", "Last Name", "Email", "Associated Company"]
    assert suggest(contacts, CONTACTS.fields) == {
        "external_id": "Record ID", "partner": "Associated Company", "first_name": "First Name",
        "last_name": "Last Name", "email": "Email"}


def test_a_bad_mapping_names_each_problem(db, actor):
    run, sheet = service.new_run(db, actor("admin"), "accounts", "a.csv", csv_bytes(ACCOUNT_HEADER, account_rows(1)))
    with pytest.raises(InvalidInput) as caught:
        service.resolve_mapping(db, ACCOUNTS, sheet, {"name": "Nome", "colour": "Website", "country": ""})
    assert caught.value.field_errors == {
        "name": "the file has no column 'Nome'", "colour": caught.value.field_errors["colour"],
        "country": "required: pick the column that holds the country"}
    assert caught.value.field_errors["colour"].startswith("unknown field")


def test_a_saved_mapping_is_used_for_the_next_file(db, actor):
    admin = actor("admin")
    header = ["Cliente", "Nación", "Sitio"]
    data = csv_bytes(header, [["Uno S.A.", "CL", "uno.cl"]])
    run, sheet = service.new_run(db, admin, "accounts", "a.csv", data)
    mapping = service.resolve_mapping(db, ACCOUNTS, sheet, {"name": "Cliente", "country": "Nación",
                                                            "website": "Sitio"})
    service.save_mapping(db, admin, "accounts", "ERP export", mapping)
    _run, next_sheet = service.new_run(db, admin, "accounts", "b.csv", data)
    assert service.resolve_mapping(db, ACCOUNTS, next_sheet, saved="ERP export") == mapping
    with pytest.raises(InvalidInput, match="No saved account mapping named 'CRM'"):
        service.resolve_mapping(db, ACCOUNTS, next_sheet, saved="CRM")


def test_runs_are_listed_newest_first_and_managers_see_only_their_own(session_factory, db, actor):
    run_import(session_factory, actor("lucia"), "accounts", csv_bytes(ACCOUNT_HEADER, account_rows(1)),
               filename="lucia.csv", dry_run=True)
    run_import(session_factory, actor("admin"), "accounts", csv_bytes(ACCOUNT_HEADER, account_rows(1)),
               filename="admin.csv", dry_run=True)
    assert [r.filename for r in service.list_runs(db, actor("admin")).items][:2] == ["admin.csv", "lucia.csv"]
    assert [r.filename for r in service.list_runs(db, actor("lucia")).items] == ["lucia.csv"]
    admin_run = db.scalar(select(ImportRun).where(ImportRun.filename == "admin.csv"))
    with pytest.raises(Exception, match="No import"):
        service.get_run(db, actor("lucia"), admin_run.id)


def test_imported_partners_are_announced_to_webhook_subscribers(session_factory, db, actor):
    from channelbase.webhooks import service as webhooks
    from channelbase.webhooks.models import WebhookDelivery
    from channelbase.webhooks.schemas import SubscriptionIn
    with session_factory.begin() as session:
        webhooks.create_subscription(session, actor("admin"), SubscriptionIn(
            url="http://127.0.0.1:9/hook", events=["partner.created"]))
    header = ["Name", "Type", "Country"]
    run = run_import(session_factory, actor("admin"), "partners",
                     csv_bytes(header, [["Hook Uno Ltda.", "var", "BR"], ["Hook Dos S.A.", "msp", "MX"]]))
    assert run.status == ImportStatus.DONE, run.errors
    deliveries = db.scalars(select(WebhookDelivery).where(WebhookDelivery.event == "partner.created")).all()
    assert sorted(d.payload["partner"]["name"] for d in deliveries) == ["Hook Dos S.A.", "Hook Uno Ltda."]
