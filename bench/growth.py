"""Benchmark the growth dashboard (and the partner scorecard) at large scale, next to their own SQL.

    .venv/bin/python bench/growth.py [--db sqlite|postgresql] [--repeat 60] [--warmup 5] [--rebuild] [--keep]

The database is bench/deals.py's large demo (SQLite: bench/results/deals-large.db, built once and reused;
PostgreSQL: cb_bench_deals, created, measured and dropped unless --keep). For each case:
- the page: GET through the app, the server time from its Server-Timing header (target: main dashboard p95
  ≤ 150 ms on SQLite);
- the service call alone (dashboard.overview / scorecard.partner_scorecard) in a session of its own;
- every SQL statement the page ran, replayed on a raw DBAPI connection: the baseline, measured in the same run;
  the report gives the page's p95 over the replay's p95.
Writes Markdown to stdout and bench/results/growth-DB.md. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import func, select

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.db import make_engine, make_sessionmaker
from channelbase.deals.models import Opportunity
from channelbase.growth import dashboard, fiscal

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package
import deals as deals_bench  # noqa: E402
import run as page_bench  # noqa: E402

TARGET_MS = 150.0


def _cases(session, actors: dict[str, User]) -> list[page_bench.Case]:
    today = utcnow().date()
    cases = []
    for key in ("admin", "lucia"):
        for view in ("actual", "constant"):
            def service(session, actor, view=view):
                return dashboard.overview(session, actor, fiscal.current_year(session, today), view=view, as_of=today)
            cases.append(page_bench.Case(f"dashboard, {view} rates", key, f"/growth?view={view}", [], service))
    busiest = session.execute(select(Opportunity.partner_id, func.count()).group_by(Opportunity.partner_id)
                              .order_by(func.count().desc()).limit(1)).first()
    try:
        from channelbase.growth import scorecard
    except ImportError:
        return cases
    if busiest is not None:
        partner_id = busiest[0]
        quarter = fiscal.parse_quarter(session, _quarter_label(session, today))

        def card(session, actor):
            year, period = quarter
            return scorecard.partner_scorecard(session, actor, partner_id, period, year, today=today)
        cases.append(page_bench.Case(f"scorecard of partner #{partner_id} ({busiest[1]:,} deals)", "admin",
                                     f"/partners/{partner_id}/scorecard", [], card))
    return cases


def _quarter_label(session, today) -> str:
    year = fiscal.current_year(session, today)
    return f"{year.year}Q{year.quarter_of(today)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    url, load_seconds = deals_bench.database(args.db, deals_bench.SQLITE_DB, args.rebuild, 7)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as session:
        actors = {key: session.scalars(select(User).where(User.email == f"{key}@channelbase.demo")).one()
                  for key in ("admin", "lucia")}
        cases = _cases(session, actors)
    app = page_bench.bench_app(url, factory)
    clients = page_bench.signed_in_clients(app, factory, {key: user.id for key, user in actors.items()})
    lines = page_bench.report_header(f"Growth dashboard and scorecard: large scale on {args.db}", "growth.py", argv,
                                     engine, load_seconds=load_seconds, data="the large demo", repeat=args.repeat,
                                     warmup=args.warmup)
    lines += page_bench.PAGE_TABLE_HEAD
    verdicts = []
    for case in cases:
        row, p95 = page_bench.page_row(case, clients[case.actor]["page"], factory, engine, actors[case.actor].id,
                                       args.warmup, args.repeat)
        lines.append(row)
        if p95 is not None and case.path.startswith("/growth"):
            verdicts.append(f"- {case.name} as {case.actor}: p95 {p95:.1f} ms "
                            f"({'meets' if p95 <= TARGET_MS else 'MISSES'} the {TARGET_MS:.0f} ms target)")
    report = "\n".join(lines + ["", *verdicts, ""])
    print(report)
    (page_bench.RESULTS / f"growth-{args.db}.md").write_text(report + "\n", encoding="utf-8")
    if args.db == "postgresql" and not args.keep:
        engine.dispose()
        deals_bench._pg_admin(f'DROP DATABASE IF EXISTS "{deals_bench.PG_DATABASE}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
