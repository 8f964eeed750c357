"""Benchmark deal registration and the pipeline on the large demo data.

    .venv/bin/python bench/deals.py [--db sqlite|postgresql] [--only conflicts,totals,pages,accuracy]
                                    [--repeat 200] [--queries 300] [--rebuild] [--keep]

1. Conflict check: `conflicts.find_conflicts` for QUERIES customers (retyped names of accounts and of
   open registrations, half of the account ones with their domain and tax id, and unknown names):
   the cold build of the name indexes, then p50/p95, next to its exact-key lookups alone as
   hand-written SQL on a DBAPI connection in the same run.
2. Pipeline totals: `pipeline.pipeline_totals` of the open pipeline as the admin and as lucia
   (manager, Latin America), next to the same statements replayed on a DBAPI connection and the
   GROUP BY alone; with the GROUP BY's query plan.
3. Pages: GET /opportunities and GET /api/v1/opportunities, server time from `Server-Timing`, next to
   the page's own SQL replayed raw and a hand-written list query (bench/run.py's helpers).
4. The matcher's precision/recall/F1 on the evaluation sets (bench/matching.py's `accuracy_report`).

SQLite: bench/results/deals-large.db, built once (migrations + `generate(scale="large")`, timed) and
reused; --rebuild builds it again. PostgreSQL: the database cb_bench_deals on 127.0.0.1 is created,
loaded, measured and dropped (--keep keeps it and the next run reuses it; it is the only database this
script touches). Writes Markdown to stdout and bench/results/deals-DB.md. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, event, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from channelbase.auth.models import User
from channelbase.core import migrate
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker, settle_after_bulk_load, unit_of_work
from channelbase.core.names import company_key
from channelbase.deals import pipeline
from channelbase.deals.conflicts import OPEN_REGISTRATIONS, Customer, find_conflicts, open_registration_condition
from channelbase.deals.deal_schemas import OpportunityFilter
from channelbase.deals.models import Registration
from channelbase.demo.generator import generate
from channelbase.matching import service as matching
from channelbase.matching.service import domain_keys, tax_key
from channelbase.partners.models import Account

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package
import matching as matching_bench  # noqa: E402
import run as page_bench  # noqa: E402

RESULTS = BENCH / "results"
SQLITE_DB = RESULTS / "deals-large.db"
PG_DATABASE = "cb_bench_deals"  # the only PostgreSQL database this script creates or drops
TARGETS = {"conflicts": 30.0, "totals": 150.0}  # p95, ms
PER_PAGE, API_LIMIT = 25, 50
SECTIONS = ("conflicts", "totals", "pages", "accuracy")
MORE_UNKNOWN = ("Aurora Boreal Heladerías", "Tlaloc Riego Inteligente S.A.P.I.", "Pampa Húmeda Semillas S.A.",
                "Cordillera Andina Telescopios SpA", "Quokka Pet Grooming LLC", "Maracujá Sorvetes Artesanais",
                "Inuit Kayak Outfitters Ltd.", "Patagonia Lana Merino S.R.L.", "Bayou Crawfish Co.",
                "Colibrí Joyería Fina", "Chaski Mensajería Express S.A.C.", "Saguaro Solar Farms Inc.",
                "Jabuticaba Doces Finos ME", "Orca Marine Salvage Ltd.", "Alpaca Tejidos del Sur E.I.R.L.",
                "Tundra Snowmobile Rentals", "Manglar Ecoturismo S.A.S.", "Condor Parapente Club",
                "Narwhal Ice Sculptures LLC", "Pirarucu Pescados Ltda.")
ACCOUNT_KEYS = (("tax_id", "tax"), ("domain", "domain"), ("name_key", "key"))
REGISTRATION_KEYS = (("customer_tax_id", "tax"), ("customer_domain", "domain"), ("customer_key", "key"))
LIVE = "(status = 'submitted' OR (status = 'approved' AND expires_on >= :today))"


# Database ------------------------------------------------------------------------------------------------

def database(db: str, sqlite_file: Path, rebuild: bool, seed: int) -> tuple[str, float]:
    """The URL of the large demo database and the seconds its load took (0 when reused)."""
    if db == "sqlite":
        url = f"sqlite:///{sqlite_file}"
        if sqlite_file.exists() and not rebuild:
            return url, 0.0
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    else:
        url = f"{page_bench.PG_SERVER}/{PG_DATABASE}"
        if _pg_exists() and not rebuild:  # kept by an earlier --keep
            return url, 0.0
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{PG_DATABASE}"')
    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    with unit_of_work(make_sessionmaker(engine)) as session:
        generate(session, scale="large", seed=seed)
    settle_after_bulk_load(engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    print(f"loaded the large demo into {db} in {seconds:.1f} s", file=sys.stderr)
    return url, seconds


def _pg_exists() -> bool:
    admin = make_engine(f"{page_bench.PG_SERVER}/postgres")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}).first()
    admin.dispose()
    return found is not None


def _pg_admin(*statements: str) -> None:
    admin = make_engine(f"{page_bench.PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()


def _actors(session: Session) -> dict[str, User]:
    return {key: session.scalars(select(User).where(User.email == f"{key}@channelbase.demo")).one()
            for key in ("admin", "lucia")}


def _p(samples: list[float], p: int, digits: int = 1) -> str:
    return f"{page_bench.percentile(samples, p):.{digits}f} ms" if samples else "–"


def _verdict(samples: list[float], target: float) -> str:
    p95 = page_bench.percentile(samples, 95)
    return f"p95 {p95:.1f} ms: {'meets' if p95 <= target else 'MISSES'} the target of ≤ {target:.0f} ms"


# 1. The conflict check ---------------------------------------------------------------------------------------

def conflict_queries(session: Session, count: int, today: date) -> list[tuple[Customer, str, int]]:
    """(customer as typed, what it retypes: "account"/"registration"/"", the id it should find)."""
    rng = random.Random(29)
    accounts = session.execute(select(Account.id, Account.name, Account.domain, Account.tax_id, Account.country)
                               .where(Account.deleted_at.is_(None)).order_by(Account.id)).all()
    live = session.execute(select(Registration.id, Registration.customer_name, Registration.customer_country)
                           .where(open_registration_condition(today)).order_by(Registration.id)).all()
    unknown = list(matching_bench.UNKNOWN + MORE_UNKNOWN)
    n_registrations = count // 3
    n_accounts = count - n_registrations - len(unknown)
    out: list[tuple[Customer, str, int]] = []
    picked = rng.sample(accounts, n_accounts)
    for number, ((query, _name), row) in enumerate(zip(matching_bench.variations(rng, [r.name for r in picked]),
                                                      picked, strict=True)):
        domain, tax_id = (row.domain, row.tax_id) if number % 2 else (None, None)  # every other one with its keys
        out.append((Customer(query, domain, row.country, tax_id), "account", row.id))
    chosen = rng.sample(live, n_registrations)
    for (query, _name), row in zip(matching_bench.variations(rng, [r.customer_name for r in chosen]), chosen,
                                   strict=True):
        out.append((Customer(query, None, row.customer_country), "registration", row.id))
    out += [(Customer(name, None, rng.choice(("BR", "MX", "US", "AR", "CL", "CO", "PE", "CA"))), "", 0)
            for name in unknown]
    rng.shuffle(out)
    return out


def conflict_report(engine: Engine, factory: sessionmaker[Session], queries_wanted: int) -> list[str]:
    today = utcnow().date()
    with factory() as session:
        queries = conflict_queries(session, queries_wanted, today)
        counts = {kind: session.scalar(text(f"SELECT count(*) FROM {kind}")) for kind in ("accounts", "registrations",
                                                                                         "opportunities")}
        matching.forget_account_indexes()
        started = time.perf_counter()
        matching.account_index(session)
        accounts_build = time.perf_counter() - started
        started = time.perf_counter()
        matching.cached_index(session, OPEN_REGISTRATIONS)
        registrations_build = time.perf_counter() - started
        service_ms, raw_ms, found, wanted, false_alarms, hits = [], [], 0, 0, 0, []
        raw = engine.raw_connection()
        try:
            for customer, kind, target in queries:
                started = time.perf_counter()
                conflicts = find_conflicts(session, customer, today)
                service_ms.append((time.perf_counter() - started) * 1000)
                raw_ms.append(_raw_exact_lookups(raw, engine.dialect.name, customer, today))
                hits.append(len(conflicts))
                if kind:
                    wanted += 1
                    found += any(c.kind == kind and c.id == target for c in conflicts)
                else:
                    false_alarms += bool(conflicts)
        finally:
            raw.close()
    unknown = len(queries) - wanted
    return [
        f"### Conflict check ({counts['accounts']:,} accounts, {counts['registrations']:,} registrations, "
        f"{counts['opportunities']:,} opportunities)", "",
        f"Cold index builds, once per process (the web workers warm them at start-up): accounts "
        f"**{accounts_build:.1f} s**, open registrations **{registrations_build:.1f} s**.", "",
        "| queries | found what they retype | unknown names flagged | conflicts per query (median / max) | "
        "find_conflicts p50 | p95 | exact-key SQL alone p50 | p95 |", "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {len(queries)} | {found} of {wanted} | {false_alarms} of {unknown} | {statistics.median(hits):.0f} / "
        f"{max(hits)} | {_p(service_ms, 50)} | **{_p(service_ms, 95)}** | {_p(raw_ms, 50, 2)} | {_p(raw_ms, 95, 2)} |",
        "", f"- {_verdict(service_ms, TARGETS['conflicts'])}"]


def _raw_exact_lookups(raw, dialect: str, customer: Customer, today: date) -> float:
    """The six exact-key lookups find_conflicts makes (accounts and open registrations by tax id, web
    domain and name key), hand-written on a DBAPI connection."""
    values = {"tax": tax_key(customer.country, customer.tax_id), "key": company_key(customer.name),
              "domain": (domain_keys(customer.domain) or [""])[0]}
    statements = []
    for column, value in ACCOUNT_KEYS:
        if values[value]:
            statements.append((f"SELECT id, name FROM accounts WHERE deleted_at IS NULL AND {column} = :value "
                               "LIMIT 50", {"value": values[value]}))
    for column, value in REGISTRATION_KEYS:
        if values[value]:
            statements.append((f"SELECT id FROM registrations WHERE {LIVE} AND {column} = :value LIMIT 20",
                               {"value": values[value], "today": today.isoformat()}))
    cursor = raw.cursor()
    started = time.perf_counter()
    for sql, params in statements:
        cursor.execute(*page_bench._dbapi(sql, params, dialect))
        cursor.fetchall()
    elapsed = (time.perf_counter() - started) * 1000
    cursor.close()
    raw.rollback()
    return elapsed


# 2. Pipeline totals ------------------------------------------------------------------------------------------

GROUP_BY = ("SELECT stage_id, currency, close_date, count(*), sum(amount_minor), sum(amount_minor * probability) "
            "FROM opportunities WHERE outcome = :outcome{visible} GROUP BY currency, close_date, stage_id")
ROLLUP_GROUP_BY = ("SELECT stage_id, currency, close_date, sum(deals), sum(amount_minor), sum(weighted_minor) "
                   "FROM opportunity_rollup WHERE outcome = :outcome{visible} GROUP BY currency, close_date, stage_id")


def has_rollup(engine: Engine) -> bool:
    """Whether pipeline totals read the `opportunity_rollup` table (schema 0005) rather than the deals."""
    return inspect(engine).has_table("opportunity_rollup")


def totals_report(engine: Engine, factory: sessionmaker[Session], warmup: int, repeat: int) -> list[str]:
    rollup = has_rollup(engine)
    source = "`opportunity_rollup`" if rollup else "`opportunities`"
    lines = ["### Pipeline totals of the open pipeline (`pipeline_totals(..., OpportunityFilter(outcome=\"open\"))`)",
             "", f"The service reads {source}. Columns: the service call in a session of its own; every statement it "
             "ran, replayed on a DBAPI connection; its GROUP BY alone, hand-written; and, for comparison, the same "
             "GROUP BY over the deals themselves.", "",
             "| as | deals | groups | service p50 | service p95 | its statements replayed p50 / p95 | "
             f"GROUP BY on {source} p50 / p95 | service p95 / GROUP BY p95 | GROUP BY on the deals p50 / p95 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    verdicts, plans = [], []
    with factory() as session:
        actors = _actors(session)
    for key, actor in actors.items():
        filters = OpportunityFilter(outcome="open")

        def call(actor_id: int = actor.id) -> pipeline.PipelineTotals:
            with factory() as session:
                return pipeline.pipeline_totals(session, session.get_one(User, actor_id), filters)

        result = call()
        service_ms = page_bench.timed(call, warmup, repeat)
        statements = _captured(engine, call)
        replay_ms = _replay(engine, statements, warmup, repeat)
        visible = "" if key == "admin" else f" AND territory_id IN ({page_bench.MANAGED})"
        group_by = (ROLLUP_GROUP_BY if rollup else GROUP_BY).format(visible=visible)
        params = {"outcome": "open", "actor": actor.id}
        groups, raw_ms = _raw_group_by(engine, group_by, params, warmup, repeat)
        _, deals_ms = _raw_group_by(engine, GROUP_BY.format(visible=visible), params, warmup, repeat) if rollup \
            else (groups, raw_ms)
        ratio = page_bench.percentile(service_ms, 95) / page_bench.percentile(raw_ms, 95)
        lines.append(f"| {key} | {result.count:,} | {groups:,} | {_p(service_ms, 50)} | **{_p(service_ms, 95)}** | "
                     f"{_p(replay_ms, 50)} / {_p(replay_ms, 95)} | {_p(raw_ms, 50)} / {_p(raw_ms, 95)} | {ratio:.1f}× | "
                     f"{_p(deals_ms, 50)} / {_p(deals_ms, 95)} |")
        verdicts.append(f"- {key}: {_verdict(service_ms, TARGETS['totals'])}")
        for what, sql in ((source, group_by), ("`opportunities`", GROUP_BY.format(visible=visible)))[:1 + rollup]:
            plans += [f"Query plan of the GROUP BY on {what} as {key} ({engine.dialect.name}):", "", "```",
                      *_plan(engine, sql, params), "```", ""]
    return lines + [""] + verdicts + [""] + plans


def _captured(engine: Engine, call: Callable[[], object]) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    return seen


def _replay(engine: Engine, statements: list[tuple[str, object]], warmup: int, repeat: int) -> list[float]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()

        def run() -> None:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()
            raw.rollback()

        return page_bench.timed(run, warmup, repeat)
    finally:
        raw.close()


def _raw_group_by(engine: Engine, sql: str, params: dict, warmup: int, repeat: int) -> tuple[int, list[float]]:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        statement = page_bench._dbapi(sql, params, engine.dialect.name)

        def run() -> int:
            cursor.execute(*statement)
            return len(cursor.fetchall())

        groups = run()
        samples = page_bench.timed(run, warmup, repeat)
        raw.rollback()
        return groups, samples
    finally:
        raw.close()


def _plan(engine: Engine, sql: str, params: dict) -> list[str]:
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(*page_bench._dbapi(explain + sql, params, engine.dialect.name))
        rows = cursor.fetchall()
        raw.rollback()
    finally:
        raw.close()
    return [" | ".join(str(v) for v in row) if engine.dialect.name == "sqlite" else str(row[0]) for row in rows]


# 3. The opportunity list page and API -----------------------------------------------------------------------

OPPORTUNITY_COLUMNS = ("o.id, o.name, o.account_id, o.partner_id, o.distributor_id, o.hidden_from_distributor, "
                       "o.territory_id, o.registration_id, o.currency, o.amount_minor, o.close_date, o.stage_id, "
                       "o.outcome, o.probability, o.source, o.owner_id, o.next_step, o.stage_changed_at, o.version, "
                       "o.created_at, o.updated_at")


def page_cases(actor_ids: dict[str, int], rollup: bool) -> list[page_bench.Case]:
    """The list page as one lands on it (the open pipeline: COUNT for the pager, the first 25 by close
    date, and the totals' GROUP BY) and the API's first page of open deals (COUNT and 50 rows)."""
    cases = []
    for actor in ("lucia", "admin"):
        me = {"actor": actor_ids[actor], "outcome": "open"}
        where = page_bench._visible("o.outcome = :outcome", "o.territory_id", actor)
        count = (f"SELECT count(*) FROM opportunities o WHERE {where}", me)
        group_by = (ROLLUP_GROUP_BY if rollup else GROUP_BY).format(
            visible="" if actor == "admin" else f" AND territory_id IN ({page_bench.MANAGED})")
        cases.append(page_bench.Case("opportunity list page (open pipeline)", actor, "/opportunities", [
            count, (group_by, me),
            (f"SELECT {OPPORTUNITY_COLUMNS} FROM opportunities o WHERE {where} ORDER BY o.close_date, o.id "
             f"LIMIT {PER_PAGE} OFFSET 0", me)]))
        cases.append(page_bench.Case("API opportunities, open", actor,
                                     f"/api/v1/opportunities?outcome=open&limit={API_LIMIT}", [
            count, (f"SELECT {OPPORTUNITY_COLUMNS} FROM opportunities o WHERE {where} ORDER BY o.close_date, o.id "
                    f"LIMIT {API_LIMIT} OFFSET 0", me)]))
    return cases


def pages_report(engine: Engine, factory: sessionmaker[Session], url: str, warmup: int, repeat: int) -> list[str]:
    app = page_bench.bench_app(url, factory)
    with factory() as session:
        actor_ids = {key: user.id for key, user in _actors(session).items()}
    clients = page_bench.signed_in_clients(app, factory, actor_ids)
    cases = page_cases(actor_ids, has_rollup(engine))
    for case in cases:
        client = clients[case.actor]["api" if case.path.startswith("/api/") else "page"]
        page_bench.measure_app(case, client, warmup, repeat)
        page_bench.measure_raw(case, engine, warmup, repeat)
        page_bench.measure_replay(case, engine, client, warmup, repeat)
        print(f"measured {case.path} as {case.actor}: {case.status}", file=sys.stderr)
    for pair in clients.values():
        for client in pair.values():
            client.close()
    lines = ["### The opportunity list page and API", "",
             "| request | as | rows | server p50 | server p95 | page SQL replayed p50 / p95 | server p95 / page SQL "
             "p95 | list SQL (hand-written) p95 | server p95 / list SQL p95 |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for case in cases:
        if not case.app_ms:
            lines.append(f"| `{case.path}` | {case.actor} | | {case.status} | | | | | |")
            continue
        lines.append(f"| `{case.path}` | {case.actor} | {case.rows} | {_p(case.server_ms, 50)} | "
                     f"**{_p(case.server_ms, 95)}** | {_p(case.replay_ms, 50, 2)} / {_p(case.replay_ms, 95, 2)} | "
                     f"{page_bench._ratio(case.server_ms, case.replay_ms)} | {_p(case.raw_ms, 95, 2)} | "
                     f"{page_bench._ratio(case.server_ms, case.raw_ms)} |")
    return lines


# Main --------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per measurement (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20)")
    parser.add_argument("--queries", type=int, default=300, help="conflict-check customers (default 300)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--file", type=Path, default=SQLITE_DB, help=f"SQLite file (default {SQLITE_DB.relative_to(BENCH.parent)}), e.g. "
                        "one `channelbase demo --scale large` loaded")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep cb_bench_deals for another run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    url, load_seconds = database(args.db, args.file, args.rebuild, args.seed)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    data = args.file.name if args.db == "sqlite" else PG_DATABASE
    lines = page_bench.report_header(f"Deal registration and the pipeline: large scale on {args.db}", "deals.py", argv, engine,
                                     load_seconds=load_seconds, data=data, repeat=args.repeat, warmup=args.warmup)
    try:
        if "conflicts" in sections:
            lines += conflict_report(engine, factory, args.queries) + [""]
            print("measured the conflict check", file=sys.stderr)
        if "totals" in sections:
            lines += totals_report(engine, factory, args.warmup, args.repeat) + [""]
            print("measured the pipeline totals", file=sys.stderr)
        if "pages" in sections:
            lines += pages_report(engine, factory, url, args.warmup, args.repeat) + [""]
        if "accuracy" in sections:
            lines += matching_bench.accuracy_report() + [""]
    finally:
        engine.dispose()
        if args.db == "postgresql" and not args.keep:
            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    lines.append(f"Load average at the end: {' / '.join(f'{v:.2f}' for v in os.getloadavg())} (1/5/15 min).")
    report = "\n".join(lines) + "\n"
    print(report)
    (RESULTS / f"deals-{args.db}.md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
