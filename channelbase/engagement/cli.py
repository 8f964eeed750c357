"""`channelbase log|tasks|cadence|today`: activities, tasks, contact cadence and My day from the terminal.

`today` prints the agenda the /today page shows the same user (agenda.my_day builds both), so a manager
can start the morning in a terminal; `today --json` is the API's JSON."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.cli_support import M, cli_actor, cli_session, console, domain_errors, fail, parse_options
from channelbase.engagement import activities, agenda, cadence, tasks, views
from channelbase.engagement.models import ACTIVITY_LABELS, Activity, ActivityType, CadenceRule, Task
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, SnoozeIn, TaskCreate, TaskFilter
from channelbase.partners import service as partners
from channelbase.partners.models import PartnerTier, PartnerType

tasks_app = typer.Typer(help="Tasks: list yours, add, complete and snooze.", no_args_is_help=True)
cadence_app = typer.Typer(help="Contact cadence: who is due or overdue, and the rules (admins add them).",
                          no_args_is_help=True)
# Schema fields whose command-line option is named differently.
OPTION_FOR_FIELD = {"occurred_at": "--when", "next_step_due": "--due", "due_on": "--due", "type": "--type",
                    "opportunity_id": "--opportunity", "registration_id": "--registration", "contact_ids": "--contact",
                    "every_days": "--every", "counted_types": "--types", "is_priority": "--priority",
                    "territory_id": "--territory", "partner_id": "PARTNER", "summary": "SUMMARY", "title": "TITLE",
                    "name": "NAME"}
TASK_STATES = ("open", "overdue", "done", "all")
CADENCE_STATES = ("due", "overdue", "all")
TYPE_NAMES = ", ".join(t.value for t in ActivityType)


def register(app: typer.Typer) -> None:
    app.command("log")(log)
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(cadence_app, name="cadence")
    app.command("today")(today)


# Shared helpers -----------------------------------------------------------------------------------

def _parse(schema: type[M], **values: Any) -> M:
    return parse_options(schema, OPTION_FOR_FIELD, **values)


def _line(*parts: tuple[str, str] | str) -> None:
    """One line of user data, printed as is: never read as markup, never wrapped mid-title."""
    console.print(Text.assemble(*parts), soft_wrap=True, highlight=False)


def _assignee_id(session: Session, email: str | None) -> int | None:
    if email is None:
        return None
    for user in partners.owners(session):
        if user.email == email.strip().lower():
            return user.id
    fail(f"No active manager or admin with e-mail {email}: run `channelbase users list`.")


def _partner_id(session: Session, actor: User, text: str | None) -> int | None:
    return activities.find_partner(session, actor, text).id if text is not None else None


def _when(value) -> str:
    return views.local_time(value, None, "%Y-%m-%d %H:%M UTC") if value else ""


# log ----------------------------------------------------------------------------------------------

def log(
    partner: str = typer.Argument(..., metavar="PARTNER", help="The partner: its id, its name or part of it."),
    summary: str = typer.Argument(..., metavar="SUMMARY", help="What happened, in a line."),
    type_: ActivityType = typer.Option(ActivityType.CALL, "--type", "-t", help="What kind of touch."),
    when: str = typer.Option(None, help="When, in your time zone: YYYY-MM-DDTHH:MM (default: now)."),
    outcome: str = typer.Option(None, help="What came of it."),
    next_step: str = typer.Option(None, help="The next step; with --due it becomes your task."),
    due: str = typer.Option(None, help="When the next step is due, YYYY-MM-DD."),
    opportunity: int = typer.Option(None, help="Link to this opportunity (its id)."),
    registration: int = typer.Option(None, help="Link to this deal registration (its id)."),
    contact: list[int] = typer.Option(None, "--contact", help="A contact who took part (id), repeatable."),
) -> None:
    """Log a call, meeting, e-mail, QBR, training, event or note with a partner (found by fuzzy name)."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        found = activities.find_partner(session, actor, partner)
        occurred_at = views.from_local_input(when, actor)
        if isinstance(occurred_at, str):
            fail(f"--when: write a date and time like 2026-11-27T10:00 (your time zone), not '{when}'.")
        data = _parse(ActivityCreate, partner_id=found.id, type=type_, summary=summary, occurred_at=occurred_at,
                      outcome=outcome, next_step=next_step, next_step_due=due, opportunity_id=opportunity,
                      registration_id=registration, contact_ids=contact or None)
        activity = activities.log_activity(session, actor, data)
        session.flush()
        made = views.tasks_from(session, actor, activity.id)
        name = found.name
    _print_logged(activity, name, made)


