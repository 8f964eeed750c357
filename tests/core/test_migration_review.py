"""The review of migrations for statements that lock big tables or break old workers (`channelbase db review`)."""

from __future__ import annotations

import re

import pytest

from channelbase.core import migrate, migration_review
from channelbase.core.migration_review import find_flags, migration_sql, previous_release, review
from tests.cli_harness import invoke

# An earlier migration made this index, so a later DROP INDEX knows its table.
EARLIER = ("0099", ["CREATE INDEX CONCURRENTLY ix_opportunities_earlier ON opportunities (close_date)"])


def broken_rules(*statements: str) -> list[str]:
    return [flag.rule.name for flag in find_flags([EARLIER, ("0100", list(statements))])]


def test_the_real_migrations_have_no_unreviewed_flag():
    assert [migration_review.describe(flag) for flag in review() if flag.reason is None] == []


def test_every_acknowledgement_still_matches_a_flagged_statement():
    flags = review()
    for revision, entries in migration_review.REVIEWED.items():
        for pattern, _reason in entries:
            assert any(flag.revision == revision and re.search(pattern, flag.statement, re.IGNORECASE)
                       for flag in flags), f"{revision}: {pattern} acknowledges nothing"


def test_the_review_reads_each_migrations_postgresql_sql_in_order():
    migrations = dict(migration_sql())
    assert list(migrations) == [f"{n:04d}" for n in range(1, 27)]
    assert not any(s in ("BEGIN", "COMMIT") or "alembic_version" in s for ss in migrations.values() for s in ss)
    assert ("CREATE INDEX CONCURRENTLY ix_opportunities_outcome_stalled ON opportunities "
            "(outcome, stage_changed_at, territory_id, close_date)") in migrations["0008"]
    assert ("CREATE INDEX CONCURRENTLY ix_registrations_status_submitted ON registrations "
            "(status, submitted_at, territory_id)") in migrations["0009"]
    assert ("CREATE INDEX CONCURRENTLY ix_opportunities_name_search ON opportunities USING gin "
            "(name gin_trgm_ops)") in migrations["0010"]
    assert "CREATE INDEX CONCURRENTLY ix_opportunities_close ON opportunities (close_date, id)" in migrations["0011"]


def test_the_upgrade_from_the_previous_release_flags_nothing():
    assert [flag for flag in review() if flag.revision > previous_release()[1]] == []


@pytest.mark.parametrize("rule, risky, safe", [
    ("create-index", "CREATE INDEX ix_a ON opportunities (close_date)",
     "CREATE INDEX CONCURRENTLY ix_a ON opportunities (close_date)"),
    ("create-index", "CREATE UNIQUE INDEX ix_a ON partners (domain)",
     "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix_a ON partners (domain)"),
    ("drop-index", "DROP INDEX ix_opportunities_earlier", "DROP INDEX CONCURRENTLY ix_opportunities_earlier"),
    ("add-constraint", "ALTER TABLE opportunities ADD CONSTRAINT fk_a FOREIGN KEY(program_id) REFERENCES programs (id)",
     "ALTER TABLE opportunities ADD CONSTRAINT fk_a FOREIGN KEY(program_id) REFERENCES programs (id) NOT VALID"),
    ("add-constraint", "ALTER TABLE partners ADD CONSTRAINT ck_a CHECK (tier <> '')",
     "ALTER TABLE partners ADD CONSTRAINT ck_a CHECK (tier <> '') NOT VALID"),
    ("add-constraint", "ALTER TABLE accounts ADD CONSTRAINT uq_a UNIQUE (domain)",
     "ALTER TABLE accounts ADD CONSTRAINT uq_a UNIQUE USING INDEX ix_accounts_domain_unique"),
    ("set-not-null", "ALTER TABLE partners ALTER COLUMN tier SET NOT NULL",
     "ALTER TABLE partners ADD CONSTRAINT ck_tier CHECK (tier IS NOT NULL) NOT VALID"),
    ("add-column-not-null", "ALTER TABLE products ADD COLUMN sku VARCHAR(40) NOT NULL",
     "ALTER TABLE products ADD COLUMN sku VARCHAR(40) DEFAULT '' NOT NULL"),
    ("add-column-not-null", "ALTER TABLE products ADD COLUMN a INTEGER DEFAULT 0, ADD COLUMN b INTEGER NOT NULL",
     "ALTER TABLE products ADD COLUMN a INTEGER DEFAULT 0, ADD COLUMN b INTEGER"),
    ("alter-column-type", "ALTER TABLE stages ALTER COLUMN name TYPE VARCHAR(200)",
     "ALTER TABLE stages ADD COLUMN long_name VARCHAR(200)"),
    ("drop-column", "ALTER TABLE partners DROP COLUMN tier", "ALTER TABLE partners DROP CONSTRAINT ck_tier"),
    ("rename", "ALTER TABLE partners RENAME COLUMN tier TO level",
     "ALTER TABLE partners RENAME CONSTRAINT ck_a TO ck_b"),
    ("rename", "ALTER TABLE partners RENAME TO resellers", "ALTER TABLE partners ADD COLUMN level VARCHAR(20)"),
    ("drop-table", "DROP TABLE partner_links",  # safe: a scratch table of the same migration
     ("CREATE TABLE import_rows (id INTEGER)", "DROP TABLE import_rows")),
])
def test_each_rule_flags_the_risky_form_and_not_the_safe_one(rule, risky, safe):
    assert broken_rules(risky) == [rule]
    assert broken_rules(*([safe] if isinstance(safe, str) else safe)) == []


