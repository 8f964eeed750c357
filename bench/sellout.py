"""Benchmark a distributor's POS (sell-out) file: parse, match and commit 50,000 lines.

    .venv/bin/python bench/sellout.py [--db sqlite|postgresql] [--lines 50000] [--file PATH] [--scale medium]
                                      [--rebuild] [--keep]

A deterministic `;`-separated POS file (decimal commas, day-first dates, Portuguese headers) is written for the
demo distributor with the most linked resellers: its resellers and other partners with their tax id, retyped or
as they are, unknown resellers; demo accounts with their tax id, domain, retyped names, and unknown customers; the
demo SKUs with a few unknown ones; BRL and USD amounts in October 2026. Then, in the same run:

1. parse: `read_sheet` + `parse_rows` (the service's checks) next to a bare `csv.reader` over the same bytes;
2. match: `Matcher.match_rows`, cold (the account-name index built first) and warm, next to the exact-key
   lookups alone (tax id, domain, name key of the distinct customers) as hand-written batched SQL on a DBAPI
   connection;
3. commit: the service's line inserts plus COMMIT (COPY on PostgreSQL), next to a bare DBAPI executemany INSERT
   of the same rows plus COMMIT (and a bare COPY on PostgreSQL); and `import_file` end to end. The rows written
   are deleted afterwards.

SQLite: bench/results/deals-large.db when it exists (the large demo: 5,000 partners, 200,000 accounts), else
bench/results/sellout-SCALE.db, built once with `generate(scale=SCALE)` (medium by default) and reused.
PostgreSQL: the database cb_bench_sellout on 127.0.0.1 is created, loaded, measured and dropped (--keep keeps it).
Writes Markdown to stdout and bench/results/sellout-DB.md. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core import migrate
from channelbase.core.db import make_engine, make_sessionmaker, settle_after_bulk_load, unit_of_work
from channelbase.core.names import company_key
from channelbase.deals.models import Product
from channelbase.demo.generator import generate
from channelbase.imports.reader import read_sheet
from channelbase.matching import service as matching
from channelbase.matching.service import tax_key
from channelbase.partners.models import Account, Partner, PartnerLink
from channelbase.sellout import service
from channelbase.sellout.matching import Matcher, company_domains
from channelbase.sellout.models import SelloutAlias, SelloutFile, SelloutFileContent, SelloutLine, SelloutMapping
from channelbase.sellout.rows import Options, checked_mapping, decimal_comma_for, parse_rows

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package
import matching as matching_bench  # noqa: E402
import run as page_bench  # noqa: E402

RESULTS = BENCH / "results"
LARGE_DB = RESULTS / "deals-large.db"
PG_DATABASE = "cb_bench_sellout"  # the only PostgreSQL database this script creates or drops
MONTH = date(2026, 10, 1)
HEADER = ["Revenda", "CNPJ Revenda", "Cliente Final", "CNPJ Cliente", "Domínio", "País", "Código", "Descrição",
          "Qtd", "Valor", "Moeda", "Data da Fatura"]
MAPPING = {"reseller": "Revenda", "reseller_tax_id": "CNPJ Revenda", "customer": "Cliente Final",
           "customer_tax_id": "CNPJ Cliente", "customer_domain": "Domínio", "country": "País", "sku": "Código",
           "product_name": "Descrição", "quantity": "Qtd", "amount": "Valor", "currency": "Moeda",
           "invoice_date": "Data da Fatura"}


# Database ------------------------------------------------------------------------------------------------

def database(db: str, file: Path | None, scale: str, rebuild: bool) -> tuple[str, str, float]:
    """(URL, what it holds, seconds the load took or 0 when reused)."""
    if db == "sqlite":
        path = file or (LARGE_DB if LARGE_DB.exists() and not rebuild else RESULTS / f"sellout-{scale}.db")
        label = f"{path.name} ({'large' if path == LARGE_DB else scale} demo)"
        if path.exists() and not rebuild:
            return f"sqlite:///{path}", label, 0.0
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        label, url = f"{PG_DATABASE} ({scale} demo)", f"{page_bench.PG_SERVER}/{PG_DATABASE}"
        if _pg_exists() and not rebuild:
            return url, label, 0.0
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{PG_DATABASE}"')
    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    with unit_of_work(make_sessionmaker(engine)) as session:
        generate(session, scale=scale, seed=7)
    settle_after_bulk_load(engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    print(f"loaded the {scale} demo into {db} in {seconds:.1f} s", file=sys.stderr)
    return url, label, seconds


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


# The POS file ---------------------------------------------------------------------------------------------

@dataclass
class PosFile:
    content: bytes
    distributor_id: int
    distributor: str
    lines: int
    resellers: dict[tuple[str, str], int]  # distinct texts -> the partner they stand for (0: none)
    customers: dict[tuple[str, str, str, str], int]  # -> the account (0: none)


def _reseller_texts(rng: random.Random, session: Session, distributor_id: int) -> dict[tuple[str, str], int]:
    """(name as typed, tax id) -> partner id of ~300 resellers: linked ones, other partners, unknown names (0)."""
    linked = set(session.scalars(select(PartnerLink.reseller_id).where(PartnerLink.distributor_id == distributor_id)))
    partners = session.execute(select(Partner.id, Partner.name, Partner.tax_id).where(
        Partner.deleted_at.is_(None), Partner.type != "distributor").order_by(Partner.id)).all()
    chosen = [p for p in partners if p.id in linked] + rng.sample([p for p in partners if p.id not in linked], 200)
    out: dict[tuple[str, str], int] = {}
    for (query, _name), partner in zip(matching_bench.variations(rng, [p.name for p in chosen]), chosen, strict=True):
        out.setdefault((partner.name, partner.tax_id or "") if rng.random() < 0.4 else (query, ""), partner.id)
    out.update({(f"{name} Revendas", ""): 0 for name in matching_bench.UNKNOWN})
    return out


def _customer_texts(rng: random.Random, session: Session, count: int) -> dict[tuple[str, str, str, str], int]:
    """(name, tax id, domain, country) -> account id of `count` customers: 90 % demo accounts, typed in several
    ways, and unknown names (0)."""
    accounts = session.execute(select(Account.id, Account.name, Account.tax_id, Account.domain, Account.country)
                               .where(Account.deleted_at.is_(None)).order_by(Account.id)).all()
    picked = rng.sample(accounts, int(count * 0.9))
    out: dict[tuple[str, str, str, str], int] = {}
    for (query, _name), account in zip(matching_bench.variations(rng, [a.name for a in picked]), picked, strict=True):
        roll = rng.random()
        if roll < 0.3 and account.tax_id:
            typed = (account.name.upper(), account.tax_id, "", account.country)
        elif roll < 0.5 and account.domain:
            typed = (query, "", f"compras@{account.domain}", account.country)
        elif roll < 0.75:
            typed = (account.name, "", "", account.country)
        else:
            typed = (query, "", "", account.country)
        out.setdefault(typed, account.id)
    unknown = list(matching_bench.UNKNOWN)
    out.update({(f"{rng.choice(unknown)} {number}", "", "", "BR"): 0 for number in range(count - len(out))})
    return out


def pos_file(session: Session, lines: int, seed: int) -> PosFile:
    rng = random.Random(seed)
    distributor_id, name = session.execute(
        select(Partner.id, Partner.name).join(PartnerLink, PartnerLink.distributor_id == Partner.id)
        .group_by(Partner.id, Partner.name).order_by(func.count().desc(), Partner.id).limit(1)).one()
    resellers = _reseller_texts(rng, session, distributor_id)
    customers = _customer_texts(rng, session, max(100, lines // 6))
    reseller_list, customer_list = list(resellers), list(customers)
    products = session.execute(select(Product.sku, Product.name).order_by(Product.id)).all()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    for _ in range(lines):
        reseller, reseller_tax = rng.choice(reseller_list)
        customer, customer_tax, domain, country = rng.choice(customer_list)
        sku, description = rng.choice(products) if rng.random() < 0.97 else (f"X-{rng.randint(1, 40)}", "Outro")
        quantity, cents = rng.randint(1, 20), rng.randint(1_000, 5_000_000)
        amount = f"{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        writer.writerow([reseller, reseller_tax, customer, customer_tax, domain, country, sku.lower()
                         if rng.random() < 0.1 else sku, description, quantity, amount,
                         "BRL" if rng.random() < 0.8 else "USD", f"{rng.randint(1, 31):02d}/10/2026"])
    return PosFile(out.getvalue().encode("utf-8"), distributor_id, name, lines, resellers, customers)


# Measurements ---------------------------------------------------------------------------------------------

def timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def rate(lines: int, seconds: float) -> str:
    return f"{lines / seconds:,.0f}" if seconds else "–"


def parse_step(pos: PosFile):
    def service_parse():
        sheet = read_sheet("pos.csv", pos.content)
        mapping = checked_mapping(MAPPING, sheet, Options())
        header = pos.content[:4096].decode("utf-8").split("\n")[0]
        return parse_rows(sheet, mapping, Options(), MONTH, decimal_comma=decimal_comma_for("csv", header, Options()))

    def bare_parse():
        return list(csv.reader(io.StringIO(pos.content.decode("utf-8")), delimiter=";"))

    parsed, seconds = timed(service_parse)
    assert parsed.error_count == 0, parsed.errors[:3]
    _rows, bare = timed(bare_parse)
    return parsed, seconds, bare


def match_step(session: Session, engine: Engine, pos: PosFile, parsed):
    matching.forget_account_indexes()
    matches, cold = timed(lambda: Matcher(session, pos.distributor_id).match_rows(parsed.rows))
    _again, warm = timed(lambda: Matcher(session, pos.distributor_id).match_rows(parsed.rows))
    customers = {(r.customer, r.customer_tax_id, r.customer_domain, r.country) for r in parsed.rows}
    _found, raw = timed(lambda: _raw_exact_lookups(engine, customers))
    return matches, cold, warm, raw


def _raw_exact_lookups(engine: Engine, customers) -> int:
    """The customers' exact keys looked up by hand-written batched SQL on a DBAPI connection."""
    keys = {"tax_id": set(), "domain": set(), "name_key": set()}
    for name, tax_id, domain, country in customers:
        keys["tax_id"] |= {tax_key(country, tax_id)} - {""}
        keys["domain"].update(company_domains(domain))
        keys["name_key"] |= {company_key(name)} - {""}
    raw = engine.raw_connection()
    found = 0
    try:
        cursor = raw.cursor()
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        for column, wanted in keys.items():
            values = sorted(wanted)
            for start in range(0, len(values), 5000):
                chunk = values[start:start + 5000]
                cursor.execute(f"SELECT {column}, id, country FROM accounts WHERE deleted_at IS NULL AND {column} IN "
                               f"({', '.join([mark] * len(chunk))})", chunk)
                found += len(cursor.fetchall())
    finally:
        raw.close()
    return found


