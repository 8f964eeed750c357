"""`channelbase log|tasks|cadence|today` against a migrated, seeded SQLite file.

The database is shared by the tests of this module, so each test makes its own rows and looks for them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from channelbase import cli_support
from channelbase.auth.models import User
from channelbase.core.db import make_sessionmaker, unit_of_work
from channelbase.demo.world import World
from channelbase.engagement import activities, tasks
from channelbase.engagement import cli as engagement_cli
from channelbase.engagement.schemas import ActivityFilter, TaskFilter
from tests.cli_harness import cli_database, invoke

ANA, LUCIA, NATHAN = "ana@abertas.com.br", "lucia@channelbase.demo", "nathan@channelbase.demo"
TODAY = date.today()


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("engagement_cli"), wide_consoles=(engagement_cli,)) as world:
        yield world


def as_lucia(world: World, read):
    """Run `read(session, lucia)` in a fresh unit of work on the CLI's database."""
    with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
        return read(session, session.get_one(User, world.users["lucia"]))


def logged_with(world: World, q: str):
    return as_lucia(world, lambda s, u: activities.list_activities(s, u, ActivityFilter(q=q)).items)


# log ----------------------------------------------------------------------------------------------

def test_log_finds_a_misspelt_partner_and_makes_the_next_step_a_task(cli_world):
    due = (TODAY + timedelta(days=4)).isoformat()
    result = invoke("--as", LUCIA, "log", "Solucoes Abertaz", "--type", "call", "Reviewed the Q1 pipeline",
                    "--outcome", "Two new deals", "--next-step", "Send the partner deck", "--due", due)
    assert result.exit_code == 0, result.output
    abertas = cli_world.partners["abertas"]
    first, second = result.stdout.strip().splitlines()
    assert re.fullmatch(rf"Logged call #\d+ with Soluções Abertas Ltda\. \(#{abertas}\) at \d{{4}}-\d\d-\d\d "
                        r"\d\d:\d\d UTC: Reviewed the Q1 pipeline", first), first
    assert re.fullmatch(rf"Task #\d+ “Send the partner deck” due {due}\.", second), second
    [activity] = logged_with(cli_world, "Reviewed the Q1 pipeline")
    assert activity.partner_id == abertas and activity.outcome == "Two new deals" and activity.type == "call"
    assert activity.owner_id == cli_world.users["lucia"]
    task_id = int(re.search(r"Task #(\d+)", second).group(1))
    task = as_lucia(cli_world, lambda s, u: tasks.get_task(s, u, task_id))
    assert task.activity_id == activity.id and task.assignee_id == cli_world.users["lucia"]
    assert task.due_on.isoformat() == due


def test_log_takes_a_partner_id_a_time_and_a_deal(cli_world):
    when = (TODAY - timedelta(days=40)).isoformat()
    result = invoke("--as", LUCIA, "log", str(cli_world.partners["delta"]), "Planned the distributor QBR",
                    "--type", "qbr", "--when", f"{when}T10:30", "--opportunity",
                    str(cli_world.opportunities["abertas"]))
    # The opportunity is Abertas's, not Delta's: the link is refused and nothing is logged.
    assert result.exit_code == 1 and "belongs to another partner" in result.stderr, result.output
    assert logged_with(cli_world, "Planned the distributor QBR") == []
    result = invoke("--as", LUCIA, "log", str(cli_world.partners["delta"]), "Planned the distributor QBR",
                    "--type", "qbr", "--when", f"{when}T10:30")
    assert result.exit_code == 0, result.output
    assert "Logged qbr" in result.stdout and f"at {when} 10:30 UTC" in result.stdout
    [activity] = logged_with(cli_world, "Planned the distributor QBR")
    assert activity.partner_id == cli_world.partners["delta"] and activity.type == "qbr"


def test_log_with_an_unknown_partner_is_a_clear_error(cli_world):
    result = invoke("--as", LUCIA, "log", "Zebra Industries", "--type", "call", "Cold call")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: No partner you can see matches 'Zebra Industries'. Try part of its name, or its id."
    assert "Traceback" not in result.output and result.stdout == ""
    # Another territory's partner is unknown too: Nathan does not see Abertas.
    hidden = invoke("--as", NATHAN, "log", "Soluções Abertas", "Cold call")
    assert hidden.exit_code == 1 and "No partner you can see matches" in hidden.stderr
    assert logged_with(cli_world, "Cold call") == []