def test_the_big_table_rules_leave_small_tables_alone():
    assert broken_rules("CREATE INDEX ix_a ON stages (name)",
                        "ALTER TABLE programs ADD CONSTRAINT ck_a CHECK (registration_days > 0)",
                        "ALTER TABLE products ALTER COLUMN name SET NOT NULL") == []
    # The rules that break old workers do not care about size.
    assert broken_rules("ALTER TABLE stages DROP COLUMN active") == ["drop-column"]


def test_a_table_created_in_the_same_migration_is_not_an_existing_one():
    statements = ["CREATE TABLE opportunity_products (id INTEGER NOT NULL, opportunity_id INTEGER NOT NULL)",
                  "CREATE INDEX ix_opportunity_products_a ON opportunity_products (opportunity_id)",
                  "ALTER TABLE opportunity_products ADD CONSTRAINT fk_a FOREIGN KEY(opportunity_id)"
                  " REFERENCES opportunities (id)"]
    assert find_flags([("0100", statements)]) == []
    flagged = find_flags([("0100", statements[:1]), ("0101", statements[1:])])
    assert [(flag.revision, flag.rule.name, flag.table) for flag in flagged] == [
        ("0101", "create-index", "opportunity_products"), ("0101", "add-constraint", "opportunity_products")]


def test_an_acknowledgement_covers_only_the_statements_of_its_revision_that_it_matches():
    migrations = [("0100", ["CREATE INDEX ix_a ON opportunities (close_date)",
                            "CREATE INDEX ix_b ON opportunities (amount_minor)"]),
                  ("0101", ["CREATE INDEX ix_a2 ON opportunities (close_date)"])]
    flags = review(migrations, reviewed={"0100": [(r"^CREATE INDEX ix_a ", "built off-hours by hand")]})
    assert [(flag.statement.split()[2], flag.reason) for flag in flags] == [
        ("ix_a", "built off-hours by hand"), ("ix_b", None), ("ix_a2", None)]


def test_the_previous_release_is_the_last_one_older_than_the_code():
    assert migrate.head_revision() == "0026"  # growth to strategy and import claims: not yet released
    assert previous_release() == ("0.2.0", "0014")


def test_the_previous_release_moves_on_once_a_new_migration_lands(monkeypatch):
    monkeypatch.setattr(migrate, "head_revision", lambda: "0099")
    assert previous_release() == ("0.2.0", "0014")


def test_db_review_exits_0_on_the_real_migrations():
    result = invoke("db", "review")
    assert result.exit_code == 0, result.output
    assert "0006  drop-index on opportunities: DROP INDEX ix_opportunities_totals" in result.output
    assert "NOT REVIEWED:" not in result.output
    assert result.output.rstrip().endswith("6 flagged statements, 0 NOT REVIEWED.")


def test_db_review_exits_1_and_says_not_reviewed_for_an_unacknowledged_flag(monkeypatch):
    monkeypatch.setattr(migration_review, "migration_sql", lambda: [EARLIER, ("0100", [
        "ALTER TABLE opportunities ADD COLUMN margin_minor BIGINT NOT NULL"])])
    result = invoke("db", "review")
    assert result.exit_code == 1
    assert ("0100  add-column-not-null on opportunities: ALTER TABLE opportunities ADD COLUMN margin_minor BIGINT "
            "NOT NULL\n      NOT REVIEWED: old workers' INSERTs leave the column out") in result.output
    assert "1 flagged statements, 1 NOT REVIEWED." in result.output


def test_db_review_says_not_reviewed_for_the_real_flags_once_their_acknowledgements_go(monkeypatch):
    monkeypatch.setattr(migration_review, "REVIEWED", {})
    result = invoke("db", "review")
    assert result.exit_code == 1
    assert result.output.count("NOT REVIEWED:") == 6