def _print_logged(activity: Activity, partner_name: str, made: list[Task]) -> None:
    label = ACTIVITY_LABELS.get(activity.type, activity.type)
    _line(f"Logged {label.lower()} #{activity.id} with ", (partner_name, "bold"), f" (#{activity.partner_id}) at ",
          f"{_when(activity.occurred_at)}: {activity.summary}")
    for task in made:
        _line(f"Task #{task.id} “{task.title}” due {task.due_on:%Y-%m-%d}.")


# tasks --------------------------------------------------------------------------------------------

@tasks_app.command("list")
def tasks_list(
    state: str = typer.Option("open", help="open, overdue, done or all."),
    all_assignees: bool = typer.Option(False, "--all-assignees", help="Everyone's tasks you may see, not just yours."),
    partner: str = typer.Option(None, help="Only this partner's (id or name)."),
    limit: int = typer.Option(50, min=1, max=1000, help="Show at most this many."),
) -> None:
    """List your tasks, soonest due first."""
    if state not in TASK_STATES:
        fail(f"--state: use one of {', '.join(TASK_STATES)}.")
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        filters = _parse(TaskFilter, state=state, assignee_id=None if all_assignees else actor.id,
                         partner_id=_partner_id(session, actor, partner))
        today = cadence.local_today(actor)
        page = tasks.list_tasks(session, actor, filters, per_page=limit, today=today)
        names = views.partner_names(session, actor, [t.partner_id for t in page.items])
        people = views.user_names(session, [t.assignee_id for t in page.items])
    if not page.items:
        console.print("No tasks." if state == "all" else f"No {state} tasks.")
        return
    table = Table("id", "due", "title", "partner", "assignee", "state")
    for t in page.items:
        done = "done" if t.done_at else ("overdue" if t.due_on < today else "open")
        table.add_row(str(t.id), t.due_on.isoformat(), t.title, names.get(t.partner_id, ""),
                      people.get(t.assignee_id, ""), done)
    console.print(table)
    if page.has_next:
        console.print(f"Showing {len(page.items)} of {page.total}; raise --limit or narrow the filters.")


@tasks_app.command("add")
def tasks_add(
    title: str = typer.Argument(..., metavar="TITLE", help="What has to be done."),
    due: str = typer.Option(..., help="Due date, YYYY-MM-DD."),
    partner: str = typer.Option(None, help="The partner it is about (id or name)."),
    assignee: str = typer.Option(None, help="E-mail of the manager or admin who does it (default: you)."),
    notes: str = typer.Option(None, help="Details."),
    opportunity: int = typer.Option(None, help="The opportunity it is about (its id)."),
    registration: int = typer.Option(None, help="The deal registration it is about (its id)."),
) -> None:
    """Add a task."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(TaskCreate, title=title, due_on=due, partner_id=_partner_id(session, actor, partner),
                      assignee_id=_assignee_id(session, assignee), notes=notes, opportunity_id=opportunity,
                      registration_id=registration)
        task = tasks.create_task(session, actor, data)
        session.flush()
        partner_name = views.partner_names(session, actor, [task.partner_id]).get(task.partner_id)
        person = views.user_names(session, [task.assignee_id]).get(task.assignee_id, "")
    about = f" about {partner_name}" if partner_name else ""
    _line(f"Added task #{task.id} “{task.title}”{about}, due {task.due_on:%Y-%m-%d}, for {person}.")


@tasks_app.command("done")
def tasks_done(task_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Mark a task done (doing it twice is harmless)."""
    with cli_session() as session, domain_errors():
        task = tasks.complete_task(session, cli_actor(session), task_id)
    _line(f"Done: task #{task.id} “{task.title}”.")


