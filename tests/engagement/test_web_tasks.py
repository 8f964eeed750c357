"""Task pages through the real app: my open tasks, quick complete and snooze (htmx swaps the row; without
JavaScript a redirect), the form with its checks, the detail and edit pages, and who may see what."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from sqlalchemy import select

from channelbase.core.base import utcnow
from channelbase.engagement import tasks
from channelbase.engagement.models import Task
from channelbase.engagement.schemas import TaskCreate, TaskUpdate

HTMX = {"HX-Request": "true"}


def _task(db, actor, title: str, due: date | None = None, **fields) -> Task:
    task = tasks.create_task(db, actor, TaskCreate(title=title, due_on=due or date.today() + timedelta(days=1),
                                                   **fields))
    db.flush()
    return task


def _fresh(db, task_id: int) -> Task | None:
    db.expire_all()
    return db.get(Task, task_id)


def _text(page: str) -> str:
    return html.unescape(page)


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<small class="error" id="e-{name}"[^>]*>([^<]*)</small>', page)
    assert found, f"no error slot for {name}"
    return html.unescape(found.group(1)).strip()


def _row(page: str, task_id: int) -> str:
    found = re.search(rf'<tr id="task-{task_id}".*?</tr>', page, re.S)
    return found.group(0) if found else ""


# The list ------------------------------------------------------------------------------------------

def test_the_list_shows_my_open_tasks_and_everyones_on_request(client_as, db, lucia, admin, world):
    mine = _task(db, lucia, "Call Ana about the renewal", partner_id=world.partners["abertas"])
    theirs = _task(db, lucia, "Admin's review", assignee_id=world.users["admin"], partner_id=world.partners["delta"])
    client = client_as("lucia")
    page = client.get("/tasks").text
    assert _row(page, mine.id) and not _row(page, theirs.id)
    assert "Soluções Abertas Ltda." in _row(page, mine.id)
    everyone = client.get("/tasks", params={"assignee_id": "all"}).text
    assert _row(everyone, mine.id) and _row(everyone, theirs.id) and "Ada Admin" in _row(everyone, theirs.id)


def test_overdue_tasks_are_highlighted_and_filtered(client_as, db, lucia, world):
    late = _task(db, lucia, "Late follow-up", due=date.today() - timedelta(days=2))
    later = _task(db, lucia, "Next week's prep", due=date.today() + timedelta(days=7))
    client = client_as("lucia")
    page = client.get("/tasks").text
    assert 'class="task-row overdue"' in _row(page, late.id) and "Overdue" in _row(page, late.id)
    assert "overdue" not in _row(page, later.id)
    assert page.index(f'id="task-{late.id}"') < page.index(f'id="task-{later.id}"')  # soonest due first
    only_late = client.get("/tasks", params={"state": "overdue"}).text
    assert _row(only_late, late.id) and not _row(only_late, later.id)


def test_the_list_searches_pages_and_sorts(client_as, db, lucia):
    for n, days in ((1, 3), (2, 1), (3, 2)):
        _task(db, lucia, f"Task number {n}", due=date.today() + timedelta(days=days))
    client = client_as("lucia")
    assert "Task number 2" in client.get("/tasks", params={"q": "number 2"}).text
    assert "Task number 1" not in client.get("/tasks", params={"q": "number 2"}).text
    first = client.get("/tasks", params={"per_page": 1}).text
    assert "Task number 2" in first and "1–1 of 3" in first
    latest = client.get("/tasks", params={"per_page": 1, "sort": "-due"}).text
    assert "Task number 1" in latest


def test_an_empty_list_is_friendly(client_as):
    client = client_as("nathan")
    assert "no open tasks are assigned to you" in client.get("/tasks").text
    assert "No overdue tasks" in client.get("/tasks", params={"state": "overdue"}).text


def test_quick_complete_swaps_the_row_and_the_task_leaves_the_open_list(client_as, db, lucia):
    task = _task(db, lucia, "Send the price list")
    client = client_as("lucia")
    response = client.post(f"/tasks/{task.id}/complete", headers=HTMX, data={"next": "/tasks"})
    assert response.status_code == 200 and response.text.lstrip().startswith(f'<tr id="task-{task.id}"')
    assert "Done." in response.text and f'action="/tasks/{task.id}/reopen"' in response.text
    assert _fresh(db, task.id).done_at is not None
    assert not _row(client.get("/tasks").text, task.id)
    assert _row(client.get("/tasks", params={"state": "done"}).text, task.id)
    undo = client.post(f"/tasks/{task.id}/reopen", headers=HTMX)
    assert "Reopened." in undo.text and _fresh(db, task.id).done_at is None


def test_quick_complete_without_javascript_redirects_back_to_the_list(client_as, db, lucia):
    task = _task(db, lucia, "Book the QBR room")
    response = client_as("lucia").post(f"/tasks/{task.id}/complete", data={"next": "/tasks?state=open"})
    assert response.status_code == 303 and response.headers["location"] == "/tasks?state=open"
    assert _fresh(db, task.id).done_at is not None


def test_snooze_moves_the_due_date(client_as, db, lucia):
    task = _task(db, lucia, "Chase the PO", due=date.today())
    client = client_as("lucia")
    row = client.post(f"/tasks/{task.id}/snooze", headers=HTMX, data={"version": task.version, "days": 7})
    new_due = date.today() + timedelta(days=7)
    assert f"Snoozed to {new_due.isoformat()}." in row.text
    assert _fresh(db, task.id).due_on == new_due and _fresh(db, task.id).snoozes == 1
    plain = client.post(f"/tasks/{task.id}/snooze", data={"version": _fresh(db, task.id).version, "days": 1,
                                                          "next": "/tasks"})
    assert plain.status_code == 303 and _fresh(db, task.id).due_on == new_due + timedelta(days=1)


def test_a_stale_snooze_is_refused_with_a_message(client_as, db, lucia):
    task = _task(db, lucia, "Chase the PO")
    old_version = task.version
    tasks.update_task(db, lucia, task.id, TaskUpdate(version=old_version, title="Chase the signed PO"))
    db.flush()
    client = client_as("lucia")
    row = client.post(f"/tasks/{task.id}/snooze", headers=HTMX, data={"version": old_version, "days": 1})
    assert row.status_code == 200 and "changed by" in _text(row.text) and 'role="alert"' in row.text
    page = client.post(f"/tasks/{task.id}/snooze", data={"version": old_version, "days": 1})
    assert page.status_code == 409 and "Review and retry" in _text(page.text)
    assert _fresh(db, task.id).snoozes == 0


def test_partner_users_and_other_managers_are_kept_out(client_as, db, lucia, world):
    task = _task(db, lucia, "Private note on Abertas", partner_id=world.partners["abertas"])
    ana = client_as("ana")
    assert ana.get("/tasks").status_code == 403 and ana.get(f"/tasks/{task.id}").status_code == 403
    nathan = client_as("nathan")
    assert nathan.get(f"/tasks/{task.id}").status_code == 404
    assert nathan.post(f"/tasks/{task.id}/complete").status_code == 404
    assert _fresh(db, task.id).done_at is None


# The form ------------------------------------------------------------------------------------------

def test_a_task_is_added_for_a_partner_and_its_deal(client_as, db, world):
    client = client_as("lucia")
    form = _text(client.get("/tasks/new", params={"partner_id": world.partners["abertas"]}).text)
    assert "Banco Horizonte — Kubernetes platform" in form and 'value="%d" selected' % world.users["lucia"] in form
    due = date.today() + timedelta(days=5)
    response = client.post("/tasks", data={"title": "Prepare the workshop", "due_on": due.isoformat(),
                                           "assignee_id": world.users["nathan"], "partner_id": world.partners["abertas"],
                                           "opportunity_id": world.opportunities["abertas"], "registration_id": "",
                                           "notes": ""})
    assert response.status_code == 303
    task = db.scalars(select(Task).where(Task.title == "Prepare the workshop")).one()
    assert response.headers["location"] == f"/tasks/{task.id}"
    assert (task.due_on, task.assignee_id, task.opportunity_id) == (due, world.users["nathan"],
                                                                    world.opportunities["abertas"])


def test_a_task_due_in_1900_or_without_a_title_is_refused_beside_the_field(client_as, db):
    client = client_as("lucia")
    old = client.post("/tasks", data={"title": "Ancient", "due_on": "1900-01-01"})
    assert old.status_code == 422 and "2000-01-01" in _field_error(old.text, "due_on")
    assert 'value="Ancient"' in old.text
    untitled = client.post("/tasks", data={"title": "", "due_on": date.today().isoformat()})
    assert untitled.status_code == 422 and _field_error(untitled.text, "title") == "required"
    last_year = (utcnow() - timedelta(days=400)).date().isoformat()
    typo = client.post("/tasks", data={"title": "Typo", "due_on": last_year})
    assert typo.status_code == 422 and _field_error(typo.text, "due_on") == "more than a year ago"
    assert db.scalars(select(Task.id).where(Task.title.in_(["Ancient", "Typo"]))).all() == []


def test_a_deal_of_another_partner_is_refused(client_as, world):
    response = client_as("lucia").post("/tasks", data={
        "title": "Mixed up", "due_on": date.today().isoformat(), "partner_id": world.partners["bravo"],
        "opportunity_id": world.opportunities["abertas"]})
    assert response.status_code == 422 and _field_error(response.text, "opportunity_id") == "another partner's deal"


# One task ------------------------------------------------------------------------------------------

def test_the_detail_page_shows_links_actions_and_history(client_as, db, lucia, world):
    task = _task(db, lucia, "Renewal call", partner_id=world.partners["abertas"],
                 registration_id=world.registrations["abertas"], notes="Ask about seats.")
    page = _text(client_as("lucia").get(f"/tasks/{task.id}").text)
    assert "Soluções Abertas Ltda." in page and "Campinas — server refresh" in page and "Ask about seats." in page
    assert f'action="/tasks/{task.id}/complete"' in page and "+1 week" in page
    assert "<strong>create</strong> by" in page


def test_editing_a_task_and_the_stale_edit_message(client_as, db, lucia, world):
    task = _task(db, lucia, "Draft plan")
    client = client_as("lucia")
    form = client.get(f"/tasks/{task.id}/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    fields = {"title": "Draft the joint plan", "due_on": (date.today() + timedelta(days=3)).isoformat(),
              "assignee_id": world.users["lucia"], "notes": "With Ana", "version": version}
    assert client.post(f"/tasks/{task.id}", data=fields).status_code == 303
    assert _fresh(db, task.id).title == "Draft the joint plan" and _fresh(db, task.id).notes == "With Ana"
    stale = client.post(f"/tasks/{task.id}", data={**fields, "title": "Overwritten"})
    assert stale.status_code == 409
    page = _text(stale.text)
    assert "changed by" in page and "Overwritten" in page and 'value="Draft the joint plan"' in page
    assert _fresh(db, task.id).title == "Draft the joint plan"


def test_reopening_from_the_detail_page_and_deleting(client_as, db, lucia):
    task = _task(db, lucia, "Done too soon")
    tasks.complete_task(db, lucia, task.id)
    db.flush()
    client = client_as("lucia")
    assert "Reopen" in client.get(f"/tasks/{task.id}").text
    response = client.post(f"/tasks/{task.id}/reopen", data={"version": _fresh(db, task.id).version})
    assert response.status_code == 303 and _fresh(db, task.id).done_at is None
    deleted = client.post(f"/tasks/{task.id}/delete")
    assert deleted.status_code == 303 and deleted.headers["location"] == "/tasks" and _fresh(db, task.id) is None


def test_snoozing_until_a_past_day_is_refused_on_the_detail_page(client_as, db, lucia):
    task = _task(db, lucia, "Follow up")
    response = client_as("lucia").post(f"/tasks/{task.id}/snooze", data={
        "version": task.version, "until": date.today().isoformat()})
    assert response.status_code == 422 and _field_error(response.text, "until") == "must be after today"