def commit_step(engine: Engine, pos: PosFile, parsed, matches):
    factory = make_sessionmaker(engine)
    with unit_of_work(factory, writes=True) as session:
        file = SelloutFile(distributor_id=pos.distributor_id, month=MONTH, filename="bench.csv", sha256="0" * 64,
                           status="checked", mapping=MAPPING, options={})
        session.add(file)
        session.flush()
        file_id = file.id
    prepared = service.Prepared("bench.csv", MONTH, MAPPING, Options(), pos.lines, parsed, matches)

    def service_write():
        with unit_of_work(factory, writes=True) as session:
            service._insert_lines(session, session.get_one(SelloutFile, file_id), prepared, None)

    _none, seconds = timed(service_write)
    with unit_of_work(factory, writes=True) as session:
        rows = session.execute(select(*[c for c in SelloutLine.__table__.columns if c.name != "id"])
                               .where(SelloutLine.file_id == file_id)).all()
        session.execute(delete(SelloutLine).where(SelloutLine.file_id == file_id))
    bare = _bare_insert(engine, rows)
    copy = _bare_copy(engine, rows) if engine.dialect.name == "postgresql" else None
    _cleanup(engine)
    return seconds, bare, copy


def _bare_insert(engine: Engine, rows) -> float:
    columns = [c.name for c in SelloutLine.__table__.columns if c.name != "id"]
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = f"INSERT INTO sellout_lines ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, [tuple(row) for row in rows[start:start + 5000]])
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def _bare_copy(engine: Engine, rows) -> float:
    """PostgreSQL: the same rows through a bare COPY + COMMIT (then deleted)."""
    columns = [c.name for c in SelloutLine.__table__.columns if c.name != "id"]
    raw = engine.raw_connection()
    try:
        started = time.perf_counter()
        with raw.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY sellout_lines ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row))
        raw.commit()
        seconds = time.perf_counter() - started
        with raw.cursor() as cursor:
            cursor.execute("DELETE FROM sellout_lines")
        raw.commit()
        return seconds
    finally:
        raw.close()


