"""Access rows of the engagement pages: activities, tasks and cadence (channelbase/engagement/web_activities.py,
web_tasks.py, web_cadence.py).

Engagement is the vendor's own notes about partners: partner users are refused every page (403). The
activity and task in the URLs are partner A's, logged by and assigned to its manager Lucía, so the other
manager is told they do not exist; the cadence rules are read by staff and changed by admins only."""

from __future__ import annotations

from datetime import date, timedelta

from tests.access_policies import ADMIN, STAFF

# A staff-only row of partner A: its manager and the admin may; the other manager does not see it.
A_STAFF_ROW = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")

ACTIVITY = "/activities/{activity_id}"
TASK = "/tasks/{task_id}"
RULE = "/cadence/rules/{rule_id}"

ROWS = {
    ("GET", "/activities"): STAFF,
    ("GET", "/activities/new"): STAFF,
    ("POST", "/activities"): A_STAFF_ROW,
    ("POST", "/activities/quick"): A_STAFF_ROW,
    ("GET", ACTIVITY): A_STAFF_ROW,
    ("GET", ACTIVITY + "/edit"): A_STAFF_ROW,
    ("POST", ACTIVITY): A_STAFF_ROW,
    ("POST", ACTIVITY + "/delete"): A_STAFF_ROW,
    ("GET", "/tasks"): STAFF,
    ("GET", "/tasks/new"): STAFF,
    ("POST", "/tasks"): A_STAFF_ROW,
    ("GET", TASK): A_STAFF_ROW,
    ("GET", TASK + "/edit"): A_STAFF_ROW,
    ("POST", TASK): A_STAFF_ROW,
    ("POST", TASK + "/complete"): A_STAFF_ROW,
    ("POST", TASK + "/reopen"): A_STAFF_ROW,
    ("POST", TASK + "/snooze"): A_STAFF_ROW,
    ("POST", TASK + "/delete"): A_STAFF_ROW,
    ("GET", "/cadence"): STAFF,
    ("GET", "/cadence/rules"): STAFF,
    ("GET", "/cadence/rules/new"): ADMIN,
    ("POST", "/cadence/rules"): ADMIN,
    ("GET", RULE + "/edit"): ADMIN,
    ("POST", RULE): ADMIN,
    ("POST", RULE + "/delete"): ADMIN,
}


def _tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


BODIES = {
    ("POST", "/activities"): lambda world: dict(partner_id=world.partners["abertas"], type="call",
                                                summary="Matrix call"),
    ("POST", "/activities/quick"): lambda world: dict(partner_id=world.partners["abertas"], type="meeting",
                                                      summary="Matrix meeting", next="/cadence"),
    ("POST", ACTIVITY): lambda world: dict(version=1, type="call", summary="Matrix call, edited"),
    ("POST", "/tasks"): lambda world: dict(title="Matrix task", due_on=_tomorrow(), partner_id=world.partners["abertas"]),
    ("POST", TASK): lambda world: dict(version=1, title="Matrix task, edited", due_on=_tomorrow()),
    ("POST", TASK + "/snooze"): lambda world: dict(version=1, days=1),
    ("POST", "/cadence/rules"): lambda world: dict(name="Matrix rule two", every_days=14,
                                                   counted_types=["call", "meeting"], active="1"),
    ("POST", RULE): lambda world: dict(version=1, name="Matrix rule", every_days=21, counted_types=["call"],
                                       active="1"),
}
