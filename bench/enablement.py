"""Benchmark the channel-development pages (recruitment, onboarding, tier compliance, events, plans, NPS,
health, strategy) at large scale, next to their SQL.

    .venv/bin/python bench/enablement.py [--db sqlite|postgresql] [--repeat 30] [--warmup 3] [--rebuild] [--keep]

The database is bench/deals.py's large demo (5,000 partners; SQLite: bench/results/deals-large.db, built once
and reused — pass --rebuild after a migration; PostgreSQL: cb_bench_deals, dropped unless --keep). Actors: the
admin (every partner) and Lucía (the Latin American manager). For each page:
- the page: GET through the app, the server time from its Server-Timing header;
- the service call alone where the page has one main call (the compliance lists);
- every SQL statement the page ran, replayed on a raw DBAPI connection: the baseline, measured in the same
  run; the report gives the page's p95 over the replay's p95.
Writes Markdown to stdout and bench/results/enablement-DB.md. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select

from channelbase.auth.models import User
from channelbase.core.db import make_engine, make_sessionmaker
from channelbase.enablement.compliance import ComplianceFilter, compliance
from channelbase.partners.models import Partner

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package
import deals as deals_bench  # noqa: E402
import run as page_bench  # noqa: E402

ACTORS = {"admin": "admin@channelbase.demo", "lucia": "lucia@channelbase.demo"}


def _compliance(session, actor):
    return compliance(session, actor, ComplianceFilter())


def _cases(partner_id: int) -> list[page_bench.Case]:
    cases = []
    for key in ACTORS:
        cases += [page_bench.Case("coverage and gaps", key, "/coverage", []),
                  page_bench.Case("recruitment board", key, "/recruitment", []),
                  page_bench.Case("onboarding list", key, "/onboarding", []),
                  page_bench.Case("tier compliance", key, "/tiers/compliance", [], _compliance),
                  page_bench.Case("events", key, "/events", []),
                  page_bench.Case("partner page: enablement panel", key, f"/partners/{partner_id}/enablement", []),
                  page_bench.Case("partner page: onboarding panel", key, f"/partners/{partner_id}/onboarding", []),
                  page_bench.Case("business plans", key, "/plans", []),
                  page_bench.Case("NPS by territory, type, tier", key, "/surveys/nps", []),
                  page_bench.Case("health: at risk and rising", key, "/health", []),
                  page_bench.Case("partner page: health panel", key, f"/partners/{partner_id}/health", []),
                  page_bench.Case("channel strategy board", key, "/strategy", [])]
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    url, load_seconds = deals_bench.database(args.db, deals_bench.SQLITE_DB, args.rebuild, 7)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as session:
        actors = {key: session.scalars(select(User).where(User.email == email)).one() for key, email in ACTORS.items()}
        partner_id = session.scalars(select(Partner.id).where(Partner.name.like("Soluções Abertas%"))).one()
    app = page_bench.bench_app(url, factory)
    clients = page_bench.signed_in_clients(app, factory, {key: user.id for key, user in actors.items()})
    lines = page_bench.report_header(f"Channel development pages: large scale on {args.db}",
                                     "enablement.py", argv, engine, load_seconds=load_seconds, data="the large demo",
                                     repeat=args.repeat, warmup=args.warmup)
    lines += page_bench.PAGE_TABLE_HEAD
    for case in _cases(partner_id):
        row, _p95 = page_bench.page_row(case, clients[case.actor]["page"], factory, engine, actors[case.actor].id,
                                        args.warmup, args.repeat)
        lines.append(row)
        print(row, flush=True)
    report = "\n".join([*lines, ""])
    print(report)
    (page_bench.RESULTS / f"enablement-{args.db}.md").write_text(report + "\n", encoding="utf-8")
    if args.db == "postgresql" and not args.keep:
        engine.dispose()
        deals_bench._pg_admin(f'DROP DATABASE IF EXISTS "{deals_bench.PG_DATABASE}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
