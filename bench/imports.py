"""Benchmark importing accounts from CSV, next to a raw bulk insert of the same rows in the same run.

    .venv/bin/python bench/imports.py [--rows 200000] [--db sqlite|postgresql] [--profile]

A fresh database (SQLite: bench/results/imports.db; PostgreSQL: cb_bench_imports on 127.0.0.1, dropped after)
gets the small demo (territories, partners, users), then:
1. a CSV of ROWS accounts (Salesforce-style headers: Account ID, Account Name, Billing Country, Website,
   Industry, Tax ID for a tenth of them) is imported with `channelbase.imports.service.commit_run`: read,
   map, check every row, write all rows and their audit entries in one transaction. Timed end to end
   (file bytes in -> committed), as rows/s.
2. the same file imported again: every row found by its external id and unchanged (the re-import case).
3. the baseline, measured first: the same accounts, already parsed, inserted with one executemany on a DBAPI
   cursor into the accounts table (no checks, no audit) and rolled back; the import's time over the
   baseline's is the ratio reported.
Writes Markdown to stdout and bench/results/imports-DB.md. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
from pathlib import Path

# bench/profile.py would shadow the standard library's `profile`, which cProfile imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
import cProfile  # noqa: E402
import pstats  # noqa: E402

from sqlalchemy import text

from channelbase.core import migrate
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.core.names import company_key
from channelbase.demo.generator import generate
from channelbase.auth.visibility import system_actor
from channelbase.auth import service as auth_service
from channelbase.imports import service

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
PG_DATABASE = "cb_bench_imports"
COUNTRIES = ("BR", "MX", "AR", "CL", "CO", "US", "CA")
FORMS = ("Ltda.", "S.A. de C.V.", "Inc.", "SpA", "S.A.S.", "")
TARGET_ROWS_PER_S = 50_000


def accounts_csv(rows: int, seed: int = 11) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Account ID", "Account Name", "Billing Country", "Website", "Industry"])
    for i in range(rows):
        country = rng.choice(COUNTRIES)
        name = f"{rng.choice(('Comércio', 'Soluciones', 'Tecnologia', 'Grupo', 'Servicios'))} Digital {i} " \
               f"{rng.choice(FORMS)}".strip()
        writer.writerow([f"SF{i:08d}", name, country, f"www.cd{i}.example.com",
                         rng.choice(("Retail", "Banking", "Government", "Health"))])
    return out.getvalue().encode("utf-8")


def fresh_engine(db: str):
    RESULTS.mkdir(exist_ok=True)
    if db == "sqlite":
        path = RESULTS / "imports.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return make_engine(f"sqlite:///{path}")
    admin = make_engine("postgresql+psycopg://postgres@127.0.0.1/postgres")
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
    admin.dispose()
    return make_engine(f"postgresql+psycopg://postgres@127.0.0.1/{PG_DATABASE}")


def timed_import(factory, actor, data: bytes, name: str, profile: bool):
    started = time.perf_counter()
    with unit_of_work(factory) as session:
        run, sheet = service.new_run(session, actor, "accounts", name, data)
        mapping = service.resolve_mapping(session, service.spec_for("accounts"), sheet)
        run.mapping = mapping
        run_id = run.id
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    done = service.commit_run(factory, actor, run_id)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return done, time.perf_counter() - started


def raw_insert(engine, data: bytes) -> tuple[int, float]:
    """The baseline: the same accounts, already parsed, as bare rows through one executemany into the real
    accounts table (its indexes and foreign keys), then rolled back. No checks, no audit, no external ids."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    with engine.connect() as connection:
        territory = connection.scalar(text("SELECT MIN(id) FROM territories"))
    values = [(name, company_key(name), country, website.removeprefix("www."), industry, territory)
              for _external_id, name, country, website, industry in rows]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        placeholder = "?" if engine.dialect.name == "sqlite" else "%s"
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN")  # the driver is left in autocommit mode; the app's engine begins itself
        started = time.perf_counter()
        cursor.executemany(
            "INSERT INTO accounts (name, name_key, country, domain, industry, territory_id, is_public_sector, version,"
            f" created_at, updated_at) VALUES ({', '.join([placeholder] * 6)}, false, 1, CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP)", values)
        seconds = time.perf_counter() - started
        raw.rollback()
    finally:
        raw.close()
    return len(values), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    engine = fresh_engine(args.db)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        generate(session, scale="small")
    with unit_of_work(factory) as session:
        actor = auth_service.first_admin(session) or system_actor()
    data = accounts_csv(args.rows)
    count, raw_s = raw_insert(engine, data)
    first, first_s = timed_import(factory, actor, data, "accounts.csv", args.profile)
    again, again_s = timed_import(factory, actor, data, "accounts.csv", False)
    lines = [
        f"## Import {args.rows:,} accounts from CSV ({args.db})", "",
        f"`.venv/bin/python bench/imports.py --rows {args.rows} --db {args.db}`; file {len(data) / 1e6:.1f} MB", "",
        "| step | rows | seconds | rows/s | vs raw insert |", "|---|---:|---:|---:|---:|",
        f"| import (check + write + audit) | {first.created:,} created | {first_s:.2f} | {args.rows / first_s:,.0f} "
        f"| {first_s / raw_s:.1f}× |",
        f"| same file again | {again.unchanged:,} unchanged | {again_s:.2f} | {args.rows / again_s:,.0f} "
        f"| {again_s / raw_s:.1f}× |",
        f"| baseline: bare executemany of the parsed rows | {count:,} | {raw_s:.2f} | {count / raw_s:,.0f} | 1.0× |",
        "",
        f"Target: ≥ {TARGET_ROWS_PER_S:,} rows/s on SQLite.",
    ]
    report = "\n".join(lines)
    print(report)
    (RESULTS / f"imports-{args.db}.md").write_text(report + "\n", encoding="utf-8")
    if first.error_count or first.created != args.rows:
        sys.exit(f"the import did not create every row: {first.error_count} errors")


if __name__ == "__main__":
    main()
