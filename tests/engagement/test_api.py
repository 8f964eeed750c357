"""Activities, tasks, cadence rules and statuses, and My day through the JSON API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from channelbase.core.base import utcnow
from channelbase.engagement import activities, agenda, cadence, tasks
from channelbase.engagement.models import Activity, Task
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, TaskCreate

API = "/api/v1"
TODAY = date.today()


@pytest.fixture
def priority_rule(db, admin):
    rule = cadence.create_rule(db, admin, CadenceRuleIn(name="Priority partners", every_days=14,
                                                        counted_types=["call", "meeting"], is_priority=True))
    db.flush()
    return rule


@pytest.fixture
def old_call(db, lucia, world, priority_rule) -> Activity:
    """Soluções Abertas (priority VAR) last called 30 days ago under a 14-day rule: overdue."""
    activity = activities.log_activity(db, lucia, ActivityCreate(
        partner_id=world.partners["abertas"], type="call", summary="Old call", occurred_at=utcnow() - timedelta(days=30)))
    db.flush()
    return activity


@pytest.fixture
def lucias_task(db, lucia, world) -> Task:
    task = tasks.create_task(db, lucia, TaskCreate(title="Send the price list", due_on=TODAY,
                                                   partner_id=world.partners["abertas"]))
    db.flush()
    return task


def logged(api, world, **overrides) -> dict:
    body = {"partner_id": world.partners["abertas"], "type": "call", "summary": "Quarterly pipeline call",
            **overrides}
    response = api.post(f"{API}/activities", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def added(api, world, **overrides) -> dict:
    body = {"title": "Send the MDF form", "due_on": (TODAY + timedelta(days=3)).isoformat(),
            "partner_id": world.partners["abertas"], **overrides}
    response = api.post(f"{API}/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


# Activities -------------------------------------------------------------------------------------

def test_logging_an_activity_with_a_dated_next_step_makes_a_task(api_as, world):
    lucia = api_as("lucia")
    due = (TODAY + timedelta(days=5)).isoformat()
    response = lucia.post(f"{API}/activities", json={
        "partner_id": world.partners["abertas"], "type": "meeting", "summary": "Planned the Q1 campaign",
        "outcome": "They commit to two webinars", "next_step": "Send the MDF form", "next_step_due": due,
        "contact_ids": [world.contacts["ana"]]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{API}/activities/{body['id']}"
    assert body["partner_name"] == "Soluções Abertas Ltda." and body["type"] == "meeting"
    assert body["contact_ids"] == [world.contacts["ana"]] and body["owner_id"] == world.users["lucia"]
    assert len(body["task_ids"]) == 1
    task = lucia.get(f"{API}/tasks/{body['task_ids'][0]}").json()
    assert task["title"] == "Send the MDF form" and task["due_on"] == due
    assert task["assignee_id"] == world.users["lucia"] and task["activity_id"] == body["id"]
    assert lucia.get(f"{API}/activities/{body['id']}").json()["task_ids"] == body["task_ids"]


def test_activities_are_listed_filtered_and_sorted(api_as, world):
    lucia = api_as("lucia")
    first = logged(lucia, world, summary="Renewal call with Ana")
    second = logged(lucia, world, type="email", summary="Sent the price list",
                    occurred_at=(utcnow() - timedelta(days=2)).isoformat())
    other = logged(lucia, world, partner_id=world.partners["bravo"], summary="Bravo check-in")
    listed = lucia.get(f"{API}/activities", params={"partner_id": world.partners["abertas"]}).json()
    ids = [a["id"] for a in listed["items"]]
    assert ids.index(first["id"]) < ids.index(second["id"]) and other["id"] not in ids
    assert listed["items"][0]["task_ids"] is None  # lists leave out the per-row task look-up
    emails = lucia.get(f"{API}/activities", params={"type": "email"}).json()
    assert [a["id"] for a in emails["items"]] == [second["id"]]
    searched = lucia.get(f"{API}/activities", params={"q": "renewal"}).json()
    assert [a["id"] for a in searched["items"]] == [first["id"]]
    oldest = lucia.get(f"{API}/activities", params={"sort": "occurred", "per_page": 1}).json()
    assert oldest["items"][0]["id"] == second["id"] and oldest["next_page"] == 2 and oldest["total"] == 3


def test_an_unknown_sort_or_filter_is_refused_with_the_field_named(api_as):
    lucia = api_as("lucia")
    response = lucia.get(f"{API}/activities", params={"sort": "partner"})
    assert response.status_code == 422 and "use one of -occurred" in response.json()["errors"]["sort"]
    assert lucia.get(f"{API}/activities", params={"colour": "red"}).status_code == 422


def test_an_activity_is_edited_with_its_version_and_a_stale_edit_is_refused(api_as, world):
    lucia = api_as("lucia")
    activity = logged(lucia, world)
    url = f"{API}/activities/{activity['id']}"
    edited = lucia.patch(url, json={"version": activity["version"], "outcome": "Agreed on targets"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["outcome"] == "Agreed on targets" and edited.json()["version"] == activity["version"] + 1
    stale = lucia.patch(url, json={"version": activity["version"], "summary": "Overwrite"})
    assert stale.status_code == 409 and "changed by" in stale.json()["detail"]
    assert lucia.get(url).json()["summary"] == "Quarterly pipeline call"


def test_a_deleted_activity_is_gone(api_as, world):
    lucia = api_as("lucia")
    activity = logged(lucia, world)
    url = f"{API}/activities/{activity['id']}"
    assert lucia.delete(url).status_code == 204
    assert lucia.get(url).status_code == 404


def test_bad_activity_input_gets_field_errors(api_as, world):
    lucia = api_as("lucia")
    unknown_type = lucia.post(f"{API}/activities", json={"partner_id": world.partners["abertas"], "type": "lunch",
                                                         "summary": "x"})
    assert unknown_type.status_code == 422 and "type" in unknown_type.json()["errors"]
    no_step = lucia.post(f"{API}/activities", json={"partner_id": world.partners["abertas"], "type": "call",
                                                    "summary": "Call", "next_step_due": TODAY.isoformat()})
    assert no_step.status_code == 422 and no_step.json()["errors"] == {"next_step": "say what the next step is"}
    too_late = lucia.post(f"{API}/activities", json={"partner_id": world.partners["abertas"], "type": "call",
                                                     "summary": "Call", "occurred_at": "2001-01-01T10:00:00Z"})
    assert too_late.status_code == 422 and too_late.json()["errors"] == {"occurred_at": "more than five years ago"}


def test_malformed_json_is_reported_as_such(api_as):
    response = api_as("lucia").post(f"{API}/activities", content=b'{"type": "call",',
                                    headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"]["body"].startswith("malformed JSON")


def test_partner_users_are_refused_lists_and_creates_and_never_see_an_activity(api_as, world, old_call):
    ana = api_as("ana")
    assert ana.get(f"{API}/activities").status_code == 403
    created = ana.post(f"{API}/activities", json={"partner_id": world.partners["abertas"], "type": "call",
                                                  "summary": "Hi"})
    assert created.status_code == 403 and "channel managers" in created.json()["detail"]
    url = f"{API}/activities/{old_call.id}"
    assert ana.get(url).status_code == 404
    # The id does not exist for them: even a malformed edit hears 404, not "invalid body".
    refused = ana.patch(url, json={"nonsense": True})
    assert refused.status_code == 404 and refused.json()["detail"] == f"No activity #{old_call.id} here, or you may not see it."
    assert ana.delete(url).status_code == 404


def test_another_territorys_manager_does_not_see_the_activity(api_as, world, old_call):
    nathan = api_as("nathan")
    url = f"{API}/activities/{old_call.id}"
    assert nathan.get(url).status_code == 404
    assert nathan.patch(url, json={"version": old_call.version, "summary": "Mine now"}).status_code == 404
    assert old_call.id not in [a["id"] for a in nathan.get(f"{API}/activities").json()["items"]]
    refused = nathan.post(f"{API}/activities", json={"partner_id": world.partners["abertas"], "type": "call",
                                                     "summary": "Hi"})
    assert refused.status_code == 404


# Tasks ------------------------------------------------------------------------------------------

def test_a_task_is_added_completed_reopened_and_deleted(api_as, world):
    lucia = api_as("lucia")
    task = added(lucia, world)
    url = f"{API}/tasks/{task['id']}"
    assert task["assignee_id"] == world.users["lucia"] and task["partner_name"] == "Soluções Abertas Ltda."
    done = lucia.post(f"{url}/complete")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert lucia.post(f"{url}/complete").status_code == 200  # a second click is harmless
    again = lucia.post(f"{url}/complete", json={"version": done.json()["version"]})
    assert again.status_code == 409 and "already done" in again.json()["detail"]
    reopened = lucia.post(f"{url}/reopen", json={"version": done.json()["version"]})
    assert reopened.status_code == 200 and reopened.json()["done_at"] is None
    assert lucia.delete(url).status_code == 204
    assert lucia.get(url).status_code == 404


def test_tasks_are_listed_by_state_and_assignee(api_as, world, db, lucia, admin):
    api = api_as("lucia")
    late = tasks.create_task(db, lucia, TaskCreate(title="Chase the signed contract", due_on=TODAY - timedelta(days=3),
                                                   partner_id=world.partners["abertas"]), now=utcnow())
    theirs = tasks.create_task(db, admin, TaskCreate(title="Admin's own", due_on=TODAY + timedelta(days=1)))
    db.flush()
    soon = added(api, world)
    open_ids = [t["id"] for t in api.get(f"{API}/tasks").json()["items"]]
    assert open_ids == [late.id, soon["id"]] and theirs.id not in open_ids
    overdue = api.get(f"{API}/tasks", params={"state": "overdue"}).json()["items"]
    assert [t["id"] for t in overdue] == [late.id] and overdue[0]["overdue"] is True
    api.post(f"{API}/tasks/{soon['id']}/complete")
    assert [t["id"] for t in api.get(f"{API}/tasks", params={"state": "done"}).json()["items"]] == [soon["id"]]
    mine = api_as("admin").get(f"{API}/tasks", params={"assignee_id": world.users["admin"]}).json()["items"]
    assert [t["id"] for t in mine] == [theirs.id]
    assert api.get(f"{API}/tasks", params={"state": "later"}).status_code == 422


def test_a_task_due_in_1900_is_refused_with_a_field_error(api_as, world):
    lucia = api_as("lucia")
    response = lucia.post(f"{API}/tasks", json={"title": "Typo", "due_on": "1900-01-01"})
    assert response.status_code == 422
    assert "due_on" in response.json()["errors"] and "2000-01-01" in response.json()["errors"]["due_on"]
    long_ago = lucia.post(f"{API}/tasks", json={"title": "Typo", "due_on": "2001-01-01"})
    assert long_ago.status_code == 422 and long_ago.json()["errors"] == {"due_on": "more than a year ago"}


def test_a_task_goes_only_to_a_manager_or_admin(api_as, world):
    response = api_as("lucia").post(f"{API}/tasks", json={"title": "For Ana", "due_on": TODAY.isoformat(),
                                                          "assignee_id": world.users["ana"]})
    assert response.status_code == 422 and response.json()["errors"] == {"assignee_id": "not a manager"}


def test_a_task_is_edited_and_snoozed_with_its_version(api_as, world):
    lucia = api_as("lucia")
    task = added(lucia, world)
    url = f"{API}/tasks/{task['id']}"
    edited = lucia.patch(url, json={"version": task["version"], "title": "Send the signed MDF form"})
    assert edited.status_code == 200 and edited.json()["title"] == "Send the signed MDF form"
    stale = lucia.patch(url, json={"version": task["version"], "title": "Lost update"})
    assert stale.status_code == 409
    snoozed = lucia.post(f"{url}/snooze", json={"version": edited.json()["version"], "days": 2})
    assert snoozed.status_code == 200, snoozed.text
    assert snoozed.json()["due_on"] == (TODAY + timedelta(days=5)).isoformat() and snoozed.json()["snoozes"] == 1
    bad = lucia.post(f"{url}/snooze", json={"version": snoozed.json()["version"], "days": 0})
    assert bad.status_code == 422 and "days" in bad.json()["errors"]
    lucia.post(f"{url}/complete")
    done = lucia.get(url).json()
    refused = lucia.post(f"{url}/snooze", json={"version": done["version"], "days": 1})
    assert refused.status_code == 409 and "reopen it" in refused.json()["detail"]


def test_partner_users_and_other_managers_do_not_reach_tasks(api_as, world, lucias_task):
    url = f"{API}/tasks/{lucias_task.id}"
    ana, nathan = api_as("ana"), api_as("nathan")
    assert ana.get(f"{API}/tasks").status_code == 403
    assert ana.post(f"{API}/tasks", json={"title": "x", "due_on": TODAY.isoformat()}).status_code == 403
    for client in (ana, nathan):
        assert client.get(url).status_code == 404
        assert client.post(f"{url}/complete").status_code == 404
        assert client.post(f"{url}/snooze", json={"version": 1, "days": 1}).status_code == 404
    assert nathan.get(f"{API}/tasks", params={"state": "all"}).json()["total"] == 0


# Cadence ----------------------------------------------------------------------------------------

def test_an_admin_adds_changes_and_deletes_a_cadence_rule(api_as, world):
    admin = api_as("admin")
    created = admin.post(f"{API}/cadence/rules", json={"name": "Priority distributors", "every_days": 14,
                                                       "counted_types": ["call", "meeting", "call"],
                                                       "partner_type": "distributor", "is_priority": True})
    assert created.status_code == 201, created.text
    rule = created.json()
    assert rule["types"] == ["call", "meeting"] and rule["partner_type"] == "distributor"
    url = f"{API}/cadence/rules/{rule['id']}"
    changed = admin.patch(url, json={"version": rule["version"], "every_days": 21, "is_priority": None})
    assert changed.status_code == 200, changed.text
    assert changed.json() | {"version": 0} == rule | {"every_days": 21, "is_priority": None, "version": 0}
    stale = admin.patch(url, json={"version": rule["version"], "every_days": 7})
    assert stale.status_code == 409
    listed = api_as("lucia").get(f"{API}/cadence/rules").json()
    assert [r["name"] for r in listed] == ["Priority distributors"]
    assert admin.delete(url).status_code == 204
    assert admin.get(f"{API}/cadence/rules").json() == []


def test_a_cadence_of_zero_days_is_refused_with_a_field_error(api_as):
    response = api_as("admin").post(f"{API}/cadence/rules", json={"name": "Never", "every_days": 0,
                                                                  "counted_types": ["call"]})
    assert response.status_code == 422
    assert "greater than or equal to 1" in response.json()["errors"]["every_days"]
    no_types = api_as("admin").post(f"{API}/cadence/rules", json={"name": "Nothing counts", "every_days": 7,
                                                                  "counted_types": []})
    assert no_types.status_code == 422 and "counted_types" in no_types.json()["errors"]


def test_a_duplicate_rule_name_is_a_conflict(api_as, priority_rule):
    response = api_as("admin").post(f"{API}/cadence/rules", json={"name": "Priority partners", "every_days": 7,
                                                                  "counted_types": ["call"]})
    assert response.status_code == 409 and response.json()["errors"] == {"name": "already used"}


def test_only_admins_change_cadence_rules(api_as, priority_rule):
    url = f"{API}/cadence/rules/{priority_rule.id}"
    for who in ("lucia", "ana"):
        client = api_as(who)
        assert client.post(f"{API}/cadence/rules", json={"bad": "body"}).status_code == 403
        assert client.patch(url, json={"version": 1, "every_days": 1}).status_code == 403
        assert client.delete(url).status_code == 403
    assert api_as("ana").get(f"{API}/cadence/rules").status_code == 403


def test_the_cadence_list_shows_overdue_partners_and_coverage(api_as, world, old_call):
    lucia = api_as("lucia")
    due = lucia.get(f"{API}/cadence", params={"state": "due"}).json()
    abertas = next(s for s in due["items"] if s["partner_id"] == world.partners["abertas"])
    assert abertas["state"] == "overdue" and abertas["days_overdue"] == 16 and abertas["rule_name"] == "Priority partners"
    assert abertas["counted_types"] == ["call", "meeting"] and "16 d overdue" in abertas["description"]
    # Abertas is overdue; Delta (priority, never touched, just added) is within its first interval.
    assert due["coverage"] == {"within": 1, "total": 2, "percent": 50.0}
    assert due["coverage_text"].startswith("Cadence coverage: 1 of 2 priority partners")
    all_rows = lucia.get(f"{API}/cadence").json()
    assert {s["partner_id"] for s in all_rows["items"]} == {world.partners["abertas"], world.partners["delta"]}
    assert all_rows["total"] == 2 and all_rows["next_page"] is None
    paged = lucia.get(f"{API}/cadence", params={"per_page": 1}).json()
    assert len(paged["items"]) == 1 and paged["next_page"] == 2
    assert lucia.get(f"{API}/cadence", params={"state": "late"}).status_code == 422


def test_the_cadence_list_is_the_actors_own(api_as, world, old_call):
    assert api_as("nathan").get(f"{API}/cadence").json()["items"] == []
    assert api_as("ana").get(f"{API}/cadence").status_code == 403


# My day -----------------------------------------------------------------------------------------

def test_today_is_the_agenda_of_my_day(api_as, db, lucia, world, old_call, lucias_task):
    response = api_as("lucia").get(f"{API}/today")
    assert response.status_code == 200, response.text
    body = response.json()
    expected = agenda.my_day(db, lucia).as_dict()
    assert body["headline"] == expected["headline"] and body["coverage"] == expected["coverage"]
    assert [s["key"] for s in body["sections"]] == ["cadence", "tasks", "decisions", "expiring", "stalled",
                                                     "past_close", "closing", "week"]
    keys = {s["key"]: [(i["key"], i["title"]) for i in s["items"]] for s in body["sections"]}
    assert keys == {s["key"]: [(i["key"], i["title"]) for i in s["items"]] for s in expected["sections"]}
    assert (f"cadence:{world.partners['abertas']}", "Soluções Abertas Ltda.") in keys["cadence"]
    assert (f"task:{lucias_task.id}", "Send the price list") in keys["tasks"]
    assert f"decision:{world.registrations['abertas']}" in [k for k, _ in keys["decisions"]]


def test_today_is_for_staff_and_shows_only_their_partners(api_as, world, old_call, lucias_task):
    assert api_as("ana").get(f"{API}/today").status_code == 403
    nathan = api_as("nathan").get(f"{API}/today").json()
    assert all(not s["items"] for s in nathan["sections"]) and nathan["headline"] == "Nothing needs you today."


def test_the_api_docs_describe_the_engagement_routes(anon):
    spec = anon.get(f"{API}/openapi.json").json()
    assert spec["paths"][f"{API}/activities"]["post"]["tags"] == ["activities"]
    assert set(spec["paths"][f"{API}/tasks/{{task_id}}"]) == {"get", "patch", "delete"}
    today = spec["paths"][f"{API}/today"]["get"]
    assert today["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AgendaOut")
    assert {"headline", "coverage", "sections"} <= set(spec["components"]["schemas"]["AgendaOut"]["properties"])
