"""Releases, and a review of the migrations for statements that lock big tables or break old workers.

Zero-downtime upgrades (issue 10): old workers keep serving while `channelbase db upgrade` runs, so a
migration only expands the schema (old code's statements still run) and, on PostgreSQL, takes no lock that
stops a big table's reads or writes for longer than a moment. `review()` reads each migration's upgrade as
PostgreSQL would run it (Alembic's offline mode, `--sql`) and flags the statements that would; a flag stands
until REVIEWED acknowledges it with a reason. Downgrades are not reviewed: they are not part of an upgrade."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from alembic import command

from channelbase.core import migrate

# Release -> the schema revision it shipped, oldest first. 0.1.0: foundation and deals; 0.2.0: engagement and operations.
RELEASES = {"0.1.0": "0006", "0.2.0": "0014"}

# Tables that grow with the business (partners and what hangs off them, deals, engagement) or with use (the
# audit log, the job queue, sign-in attempts, and web_sessions, which every signed-in request reads). Left
# out: what admins edit by hand or that stays in the hundreds (programs, stages, products and prices, FX
# rates, cadence rules, territories, users, API tokens, calendar feeds).
BIG_TABLES = frozenset({
    "partners", "contacts", "accounts", "partner_links",
    "registrations", "registration_products", "opportunities", "opportunity_products", "opportunity_stage_changes",
    "opportunity_rollup", "activities", "activity_contacts", "tasks",
    "audit_log", "jobs", "login_attempts", "web_sessions", "external_ids", "import_runs",
    "webhook_deliveries", "sellout_lines", "sellout_file_contents",
})

_FIRST_RELEASE = ("part of release 0.1.0, the first release: it ran only when installing 0.1.0 on an empty "
                  "database, never on a live one (upgrades from 0.1.0 start at 0007)")

# Revision -> (regular expression searched in the flagged statement, why it is acceptable).
REVIEWED: dict[str, list[tuple[str, str]]] = {
    "0003": [(r"^CREATE INDEX ix_login_attempts_ip_at ", _FIRST_RELEASE)],
    "0004": [(r"^ALTER TABLE partners ADD CONSTRAINT fk_partners_program_id_programs ", _FIRST_RELEASE)],
    "0005": [(r"^CREATE INDEX ix_opportunities_stage_close ", _FIRST_RELEASE)],
    "0006": [(r"^DROP INDEX ix_opportunities_totals$", _FIRST_RELEASE),
             (r"^CREATE INDEX ix_opportunities_(totals|outcome_close) ", _FIRST_RELEASE)],
}

Migration = tuple[str, list[str]]  # (revision, its upgrade's SQL statements in order)


@dataclass(frozen=True)
class Rule:
    name: str
    risk: str  # what the statement does to a live database, and the safe form
    pattern: str  # the risky form; ALTER TABLE rules look at one action (ADD …, ALTER …, DROP …) at a time
    safe: str | None = None  # a match of this as well means the safe form
    big_tables_only: bool = False
    alter_action: bool = False


RULES = (
    Rule("create-index", "blocks writes to the table while the index builds: CREATE INDEX CONCURRENTLY "
         "(postgresql_concurrently=True in an autocommit_block)", r"^CREATE (UNIQUE )?INDEX ",
         safe=r"^CREATE (UNIQUE )?INDEX CONCURRENTLY ", big_tables_only=True),
    Rule("drop-index", "waits for an ACCESS EXCLUSIVE lock behind every open reader and stops all reads and "
         "writes meanwhile: DROP INDEX CONCURRENTLY", r"^DROP INDEX ", safe=r"^DROP INDEX CONCURRENTLY ",
         big_tables_only=True),
    Rule("add-constraint", "checks every row under a lock that blocks writes: add it NOT VALID and VALIDATE it "
         "later (unique: CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX)",
         r"^ADD CONSTRAINT ", safe=r"\bNOT VALID\b|\bUSING INDEX\b", big_tables_only=True, alter_action=True),
    Rule("set-not-null", "scans the whole table under an ACCESS EXCLUSIVE lock: validate a CHECK (… IS NOT NULL) "
         "NOT VALID constraint first", r"^ALTER (COLUMN )?\S+ SET NOT NULL", big_tables_only=True, alter_action=True),
    Rule("add-column-not-null", "old workers' INSERTs leave the column out and fail (and it fails on a table with "
         "rows): add it nullable or with a DEFAULT",
         r"^ADD (COLUMN )?(IF NOT EXISTS )?(?!CONSTRAINT )\S+ .*\bNOT NULL\b", safe=r"\bDEFAULT\b", alter_action=True),
    Rule("alter-column-type", "rewrites the table under an ACCESS EXCLUSIVE lock and old workers use the old type: "
         "add a new column instead", r"^ALTER (COLUMN )?\S+ (SET DATA )?TYPE ", alter_action=True),
    Rule("drop-column", "contract step: old workers still name the column and fail; drop it a release after the "
         "code stopped using it", r"^DROP (COLUMN )?(IF EXISTS )?(?!CONSTRAINT )\S+", alter_action=True),
    Rule("rename", "contract step: old workers still use the old name and fail; add the new, copy, drop the old "
         "a release later", r"^RENAME (?!CONSTRAINT )", alter_action=True),
    Rule("drop-table", "contract step: old workers still read the table and fail; drop it a release after the code "
         "stopped using it", r"^DROP TABLE "),
)


@dataclass(frozen=True)
class Flag:
    revision: str
    rule: Rule
    table: str
    statement: str
    reason: str | None = None  # from REVIEWED; None: not reviewed


def previous_release() -> tuple[str, str]:
    """The last release (name, revision) whose schema is older than this code's: what an upgrade starts from."""
    head = migrate.head_revision()
    return [(name, revision) for name, revision in RELEASES.items() if revision != head][-1]


