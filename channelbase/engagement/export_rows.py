"""Rows of the engagement exports (activities, tasks, the cadence list and its rules): the list pages' own
queries, filters and sort, every matching row, with the names the pages show instead of ids."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.batches import Enricher, RowSource, list_source, query_source
from channelbase.engagement import cadence, views
from channelbase.engagement.activities import ACTIVITY_SORTS, activity_query
from channelbase.engagement.models import ACTIVITY_LABELS, Activity, CadenceRule, Task
from channelbase.engagement.schemas import ActivityFilter, TaskFilter
from channelbase.engagement.tasks import TASK_SORTS, task_query
from channelbase.partners.export_rows import territory_names
from channelbase.partners.models import PARTNER_TYPE_LABELS


@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    partner: str | None
    owner: str | None
    deal: str | None

    @property
    def type_label(self) -> str:
        return ACTIVITY_LABELS.get(self.activity.type, self.activity.type)


@dataclass(frozen=True)
class TaskRow:
    task: Task
    partner: str | None
    assignee: str | None
    deal: str | None
    today: date  # in the actor's time zone, as the list decides what is overdue

    @property
    def state(self) -> str:
        if self.task.done_at is not None:
            return "Done"
        return "Overdue" if self.task.due_on < self.today else "Open"


@dataclass(frozen=True)
class CadenceRow:
    status: cadence.CadenceStatus
    today: date

    @property
    def state(self) -> str:
        return {cadence.State.OVERDUE: "Overdue", cadence.State.DUE_TODAY: "Due today"}.get(
            self.status.state(self.today), "OK")

    @property
    def days_overdue(self) -> int:
        return self.status.days_overdue(self.today)


@dataclass(frozen=True)
class RuleRow:
    rule: CadenceRule
    territory: str
    followers: int | None  # None for an inactive rule: it governs nobody

    @property
    def counted(self) -> str:
        return ", ".join(ACTIVITY_LABELS.get(t, t) for t in self.rule.types)

    @property
    def partner_type(self) -> str:
        return PARTNER_TYPE_LABELS.get(self.rule.partner_type, self.rule.partner_type) if self.rule.partner_type else "Any"

    @property
    def priority(self) -> str:
        return "Any" if self.rule.is_priority is None else ("Priority" if self.rule.is_priority else "Not priority")


def _deal_name(names: dict[str, dict[int, str]], row: Activity | Task) -> str | None:
    """The deal a row links to, as the lists name it (an opportunity first)."""
    if row.opportunity_id:
        return names["opportunity"].get(row.opportunity_id, f"Opportunity #{row.opportunity_id}")
    if row.registration_id:
        return names["registration"].get(row.registration_id, f"Registration #{row.registration_id}")
    return None


def activities(actor: User, filters: ActivityFilter, sort: str) -> RowSource:
    """The activities of the list page with these filters, in its order (`list_activities`)."""
    column, descending = ACTIVITY_SORTS.get(sort, ACTIVITY_SORTS["-occurred"])
    order = (column.desc(), Activity.id.desc()) if descending else (column.asc(), Activity.id.asc())

    def enricher(session: Session) -> Enricher:
        def rows(batch: Sequence[Activity]) -> Iterator[ActivityRow]:
            partners = views.partner_names(session, actor, (a.partner_id for a in batch))
            owners = views.user_names(session, (a.owner_id for a in batch))
            deals = views.deal_names(session, actor, batch)
            return (ActivityRow(a, partners.get(a.partner_id), owners.get(a.owner_id), _deal_name(deals, a))
                    for a in batch)
        return rows

    return query_source(activity_query(actor, filters).order_by(*order), enricher)


def tasks(actor: User, filters: TaskFilter, sort: str, today: date) -> RowSource:
    """The tasks of the list page with these filters, in its order (`list_tasks`)."""
    column, descending = TASK_SORTS.get(sort, TASK_SORTS["due"])
    order = (column.desc(), Task.id.desc()) if descending else (column.asc(), Task.id.asc())

    def enricher(session: Session) -> Enricher:
        def rows(batch: Sequence[Task]) -> Iterator[TaskRow]:
            partners = views.partner_names(session, actor, (t.partner_id for t in batch))
            assignees = views.user_names(session, (t.assignee_id for t in batch))
            deals = views.deal_names(session, actor, batch)
            return (TaskRow(t, partners.get(t.partner_id), assignees.get(t.assignee_id), _deal_name(deals, t), today)
                    for t in batch)
        return rows

    return query_source(task_query(actor, filters, today).order_by(*order), enricher)


def cadence_rows(view: views.CadenceView) -> RowSource:
    """The cadence list's rows (computed in memory for the page: a manager's partners under a rule)."""
    return list_source([CadenceRow(status, view.today) for status in view.rows])


def rule_rows(session: Session, actor: User) -> RowSource:
    """The cadence rules, most specific first, with how many partners each governs now."""
    names = territory_names(session, actor)
    followers: Counter[int] = views.rule_follower_counts(session, actor)
    return list_source([RuleRow(rule, names.get(rule.territory_id, f"#{rule.territory_id}") if rule.territory_id
                                else "Anywhere", followers.get(rule.id, 0) if rule.active else None)
                        for rule in cadence.list_rules(session, actor)])
