"""Access rows of My day (channelbase/engagement/web_today.py).

My day is for staff: partner users are refused at the door (403) whatever the row. The rows in the
URLs and bodies are partner A's (its submitted registration, its opportunity, a task of its manager
Lucía), so the other manager is told they do not exist. Extending the still-submitted registration is
refused as a 409 about its status, which the matrix counts as reaching the action."""

from __future__ import annotations

from tests.access_policies import STAFF

# Partner A's rows on a staff-only page: its manager and the admin act, the other manager sees nothing.
A_ROW_STAFF_PAGE = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")

ROWS = {
    ("GET", "/today"): STAFF,
    ("POST", "/today/log"): A_ROW_STAFF_PAGE,
    ("POST", "/today/tasks/{task_id}/complete"): A_ROW_STAFF_PAGE,
    ("POST", "/today/tasks/{task_id}/snooze"): A_ROW_STAFF_PAGE,
    ("POST", "/today/registrations/{registration_id}/approve"): A_ROW_STAFF_PAGE,
    ("POST", "/today/registrations/{registration_id}/reject"): A_ROW_STAFF_PAGE,
    ("POST", "/today/registrations/{registration_id}/extend"): A_ROW_STAFF_PAGE,
    ("POST", "/today/opportunities/{opportunity_id}/move"): A_ROW_STAFF_PAGE,
}

BODIES = {
    ("POST", "/today/log"): lambda world: dict(partner_id=world.partners["abertas"], type="call",
                                               summary="Matrix call from My day"),
    ("POST", "/today/tasks/{task_id}/complete"): lambda world: {},
    ("POST", "/today/tasks/{task_id}/snooze"): lambda world: dict(version=1, days=1),
    ("POST", "/today/registrations/{registration_id}/approve"): lambda world: dict(version=1),
    ("POST", "/today/registrations/{registration_id}/reject"): lambda world: dict(version=1, reason="Matrix rejection"),
    ("POST", "/today/registrations/{registration_id}/extend"): lambda world: dict(version=1),
    ("POST", "/today/opportunities/{opportunity_id}/move"): lambda world: dict(version=1, stage="propose", kind="stalled"),
}