def test_log_refuses_bad_dates_and_partner_users(cli_world):
    when = invoke("--as", LUCIA, "log", "abertas", "Bad when", "--when", "yesterday")
    assert when.exit_code == 1 and "--when: write a date and time like 2026-11-27T10:00" in when.stderr
    due = invoke("--as", LUCIA, "log", "abertas", "Bad due", "--next-step", "Follow up", "--due", "1900-01-01")
    assert due.exit_code == 1 and "--due: Input should be greater than or equal to 2000-01-01" in due.stderr
    lonely = invoke("--as", LUCIA, "log", "abertas", "Due alone", "--due", TODAY.isoformat())
    assert lonely.exit_code == 1 and "A next-step date needs the next step itself." in lonely.stderr
    partner = invoke("--as", ANA, "log", str(cli_world.partners["abertas"]), "Self-report")
    assert partner.exit_code == 1 and "error:" in partner.stderr
    assert logged_with(cli_world, "Bad") == [] and logged_with(cli_world, "Self-report") == []


# tasks --------------------------------------------------------------------------------------------

def test_tasks_are_added_listed_snoozed_and_done(cli_world):
    due = (TODAY + timedelta(days=2)).isoformat()
    added = invoke("--as", LUCIA, "tasks", "add", "Chase the MDF claim", "--due", due, "--partner", "delta")
    assert added.exit_code == 0, added.output
    assert re.fullmatch(rf"Added task #\d+ “Chase the MDF claim” about Distribuidora Delta S\.A\., due {due}, "
                        r"for Lucía Fernández\.", added.stdout.strip()), added.stdout
    task_id = re.search(r"#(\d+)", added.stdout).group(1)
    listed = invoke("--as", LUCIA, "tasks", "list")
    row = next(line for line in listed.stdout.splitlines() if "Chase the MDF claim" in line)
    assert task_id in row and due in row and "Distribuidora Delta S.A." in row and "open" in row
    snoozed = invoke("--as", LUCIA, "tasks", "snooze", task_id, "--days", "3")
    later = (TODAY + timedelta(days=5)).isoformat()
    assert snoozed.exit_code == 0 and snoozed.stdout.strip() == f"Snoozed task #{task_id} “Chase the MDF claim” to {later}."
    done = invoke("--as", LUCIA, "tasks", "done", task_id)
    assert done.exit_code == 0 and done.stdout.strip() == f"Done: task #{task_id} “Chase the MDF claim”."
    assert "Chase the MDF claim" not in invoke("--as", LUCIA, "tasks", "list").stdout
    finished = invoke("--as", LUCIA, "tasks", "list", "--state", "done").stdout
    assert "Chase the MDF claim" in finished and later in finished
    again = invoke("--as", LUCIA, "tasks", "snooze", task_id)
    assert again.exit_code == 1 and "is done; reopen it to snooze it" in again.stderr


def test_tasks_list_shows_yours_unless_all_assignees(cli_world):
    due = (TODAY + timedelta(days=9)).isoformat()
    mine = invoke("--as", LUCIA, "tasks", "add", "Prepare the Bravo QBR", "--due", due, "--partner", "Nube Bravo")
    theirs = invoke("--as", NATHAN, "tasks", "add", "Review Bravo's forecast", "--due", due, "--assignee", LUCIA)
    assert mine.exit_code == 0 and theirs.exit_code == 0, theirs.output
    assert "for Lucía Fernández" in theirs.stdout
    nathans = invoke("--as", NATHAN, "tasks", "list").stdout
    assert "Review Bravo's forecast" not in nathans  # assigned to Lucía, about no partner of Nathan's
    everyone = invoke("--as", NATHAN, "tasks", "list", "--all-assignees").stdout
    assert "Prepare the Bravo QBR" not in everyone
    lucias = invoke("--as", LUCIA, "tasks", "list").stdout
    assert "Prepare the Bravo QBR" in lucias and "Review Bravo's forecast" in lucias
    assert invoke("--as", LUCIA, "tasks", "list", "--state", "later").exit_code == 1


def test_tasks_add_refuses_a_due_date_in_1900_and_an_unknown_assignee(cli_world):
    old = invoke("--as", LUCIA, "tasks", "add", "Typo", "--due", "1900-01-01")
    assert old.exit_code == 1
    assert old.stderr.strip() == "error: Invalid input: --due: Input should be greater than or equal to 2000-01-01"
    nobody = invoke("--as", LUCIA, "tasks", "add", "For Ana", "--due", TODAY.isoformat(), "--assignee", ANA)
    assert nobody.exit_code == 1 and f"No active manager or admin with e-mail {ANA}" in nobody.stderr
    titles = as_lucia(cli_world, lambda s, u: [t.title for t in tasks.list_tasks(
        s, u, TaskFilter(state="all"), per_page=200).items])
    assert "Typo" not in titles and "For Ana" not in titles


# cadence ------------------------------------------------------------------------------------------

