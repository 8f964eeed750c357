"""Access rows of the engagement API (channelbase/engagement/api.py): activities, tasks, cadence and My day.

Engagement is the vendor's own record about partners: partner users are refused the lists and creates
(403) and told that ids do not exist (404, whatever the method). The activity and task in the URLs are
partner A's, logged by and assigned to its manager Lucía, so the other manager does not see them either;
creating one for partner A is "not found" to him. Cadence rules are read by staff and changed by admins."""

from __future__ import annotations

from datetime import date, timedelta

from tests.access_policies import ADMIN, STAFF

API = "/api/v1"
ACTIVITY = f"{API}/activities/{{activity_id}}"
TASK = f"{API}/tasks/{{task_id}}"
RULE = f"{API}/cadence/rules/{{rule_id}}"

# Creating a row of partner A: staff only (403), and partner A is hidden from the other manager (404).
A_STAFF_CREATE = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")
# A row of partner A by id: partner users see no engagement rows, so the id does not exist for them.
A_STAFF_ID = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="404", bruno="404", dora="404")

ROWS = {
    ("GET", f"{API}/activities"): STAFF,
    ("POST", f"{API}/activities"): A_STAFF_CREATE,
    ("GET", ACTIVITY): A_STAFF_ID,
    ("PATCH", ACTIVITY): A_STAFF_ID,
    ("DELETE", ACTIVITY): A_STAFF_ID,
    ("GET", f"{API}/tasks"): STAFF,
    ("POST", f"{API}/tasks"): A_STAFF_CREATE,
    ("GET", TASK): A_STAFF_ID,
    ("PATCH", TASK): A_STAFF_ID,
    ("DELETE", TASK): A_STAFF_ID,
    ("POST", f"{TASK}/complete"): A_STAFF_ID,
    ("POST", f"{TASK}/reopen"): A_STAFF_ID,
    ("POST", f"{TASK}/snooze"): A_STAFF_ID,
    ("GET", f"{API}/cadence/rules"): STAFF,
    ("POST", f"{API}/cadence/rules"): ADMIN,
    ("PATCH", RULE): ADMIN,
    ("DELETE", RULE): ADMIN,
    ("GET", f"{API}/cadence"): STAFF,
    ("GET", f"{API}/today"): STAFF,
}


def _tomorrow() -> str:
    return (date.today() + timedelta(days=1)).isoformat()


BODIES = {
    ("POST", f"{API}/activities"): lambda world: dict(partner_id=world.partners["abertas"], type="call",
                                                      summary="Matrix call"),
    ("PATCH", ACTIVITY): lambda world: dict(version=1, summary="Matrix call, edited"),
    ("POST", f"{API}/tasks"): lambda world: dict(title="Matrix task", due_on=_tomorrow(),
                                                 partner_id=world.partners["abertas"]),
    ("PATCH", TASK): lambda world: dict(version=1, title="Matrix task, edited"),
    ("POST", f"{TASK}/complete"): lambda world: dict(version=1),
    ("POST", f"{TASK}/reopen"): lambda world: dict(version=1),
    ("POST", f"{TASK}/snooze"): lambda world: dict(version=1, days=1),
    ("POST", f"{API}/cadence/rules"): lambda world: dict(name="Matrix rule two", every_days=14,
                                                         counted_types=["call", "meeting"]),
    ("PATCH", RULE): lambda world: dict(version=1, every_days=21),
}