def migration_sql() -> list[Migration]:
    """Each migration's upgrade as PostgreSQL would run it, oldest first (Alembic offline mode, no database)."""
    config = migrate.alembic_config("postgresql+psycopg://")
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    return split_migrations(config.output_buffer.getvalue())


def split_migrations(script: str) -> list[Migration]:
    """Alembic's `--sql` script cut at its "-- Running upgrade A -> B" lines, without its own bookkeeping."""
    parts = re.split(r"^-- Running upgrade \S* ?-> (\S+)$", script, flags=re.MULTILINE)
    return [(revision, _statements(body)) for revision, body in zip(parts[1::2], parts[2::2])]


def _statements(body: str) -> list[str]:
    statements = (" ".join(part.split()) for part in re.split(r";\s*$", body, flags=re.MULTILINE))
    return [s for s in statements if s and s.upper() not in ("BEGIN", "COMMIT") and "alembic_version" not in s]


def review(migrations: Sequence[Migration] | None = None,
           reviewed: Mapping[str, list[tuple[str, str]]] | None = None) -> list[Flag]:
    """Every flagged statement of the migrations (default: the real ones), with its REVIEWED reason if any."""
    migrations = migration_sql() if migrations is None else migrations
    reviewed = REVIEWED if reviewed is None else reviewed
    return [replace(flag, reason=_reason(flag, reviewed)) for flag in find_flags(migrations)]


def _reason(flag: Flag, reviewed: Mapping[str, list[tuple[str, str]]]) -> str | None:
    matches = (reason for pattern, reason in reviewed.get(flag.revision, [])
               if re.search(pattern, flag.statement, re.IGNORECASE))
    return next(matches, None)


_NAME = r'("[^"]+"|[\w.]+)'
_CREATE_TABLE = re.compile(rf"^CREATE (UNLOGGED |TEMP |TEMPORARY )?TABLE (IF NOT EXISTS )?{_NAME}", re.IGNORECASE)
_CREATE_INDEX = re.compile(rf"^CREATE (UNIQUE )?INDEX (CONCURRENTLY )?(IF NOT EXISTS )?({_NAME} )?ON (ONLY )?{_NAME}",
                           re.IGNORECASE)
_DROP_INDEX = re.compile(rf"^DROP INDEX (CONCURRENTLY )?(IF EXISTS )?{_NAME}", re.IGNORECASE)
_TABLE_STATEMENT = re.compile(rf"^(ALTER TABLE (IF EXISTS )?(ONLY )?|DROP TABLE (IF EXISTS )?){_NAME}", re.IGNORECASE)


def _bare(name: str) -> str:
    return name.strip('"').rsplit(".", 1)[-1]


def find_flags(migrations: Sequence[Migration]) -> list[Flag]:
    """The statements that break a rule on a table that existed before their migration."""
    index_tables: dict[str, str] = {}  # DROP INDEX names no table: remember where each index was made
    flags: list[Flag] = []
    for revision, statements in migrations:
        created = {_bare(m.group(3)) for m in map(_CREATE_TABLE.match, statements) if m}
        for statement in statements:
            table = _target_table(statement, index_tables)
            if table is None or table in created:
                continue
            flags += [Flag(revision, rule, table, statement) for rule in _broken_rules(statement, table)]
    return flags


def _target_table(statement: str, index_tables: dict[str, str]) -> str | None:
    if index := _CREATE_INDEX.match(statement):
        table = _bare(index.group(7))
        if index.group(5):
            index_tables[_bare(index.group(5))] = table
        return table
    if drop := _DROP_INDEX.match(statement):
        return index_tables.get(_bare(drop.group(3)), "an unknown table")  # unknown: assume it is big
    if other := _TABLE_STATEMENT.match(statement):
        return _bare(other.group(5))
    return None


def _broken_rules(statement: str, table: str) -> list[Rule]:
    actions = _alter_actions(statement)
    broken = []
    for rule in RULES:
        if rule.big_tables_only and table not in BIG_TABLES and table != "an unknown table":
            continue
        if any(_breaks(rule, text) for text in (actions if rule.alter_action else [statement])):
            broken.append(rule)
    return broken


def _breaks(rule: Rule, text: str) -> bool:
    risky = re.search(rule.pattern, text, re.IGNORECASE)
    return bool(risky) and not (rule.safe and re.search(rule.safe, text, re.IGNORECASE))


def _alter_actions(statement: str) -> list[str]:
    """ALTER TABLE t ADD …, ALTER … -> ["ADD …", "ALTER …"]: split at the commas outside parentheses."""
    head = _TABLE_STATEMENT.match(statement)
    if not head or not statement.upper().startswith("ALTER"):
        return []
    actions: list[str] = []
    depth, start, rest = 0, 0, statement[head.end():].strip()
    for position, char in enumerate(rest):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            actions.append(rest[start:position].strip())
            start = position + 1
    return actions + [rest[start:].strip()]


def describe(flag: Flag) -> str:
    """Two lines for `channelbase db review`: where and what, then the reason or NOT REVIEWED and the risk."""
    statement = flag.statement if len(flag.statement) <= 160 else flag.statement[:157] + "..."
    verdict = f"reviewed: {flag.reason}" if flag.reason else f"NOT REVIEWED: {flag.rule.risk}"
    return f"{flag.revision}  {flag.rule.name} on {flag.table}: {statement}\n      {verdict}"