def test_an_admin_adds_cadence_rules_and_a_manager_sees_who_is_overdue(cli_world):
    msp = invoke("cadence", "add-rule", "MSP partners", "--every", "7", "--types", "call,meeting",
                 "--partner-type", "msp")
    assert msp.exit_code == 0, msp.output
    assert re.fullmatch(r"Added cadence rule #\d+ “MSP partners”: every 7 days, counting call, meeting; applies to "
                        r"msp \(1 partner\(s\) follow it now\)\.", msp.stdout.strip()), msp.stdout
    # Delta's QBR of 40 days ago (logged above) does not count for this rule: only calls and meetings do.
    priority = invoke("cadence", "add-rule", "Priority partners", "--every", "30", "--types", "call,meeting",
                      "--priority")
    assert priority.exit_code == 0 and "applies to priority (2 partner(s)" in priority.stdout, priority.output
    called = (TODAY - timedelta(days=20)).isoformat() + "T10:00"
    assert invoke("--as", LUCIA, "log", "bravo", "Old MSP call", "--when", called).exit_code == 0
    rules = invoke("--as", LUCIA, "cadence", "rules").stdout
    assert re.search(r"MSP partners\s+│ 7 d\s+│ call, meeting\s+│ msp\s+│ 1 ", rules), rules
    overdue = invoke("--as", LUCIA, "cadence", "list", "--state", "overdue")
    assert overdue.exit_code == 0, overdue.output
    rows = [line for line in overdue.stdout.splitlines() if "│" in line and "last touch" not in line]
    assert len(rows) == 1, overdue.stdout
    row = rows[0]
    assert "Nube Bravo S.A. de C.V." in row and "MSP partners (every 7 d)" in row and "overdue 13 d" in row
    assert overdue.stdout.strip().splitlines()[-1] == (
        "Cadence coverage: 2 of 2 priority partners within cadence (100 %)")
    everyone = invoke("--as", LUCIA, "cadence", "list").stdout
    assert "Soluções Abertas Ltda." in everyone and "Distribuidora Delta S.A." in everyone
    assert "Nube Bravo" not in invoke("--as", LUCIA, "cadence", "list", "--priority-only").stdout
    assert "No partner matches." in invoke("--as", NATHAN, "cadence", "list", "--state", "due").stdout


def test_bad_cadence_rules_are_refused(cli_world):
    zero = invoke("cadence", "add-rule", "Never", "--every", "0")
    assert zero.exit_code == 1
    assert zero.stderr.strip() == "error: Invalid input: --every: Input should be greater than or equal to 1"
    lunch = invoke("cadence", "add-rule", "Lunches", "--every", "7", "--types", "call,lunch")
    assert lunch.exit_code == 1 and "--types: Input should be 'call'" in lunch.stderr
    manager = invoke("--as", LUCIA, "cadence", "add-rule", "Mine", "--every", "3")
    assert manager.exit_code == 1 and manager.stderr.strip() == "error: Only admins may change cadence rules."
    assert "Never" not in invoke("cadence", "rules").stdout
    assert invoke("--as", LUCIA, "cadence", "list", "--state", "late").exit_code == 1


# today --------------------------------------------------------------------------------------------

def test_today_prints_the_headline_coverage_and_each_section_with_its_items(cli_world):
    assert invoke("--as", LUCIA, "tasks", "add", "Call Dora about stock", "--due", TODAY.isoformat(),
                  "--partner", "delta").exit_code == 0
    result = invoke("--as", LUCIA, "today")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("My day, ") and lines[0].endswith("(Lucía Fernández)")
    agenda = json.loads(invoke("--as", LUCIA, "today", "--json").stdout)
    assert lines[1] == agenda["headline"] and lines[2].startswith("Cadence coverage: ")
    tasks_due = next(s for s in agenda["sections"] if s["key"] == "tasks")
    assert f"Tasks due ({tasks_due['total']})  → Complete" in lines
    task_line = next(line for line in lines if "Call Dora about stock" in line)
    assert "— Distribuidora Delta S.A. · due today" in task_line and "[task:" in task_line
    decision = f"decision:{cli_world.registrations['abertas']}"
    assert any(line.startswith("  • REG-") and f"[{decision}]" in line for line in lines)
    for section in agenda["sections"]:  # empty sections are left out
        assert any(line.startswith(f"{section['title']} (") for line in lines) == bool(section["total"])


def test_today_is_for_staff_only(cli_world):
    result = invoke("--as", ANA, "today")
    assert result.exit_code == 1 and result.stderr.strip() == "error: Only channel managers and admins may open My day."
    assert invoke("--as", ANA, "today", "--json").stdout == ""