@tasks_app.command("snooze")
def tasks_snooze(task_id: int = typer.Argument(..., metavar="ID"),
                 days: int = typer.Option(1, min=1, max=90, help="Days after today (or after the due date, if later).")
                 ) -> None:
    """Move an open task's due date later."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        task = tasks.get_task(session, actor, task_id)
        task = tasks.snooze_task(session, actor, task_id, SnoozeIn(version=task.version, days=days))
    _line(f"Snoozed task #{task.id} “{task.title}” to {task.due_on:%Y-%m-%d}.")


# cadence ------------------------------------------------------------------------------------------

@cadence_app.command("list")
def cadence_list(
    state: str = typer.Option("all", help="due (overdue or due today), overdue or all."),
    priority_only: bool = typer.Option(False, "--priority-only", help="Only priority partners."),
    q: str = typer.Option(None, "--q", help="Part of the partner's name."),
) -> None:
    """Your partners against their cadence rules, soonest due first, and your cadence coverage."""
    if state not in CADENCE_STATES:
        fail(f"--state: use one of {', '.join(CADENCE_STATES)}.")
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        filters = _parse(views.CadenceFilter, state=state, priority_only=priority_only, q=q)
        view = views.cadence_view(session, actor, filters)
    if view.rows:
        table = Table("partner", "priority", "rule", "last touch", "due", "state")
        for s in view.rows:
            table.add_row(s.partner_name, "yes" if s.is_priority else "", f"{s.rule_name} (every {s.every_days} d)",
                          _when(s.last_touch_at) or "never", s.due_on.isoformat(), _state_text(s, view.today))
        console.print(table)
    else:
        console.print("No partner matches." if state != "all" or q else
                      "No partner follows a cadence rule: an admin adds one with `channelbase cadence add-rule`.")
    _line(views.coverage_line(view.coverage))


def _state_text(status: cadence.CadenceStatus, today) -> str:
    state = status.state(today)
    if state == cadence.State.OVERDUE:
        return f"overdue {status.days_overdue(today)} d"
    return "due today" if state == cadence.State.DUE_TODAY else "ok"


@cadence_app.command("rules")
def cadence_rules() -> None:
    """List the cadence rules, most specific first (a partner follows the first that matches)."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        rules = cadence.list_rules(session, actor)
        followers = views.rule_follower_counts(session, actor)
    if not rules:
        console.print("No cadence rules yet: an admin adds one with `channelbase cadence add-rule`.")
        return
    table = Table("id", "name", "every", "counts", "applies to", "partners", "active")
    for r in rules:
        table.add_row(str(r.id), r.name, f"{r.every_days} d", ", ".join(r.types), _criteria(r),
                      str(followers.get(r.id, 0)), "yes" if r.active else "no")
    console.print(table)


def _criteria(rule: CadenceRule) -> str:
    priority = "" if rule.is_priority is None else "priority" if rule.is_priority else "non-priority"
    parts = [priority, rule.tier or "", rule.partner_type or "",
             f"territory #{rule.territory_id}" if rule.territory_id else ""]
    return " ".join(p for p in parts if p) or "every partner"


@cadence_app.command("add-rule")
def cadence_add_rule(
    name: str = typer.Argument(..., metavar="NAME", help="e.g. 'Priority distributors'."),
    every: int = typer.Option(..., help="Contact every N days (1-365)."),
    types: str = typer.Option("call,meeting", help=f"Activity types that count, comma-separated: {TYPE_NAMES}."),
    partner_type: PartnerType = typer.Option(None, help="Only partners of this type."),
    tier: PartnerTier = typer.Option(None, help="Only partners of this tier."),
    priority: bool = typer.Option(None, "--priority/--no-priority", help="Only priority (or non-priority) partners."),
    territory: int = typer.Option(None, help="Only partners in this territory (its id) and below."),
) -> None:
    """Add a cadence rule (admins)."""
    counted = [t.strip() for t in types.split(",") if t.strip()]
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        data = _parse(CadenceRuleIn, name=name, every_days=every, counted_types=counted, partner_type=partner_type,
                      tier=tier, is_priority=priority, territory_id=territory)
        rule = cadence.create_rule(session, actor, data)
        session.flush()
        followers = views.rule_follower_counts(session, actor).get(rule.id, 0)
    _line(f"Added cadence rule #{rule.id} “{rule.name}”: every {rule.every_days} days, counting "
          f"{', '.join(rule.types)}; applies to {_criteria(rule)} ({followers} partner(s) follow it now).")


# today --------------------------------------------------------------------------------------------

def today(as_json: bool = typer.Option(False, "--json", help="Print the agenda as JSON (as the API returns it).")
          ) -> None:
    """My day: who to contact, tasks due, decisions waiting, deals to move, this week's events."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        day = agenda.my_day(session, actor)
        who = actor.name
    if as_json:
        typer.echo(json.dumps(day.as_dict(), ensure_ascii=False, indent=2))
        return
    _print_agenda(day, who)


def _print_agenda(day: agenda.Agenda, who: str) -> None:
    _line((f"My day, {day.today:%A %d %B %Y}", "bold"), f" ({who})")
    _line(day.headline())
    _line(views.coverage_line(day.coverage))
    for section in day.sections:
        if not section.total:
            continue
        console.print()
        _line((f"{section.title} ({section.count_label})", "bold"), (f"  → {section.action}", "dim"))
        for item in section.items:
            _print_item(item)
        if section.total > len(section.items) and section.more_url:
            _line((f"  … and more: {section.more_url}", "dim"))


def _print_item(item: agenda.AgendaItem) -> None:
    mark = ("  ! ", "red") if item.overdue else "  • "
    partner = f" — {item.partner_name}" if item.partner_name and item.partner_name != item.title else ""
    _line(mark, (item.title, "bold"), partner, f" · {item.detail}", (f"  [{item.key}]", "dim"))
