"""`channelbase import` as people run it, and a real import process killed while it writes."""

from __future__ import annotations

import csv
import os
import signal
import time

from sqlalchemy import func, select, text

from channelbase.auth.models import User
from channelbase.core import migrate
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.demo.world import seed_world
from channelbase.imports import cli as imports_cli
from channelbase.imports import service
from channelbase.imports.models import ImportRun, ImportStatus
from channelbase.partners.models import Account

from tests.cli_harness import cli_database, invoke
from tests.conftest import database_url
from tests.imports.helpers import ACCOUNT_HEADER, account_rows, csv_bytes
from tests.ops.processes import start

WAIT_TRIES = 1200  # x 0.05 s: a hang guard, not a time limit


def test_dry_run_problems_by_row_then_import_then_nothing_changes(tmp_path):
    rows = account_rows(40)
    rows[7][1] = '=HYPERLINK("http://evil.example","click")'
    rows[7][2] = "=1+2"
    path = tmp_path / "accounts.csv"
    path.write_bytes(csv_bytes(ACCOUNT_HEADER, rows))
    with cli_database(tmp_path, wide_consoles=(imports_cli,)):
        checked = invoke("import", "accounts", str(path), "--dry-run", "--errors-out", str(tmp_path / "e.csv"))
        assert checked.exit_code == 1
        assert "Nothing was imported: fix the 1 problems above" in checked.output
        assert "'=1+2' is not a country" in checked.output
        with (tmp_path / "e.csv").open(encoding="utf-8") as handle:
            problems = list(csv.reader(handle))
        assert problems[1][:2] == ["9", "Billing Country"]
        assert problems[1][2].startswith("'") and "=1+2" in problems[1][2]  # inert in a spreadsheet

        rows[7][2] = "BR"
        path.write_bytes(csv_bytes(ACCOUNT_HEADER, rows))
        checked = invoke("import", "accounts", str(path), "--dry-run")
        assert checked.exit_code == 0, checked.output
        assert "40 rows, no problems; 40 to create, 0 to update, 0 unchanged. Nothing written." in checked.output
        done = invoke("import", "accounts", str(path), "--save-mapping", "CRM")
        assert done.exit_code == 0, done.output
        assert "40 created, 0 updated, 0 unchanged" in done.output
        again = invoke("import", "accounts", str(path), "--mapping", "CRM")
        assert "0 created, 0 updated, 40 unchanged" in again.output, again.output


def test_an_unreadable_file_or_a_bad_column_mapping_is_one_line_and_exit_1(tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 50)
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(ACCOUNT_HEADER, account_rows(2)))
    with cli_database(tmp_path, wide_consoles=(imports_cli,)):
        result = invoke("import", "accounts", str(junk))
        assert result.exit_code == 1 and "junk.csv is not a CSV or XLSX file" in result.output
        result = invoke("import", "accounts", str(good), "--map", "name=Nombre")
        assert result.exit_code == 1 and "name: the file has no column 'Nombre'" in result.output
        result = invoke("import", "widgets", str(good))
        assert result.exit_code == 1 and "Cannot import 'widgets'" in result.output
        result = invoke("import", "accounts", str(tmp_path / "missing.csv"))
        assert result.exit_code == 1 and "No such file" in result.output


def _wait(condition, what: str, process) -> None:
    for _ in range(WAIT_TRIES):
        if condition():
            return
        assert process.popen.poll() is None, f"the import ended before {what}\n{process.output()}"
        time.sleep(0.05)
    raise AssertionError(f"never saw {what}\n{process.output()}")


def _writing(engine, url: str):
    """A probe: has the import process begun inserting accounts (uncommitted)?"""
    if url.startswith("sqlite"):
        wal = url.split("///", 1)[1] + "-wal"
        start_size = os.path.getsize(wal) if os.path.exists(wal) else 0
        return lambda: os.path.exists(wal) and os.path.getsize(wal) > start_size + 2_000_000
    def inserting() -> bool:
        with engine.connect() as connection:
            return bool(connection.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND (query LIKE 'COPY accounts%' OR query LIKE 'INSERT INTO accounts%') "
                "AND pid <> pg_backend_pid()")))
    return inserting


def test_a_process_killed_while_it_writes_leaves_no_partial_import(tmp_path):
    url = database_url(tmp_path, "killed_import")
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        world = seed_world(session)
        before = session.scalar(select(func.count()).select_from(Account))
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(ACCOUNT_HEADER, account_rows(100_000)))
    env = {**os.environ, "CHANNELBASE_DATABASE_URL": url, "CHANNELBASE_DATA_DIR": str(tmp_path)}
    process = start("import", ["import", "accounts", str(path)], env, tmp_path)
    try:
        def importing() -> bool:
            with unit_of_work(factory) as session:
                return session.scalar(select(ImportRun.status)) == ImportStatus.IMPORTING
        _wait(importing, "the run marked as importing", process)
        _wait(_writing(engine, url), "accounts being inserted", process)
        process.popen.send_signal(signal.SIGKILL)
        process.popen.wait()
    finally:
        if process.popen.poll() is None:
            process.popen.kill()
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(Account)) == before
        assert session.scalar(select(ImportRun.status)) == ImportStatus.IMPORTING  # it never finished
        if url.startswith("sqlite"):
            assert session.scalar(text("PRAGMA integrity_check")) == "ok"
    with unit_of_work(factory) as session:  # the imports list sees that its process has gone and closes it
        [run] = service.list_runs(session, session.get_one(User, world.users["admin"])).items
        assert run.status == ImportStatus.FAILED
        assert run.message.startswith(f"Interrupted: the process running this import (pid {process.popen.pid} on ")
        assert run.message.endswith("Nothing was written: run the import again.")
    small = tmp_path / "small.csv"
    small.write_bytes(csv_bytes(ACCOUNT_HEADER, account_rows(10, start=99_990)))  # the killed file's last rows
    rerun = start("rerun", ["import", "accounts", str(small)], env, tmp_path)
    assert rerun.popen.wait() == 0, rerun.output()
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(Account)) == before + 10
    engine.dispose()