def end_to_end(engine: Engine, pos: PosFile) -> tuple[float, service.Prepared]:
    factory = make_sessionmaker(engine)

    def run():
        with unit_of_work(factory, writes=True) as session:
            actor = session.scalars(select(User).where(User.email == "admin@channelbase.demo")).one()
            prepared, _file = service.import_file(session, actor, pos.distributor_id, MONTH, "pos-2026-10.csv",
                                                  pos.content, mapping=MAPPING)
            return prepared

    prepared, seconds = timed(run)
    _cleanup(engine)
    return seconds, prepared


def _cleanup(engine: Engine) -> None:
    with unit_of_work(make_sessionmaker(engine), writes=True) as session:
        for model in (SelloutLine, SelloutFileContent, SelloutAlias, SelloutMapping, SelloutFile):
            session.execute(delete(model))


# Report ---------------------------------------------------------------------------------------------------

def report(args, engine: Engine, label: str, load_seconds: float) -> list[str]:
    with make_sessionmaker(engine)() as session:
        _cleanup(engine)
        counts = {name: session.scalar(select(func.count()).select_from(model))
                  for name, model in (("partners", Partner), ("accounts", Account))}
        pos, generate_seconds = timed(lambda: pos_file(session, args.lines, args.seed))
        parsed, parse_seconds, bare_parse = parse_step(pos)
        matches, cold, warm, raw_match = match_step(session, engine, pos, parsed)
    write_seconds, bare_write, bare_copy = commit_step(engine, pos, parsed, matches)
    writer = "COPY" if engine.dialect.name == "postgresql" else "Core executemany, 5,000 a batch"
    total, prepared = end_to_end(engine, pos)
    unmatched = prepared.unmatched()
    n = pos.lines
    return [
        f"## Sell-out: a {n:,}-line POS file on {args.db}", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "- command: `.venv/bin/python bench/sellout.py " + " ".join(sys.argv[1:] if args.argv is None else args.argv)
        + "`", *[f"- machine: {line}" for line in page_bench.machine(engine)],
        f"- data: {label}: {counts['partners']:,} partners, {counts['accounts']:,} accounts"
        + (f" (demo load: {load_seconds:.1f} s)" if load_seconds else " (built by an earlier run)"),
        f"- file: {len(pos.content) / 1e6:.1f} MB for {pos.distributor}, {len(pos.resellers)} distinct reseller texts, "
        f"{len(pos.customers):,} distinct customers (written in {generate_seconds:.1f} s, not timed below)", "",
        "| step | what the service does | seconds | lines/s | baseline in the same run | seconds | lines/s |",
        "|---|---|---:|---:|---|---:|---:|",
        f"| parse | read_sheet + parse_rows (every cell checked) | {parse_seconds:.2f} | {rate(n, parse_seconds)} | "
        f"bare csv.reader | {bare_parse:.2f} | {rate(n, bare_parse)} |",
        f"| match, cold | Matcher.match_rows, account-name index built first | {cold:.2f} | {rate(n, cold)} | "
        f"exact-key SQL alone (DBAPI) | {raw_match:.2f} | {rate(n, raw_match)} |",
        f"| match, warm | the same, index cached | {warm:.2f} | {rate(n, warm)} | | | |",
        f"| commit | line inserts ({writer}) + COMMIT | {write_seconds:.2f} | "
        f"{rate(n, write_seconds)} | bare DBAPI executemany + COMMIT | {bare_write:.2f} | {rate(n, bare_write)} |",
        *([f"| | | | | bare COPY + COMMIT | {bare_copy:.2f} | {rate(n, bare_copy)} |"] if bare_copy else []),
        f"| all | import_file: read, parse, match (warm), write, audit, COMMIT | {total:.2f} | {rate(n, total)} | | | |",
        "",
        f"Matched: {prepared.matched_lines:,} of {n:,} lines; to review: {prepared.review_lines:,} lines "
        f"({unmatched['reseller']} reseller, {unmatched['customer']:,} customer and {unmatched['product']} product "
        "texts).", "", *accuracy(pos, parsed, matches), ""]


