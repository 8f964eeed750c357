"""Benchmark the partner portal's pages at large scale, next to their own SQL.

    .venv/bin/python bench/portal.py [--db sqlite|postgresql] [--repeat 60] [--warmup 5] [--rebuild] [--keep]

The database is bench/deals.py's large demo (SQLite: bench/results/deals-large.db, built once and reused;
PostgreSQL: cb_bench_deals, created, measured and dropped unless --keep). Actors: Ana (a reseller's user) and
Dora (a distributor's user, who also sees her resellers' deals). For each page:
- the page: GET through the app, the server time from its Server-Timing header;
- the service call alone (portal_status for the home page) in a session of its own;
- every SQL statement the page ran, replayed on a raw DBAPI connection: the baseline, measured in the same
  run; the report gives the page's p95 over the replay's p95.
Writes Markdown to stdout and bench/results/portal-DB.md. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select

from channelbase.auth.models import User
from channelbase.core.db import make_engine, make_sessionmaker
from channelbase.portal.status import portal_status

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package
import deals as deals_bench  # noqa: E402
import run as page_bench  # noqa: E402

ACTORS = {"ana": "ana@abertas.com.br", "dora": "dora@deltadistribuidora.com.br"}


def _home(session, actor):
    return portal_status(session, actor)


def _cases() -> list[page_bench.Case]:
    cases = []
    for key in ACTORS:
        cases.append(page_bench.Case("my status (home)", key, "/portal", [], _home))
        for name, path in (("register a deal", "/portal/register"), ("my registrations", "/portal/registrations"),
                           ("my opportunities", "/portal/opportunities"), ("trainings", "/portal/trainings")):
            cases.append(page_bench.Case(name, key, path, []))
    return cases


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
        actors = {key: session.scalars(select(User).where(User.email == email)).one() for key, email in ACTORS.items()}
    cases = _cases()
    app = page_bench.bench_app(url, factory)
    clients = page_bench.signed_in_clients(app, factory, {key: user.id for key, user in actors.items()})
    lines = page_bench.report_header(f"Partner portal: large scale on {args.db}", "portal.py", argv, engine,
                                     load_seconds=load_seconds, data="the large demo", repeat=args.repeat,
                                     warmup=args.warmup)
    lines += page_bench.PAGE_TABLE_HEAD
    for case in cases:
        row, _p95 = page_bench.page_row(case, clients[case.actor]["page"], factory, engine, actors[case.actor].id,
                                        args.warmup, args.repeat)
        lines.append(row)
    report = "\n".join([*lines, ""])
    print(report)
    (page_bench.RESULTS / f"portal-{args.db}.md").write_text(report + "\n", encoding="utf-8")
    if args.db == "postgresql" and not args.keep:
        engine.dispose()
        deals_bench._pg_admin(f'DROP DATABASE IF EXISTS "{deals_bench.PG_DATABASE}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
