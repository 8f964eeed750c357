"""Benchmark My day and the cadence list at large scale, for a manager with about 500 partners.

    .venv/bin/python bench/engagement.py [--db sqlite|postgresql] [--repeat 200] [--warmup 20]
                                         [--actors bench,lucia] [--rebuild] [--keep] [--file PATH]

The database holds the large demo (`generate(scale="large")`: 5,000 partners, 500,000 opportunities,
2,000,000 activities, 100,000 tasks). Its managers own a whole region (lucia: Latin America, about 3,500
partners), so the script adds one with about 500: `bench.manager@channelbase.demo` ("bench") becomes
the owner of the leaf territories (countries) whose partners add up closest to 500, and of those
partners, their tasks and their activities, as if the region had been split (at large scale: US West,
512 partners, out of nathan's North America, who still sees them above). Lucia (Latin America) stays as
the larger portfolio for comparison.

For each actor, with p50/p95 and, next to each, the SQL the call issued captured and replayed with the
same parameters on a DBAPI connection (bench/deals.py's `_captured`/`_replay`, bench/run.py's page
helpers):
1. GET /today (the My day page, cookie session) and GET /api/v1/today (Bearer token): server time from
   the app's `Server-Timing` header, through the ASGI app in-process (TestClient).
2. `agenda.my_day` and `cadence.cadence_statuses`, each in a session of its own like a request's.
3. GET /cadence (the cadence list page) and GET /api/v1/cadence.
4. Where My day's time goes: each statement it issues, replayed alone.

SQLite: bench/results/engagement-large.db, built once (migrations + generate, timed) and reused;
--rebuild builds it again; --file uses another SQLite file holding the large demo. PostgreSQL: the
database cb_bench_engagement on 127.0.0.1 is created, loaded, measured and dropped (--keep keeps it for
the next run; it is the only database this script touches). Writes Markdown to stdout and
bench/results/engagement-DB.md. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.core import migrate
from channelbase.core.db import make_engine, make_sessionmaker, settle_after_bulk_load, unit_of_work
from channelbase.demo.generator import generate
from channelbase.demo.world import DEMO_PASSWORD, STAFF
from channelbase.engagement import agenda, cadence
from channelbase.engagement.models import Activity, Task
from channelbase.partners.models import Partner, Territory

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package
import deals as deals_bench  # noqa: E402
import run as page_bench  # noqa: E402

RESULTS = BENCH / "results"
SQLITE_DB = RESULTS / "engagement-large.db"
PG_DATABASE = "cb_bench_engagement"  # the only PostgreSQL database this script creates or drops
TARGET_MS = 50.0  # My day p95, server time (issue 4)
BENCH_EMAIL = "bench.manager@channelbase.demo"
PORTFOLIO = (450, 500, 550)  # the bench manager's partners: at least, ideally, at most


# Database ------------------------------------------------------------------------------------------------

def database(db: str, sqlite_file: Path, rebuild: bool, seed: int) -> tuple[str, float]:
    """The URL of the large demo database and the seconds its load took (0 when reused)."""
    if db == "sqlite":
        url = f"sqlite:///{sqlite_file}"
        if sqlite_file.exists() and not rebuild:
            return _upgraded(url), 0.0
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    else:
        url = f"{page_bench.PG_SERVER}/{PG_DATABASE}"
        if _pg_exists() and not rebuild:  # kept by an earlier --keep
            return _upgraded(url), 0.0
        deals_bench._pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{PG_DATABASE}"')
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


def _upgraded(url: str) -> str:
    """A database loaded earlier gets the migrations written since (indexes): a no-op when at head."""
    engine = make_engine(url)
    if not migrate.is_at_head(engine):
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(f"upgraded {url} to {migrate.current_revision(engine)}", file=sys.stderr)
    engine.dispose()
    return url


def _pg_exists() -> bool:
    admin = make_engine(f"{page_bench.PG_SERVER}/postgres")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}).first()
    admin.dispose()
    return found is not None


@dataclass
class Portfolio:
    user_id: int
    territories: list[str]
    partners: int
    in_cadence: int
    created: bool


def bench_manager(factory: sessionmaker[Session]) -> Portfolio:
    """The manager with about 500 partners: made once (and kept in the database), then found again."""
    with unit_of_work(factory) as session:
        user = session.scalar(select(User).where(User.email == BENCH_EMAIL))
        created = user is None
        if user is None:
            user = _split_region(session)
        owned = session.execute(select(Territory.name).where(Territory.owner_id == user.id)
                                .order_by(Territory.name)).scalars().all()
        partners = session.scalar(select(func.count()).select_from(Partner).where(
            Partner.owner_id == user.id, Partner.deleted_at.is_(None))) or 0
        in_cadence = session.scalar(select(func.count()).select_from(Partner).where(
            Partner.owner_id == user.id, Partner.deleted_at.is_(None), Partner.status.in_(cadence.CADENCE_STATUSES)))
        return Portfolio(user.id, list(owned), partners, in_cadence or 0, created)


def _split_region(session: Session) -> User:
    """Give a new manager the countries whose partners add up closest to 500, with their partners' tasks
    and activities: bulk updates, like a reorganisation done by a script."""
    admin = session.scalars(select(User).where(User.email == STAFF[0][1])).one()
    counts = dict(session.execute(select(Partner.territory_id, func.count()).where(Partner.deleted_at.is_(None))
                                  .group_by(Partner.territory_id)).all())
    leaves = session.execute(select(Territory.id, Territory.name, Territory.parent_id).where(Territory.id.in_(list(counts)))
                             .order_by(Territory.id)).all()
    low, ideal, high = PORTFOLIO
    regions: dict[int, list] = {}
    for leaf in leaves:  # countries of one region, as a region would be split
        regions.setdefault(leaf.parent_id, []).append(leaf)
    best = min((combo for region in regions.values() for size in range(1, len(region) + 1)
                for combo in itertools.combinations(region, size)),
               key=lambda combo: (abs(sum(counts[t.id] for t in combo) - ideal), len(combo)))
    total = sum(counts[t.id] for t in best)
    if not low <= total <= high:
        raise SystemExit(f"no set of countries holds {low}-{high} partners (closest: {total}); is this the large demo?")
    user = auth_service.create_user(session, admin, email=BENCH_EMAIL, name="Bea Bench", role=Role.MANAGER,
                                    password=DEMO_PASSWORD)
    session.flush()
    ids = [t.id for t in best]
    partner_ids = select(Partner.id).where(Partner.territory_id.in_(ids)).scalar_subquery()
    session.execute(update(Territory).where(Territory.id.in_(ids)).values(owner_id=user.id))
    session.execute(update(Partner).where(Partner.territory_id.in_(ids)).values(owner_id=user.id))
    session.execute(update(Task).where(Task.partner_id.in_(partner_ids)).values(assignee_id=user.id,
                                                                                created_by_id=user.id))
    session.execute(update(Activity).where(Activity.partner_id.in_(partner_ids)).values(owner_id=user.id))
    session.execute(text("ANALYZE"))
    print(f"made {BENCH_EMAIL} the manager of {', '.join(t.name for t in best)} ({total} partners)", file=sys.stderr)
    return user


# Measuring ----------------------------------------------------------------------------------------------

@dataclass
class Row:
    what: str
    actor: str
    samples: list[float] = field(default_factory=list)  # server time (pages, API) or the call (services)
    replay: list[float] = field(default_factory=list)
    statements: int = 0
    note: str = ""


def measure_service(engine: Engine, factory: sessionmaker[Session], what: str, actor: str, user_id: int,
                    call: Callable[[Session, User], object], warmup: int, repeat: int) -> tuple[Row, list]:
    def run() -> object:
        with factory() as session:
            return call(session, session.get_one(User, user_id))

    row = Row(what, actor)
    row.samples = page_bench.timed(run, warmup, repeat)
    statements = deals_bench._captured(engine, run)
    row.statements = len(statements)
    row.replay = deals_bench._replay(engine, statements, warmup, repeat)
    return row, statements


def measure_request(engine: Engine, client, what: str, actor: str, path: str, warmup: int, repeat: int) -> Row:
    case = page_bench.Case(what, actor, path, [])
    page_bench.measure_app(case, client, warmup, repeat)
    row = Row(f"{what} `{path}`", actor, case.server_ms)
    if not case.app_ms:
        row.note = case.status
        return row
    statements = page_bench.capture_statements(engine, client, path)
    row.statements = len(statements)
    row.replay = deals_bench._replay(engine, statements, warmup, repeat)
    return row


def breakdown(engine: Engine, statements: list[tuple[str, object]], warmup: int, repeat: int) -> list[str]:
    """Each statement of a call replayed alone: where its time goes."""
    lines = ["| # | statement (start) | rows | replayed alone p50 | p95 |", "|---:|---|---:|---:|---:|"]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        queries = [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
        for number, (sql, params) in enumerate(queries, 1):
            found = [0]

            def run(sql: str = sql, params: object = params, found: list[int] = found) -> None:
                cursor.execute(sql, params)
                found[0] = len(cursor.fetchall()) if cursor.description else 0

            samples = page_bench.timed(run, warmup, repeat)
            raw.rollback()
            head = " ".join(sql.split())[:110].replace("|", "\\|")
            lines.append(f"| {number} | `{head}…` | {found[0]} | {_p(samples, 50, 2)} | {_p(samples, 95, 2)} |")
    finally:
        raw.close()
    return lines


def _p(samples: list[float], p: int, digits: int = 1) -> str:
    return f"{page_bench.percentile(samples, p):.{digits}f} ms" if samples else "–"


def _ratio(top: list[float], bottom: list[float]) -> str:
    return f"{page_bench.percentile(top, 95) / page_bench.percentile(bottom, 95):.1f}×" if top and bottom else "–"


def table(rows: list[Row]) -> list[str]:
    lines = ["| what | as | p50 | p95 | statements | its SQL replayed p50 | p95 | p95 / replayed p95 |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        if not row.samples:
            lines.append(f"| {row.what} | {row.actor} | {row.note} | | | | | |")
            continue
        lines.append(f"| {row.what} | {row.actor} | {_p(row.samples, 50)} | **{_p(row.samples, 95)}** | "
                     f"{row.statements} | {_p(row.replay, 50, 2)} | {_p(row.replay, 95, 2)} | "
                     f"{_ratio(row.samples, row.replay)} |")
    return lines


def agenda_shape(factory: sessionmaker[Session], user_id: int) -> str:
    with factory() as session:
        user = session.get_one(User, user_id)
        day = agenda.my_day(session, user)
        statuses = cadence.cadence_statuses(session, user)
    parts = ", ".join(f"{s.key} {s.count_label}" for s in day.sections)
    return (f"{len(statuses):,} partners under a cadence rule, {day.coverage.within} of {day.coverage.total} priority "
            f"partners within cadence; My day totals: {parts}")


# Main ----------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per measurement (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first (default 20)")
    parser.add_argument("--actors", default="bench,lucia", help="comma-separated: bench, lucia, nathan, admin")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--file", type=Path, default=SQLITE_DB,
                        help=f"SQLite file (default {SQLITE_DB.relative_to(BENCH.parent)}), e.g. one "
                             "`channelbase demo --scale large` loaded")
    parser.add_argument("--keep", action="store_true", help=f"PostgreSQL: keep {PG_DATABASE} for another run")
    return parser.parse_args(argv)


def run(args: argparse.Namespace, engine: Engine, url: str, factory: sessionmaker[Session]) -> list[str]:
    portfolio = bench_manager(factory)
    with factory() as session:
        actor_ids = {key: session.scalars(select(User.id).where(User.email == f"{key}@channelbase.demo")).one()
                     for key in args.actors.split(",") if key != "bench"}
        counts = {name: session.scalar(text(f"SELECT count(*) FROM {name}"))
                  for name in ("partners", "activities", "tasks", "opportunities", "registrations")}
    if "bench" in args.actors.split(","):
        actor_ids = {"bench": portfolio.user_id, **actor_ids}
    app = page_bench.bench_app(url, factory)
    clients = page_bench.signed_in_clients(app, factory, actor_ids)
    lines = [f"Data: {', '.join(f'{n:,} {name}' for name, n in counts.items())}. The bench manager owns "
             f"{', '.join(portfolio.territories)}: **{portfolio.partners} partners**, {portfolio.in_cadence} of them "
             "active or onboarding (the ones cadence follows)" + (" (made by this run)." if portfolio.created else "."),
             ""]
    for key, user_id in actor_ids.items():
        lines.append(f"- {key}: {agenda_shape(factory, user_id)}")
    rows: list[Row] = []
    my_day_sql: dict[str, list] = {}
    for key, user_id in actor_ids.items():
        pages, api = clients[key]["page"], clients[key]["api"]
        rows.append(measure_request(engine, pages, "My day page", key, "/today", args.warmup, args.repeat))
        rows.append(measure_request(engine, api, "My day API", key, "/api/v1/today", args.warmup, args.repeat))
        row, my_day_sql[key] = measure_service(engine, factory, "`agenda.my_day`", key, user_id,
                                               lambda s, u: agenda.my_day(s, u), args.warmup, args.repeat)
        rows.append(row)
        row, _ = measure_service(engine, factory, "`cadence.cadence_statuses`", key, user_id,
                                 lambda s, u: cadence.cadence_statuses(s, u), args.warmup, args.repeat)
        rows.append(row)
        rows.append(measure_request(engine, pages, "cadence list page", key, "/cadence", args.warmup, args.repeat))
        rows.append(measure_request(engine, api, "cadence API", key, "/api/v1/cadence", args.warmup, args.repeat))
        print(f"measured {key}", file=sys.stderr)
    for pair in clients.values():
        for client in pair.values():
            client.close()
    lines += ["", *table(rows), ""]
    for row in rows:
        if row.what == "My day page `/today`" and row.samples:
            p95 = page_bench.percentile(row.samples, 95)
            lines.append(f"- My day page as {row.actor}: server p95 {p95:.1f} ms: "
                         f"{'meets' if p95 <= TARGET_MS else 'MISSES'} the target of ≤ {TARGET_MS:.0f} ms")
    first = next(iter(my_day_sql))
    lines += ["", f"Where `agenda.my_day` spends its time as {first} (each statement replayed alone):", "",
              *breakdown(engine, my_day_sql[first], args.warmup, max(20, args.repeat // 4))]
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    url, load_seconds = database(args.db, args.file, args.rebuild, args.seed)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    data = args.file.name if args.db == "sqlite" else PG_DATABASE
    lines = page_bench.report_header(f"Engagement: My day and the cadence list, large scale on {args.db}", "engagement.py", argv, engine,
                                     load_seconds=load_seconds, data=data, repeat=args.repeat, warmup=args.warmup)
    try:
        lines += run(args, engine, url, factory)
    finally:
        engine.dispose()
        if args.db == "postgresql" and not args.keep:
            deals_bench._pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    lines += ["", f"Load average at the end: {' / '.join(f'{v:.2f}' for v in os.getloadavg())} (1/5/15 min)."]
    report = "\n".join(lines) + "\n"
    print(report)
    (RESULTS / f"engagement-{args.db}.md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