def accuracy(pos: PosFile, parsed, matches) -> list[str]:
    """Per distinct text: found what it stands for, matched something else, or left for review."""
    seen: dict[str, dict[tuple, int | None]] = {"reseller": {}, "customer": {}}
    for row, match in zip(parsed.rows, matches, strict=True):
        seen["reseller"][(row.reseller, row.reseller_tax_id)] = match.reseller.id
        seen["customer"][(row.customer, row.customer_tax_id, row.customer_domain, row.country)] = match.customer.id
    lines = ["| distinct texts | known: found | known: another record | known: left for review | "
             "unknown: matched anyway |", "|---|---:|---:|---:|---:|"]
    for kind, expected in (("reseller", pos.resellers), ("customer", pos.customers)):
        found_, other, missed, false = 0, 0, 0, 0
        for text_, found in seen[kind].items():
            want = expected[text_]
            if want:
                found_, other, missed = (found_ + (found == want), other + bool(found and found != want),
                                         missed + (found is None))
            else:
                false += found is not None
        known = found_ + other + missed
        lines.append(f"| {kind} ({len(seen[kind]):,}) | {found_:,} of {known:,} | {other} | {missed} | "
                     f"{false} of {len(seen[kind]) - known} |")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--file", type=Path, help="A SQLite file holding a demo database.")
    parser.add_argument("--scale", default="medium", choices=("small", "medium", "large"),
                        help="Demo scale to build when no database is there (default medium).")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep the database for the next run.")
    args = parser.parse_args(argv)
    args.argv = argv
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    url, label, load_seconds = database(args.db, args.file, args.scale, args.rebuild)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)  # a database built before the sell-out tables existed
        lines = report(args, engine, label, load_seconds)
    finally:
        engine.dispose()
        if args.db == "postgresql" and not args.keep:
            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    lines.append(f"Load average at the end: {' / '.join(f'{v:.2f}' for v in os.getloadavg())} (1/5/15 min).")
    text_ = "\n".join(lines) + "\n"
    print(text_)
    (RESULTS / f"sellout-{args.db}.md").write_text(text_, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
