"""My day through the real app: what the page shows, each item's action in place (with htmx and
without), errors beside the item, who may act, and where sign-in lands."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from channelbase.core.base import utcnow
from channelbase.engagement.agenda import SECTION_LIMIT
from channelbase.deals import opportunities, registrations
from channelbase.deals.deal_schemas import ApproveIn, MoveIn, OpportunityUpdate
from channelbase.deals.models import Opportunity, Registration, RegistrationStatus
from channelbase.demo.world import DEMO_PASSWORD
from channelbase.engagement import activities, cadence, tasks
from channelbase.engagement.models import Task
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, TaskCreate

HX = {"HX-Request": "true"}


@pytest.fixture
def priority_rule(db, admin):
    rule = cadence.create_rule(db, admin, CadenceRuleIn(name="Priority partners", every_days=14,
                                                        counted_types=["call", "meeting"], is_priority=True))
    db.flush()
    return rule


@pytest.fixture
def overdue_abertas(db, lucia, world, priority_rule) -> int:
    """Soluções Abertas (priority VAR), last called 30 days ago under a 14-day rule: overdue."""
    activities.log_activity(db, lucia, ActivityCreate(partner_id=world.partners["abertas"], type="call",
                                                      summary="Old call", occurred_at=utcnow() - timedelta(days=30)))
    db.flush()
    return world.partners["abertas"]


def items(page: str) -> dict[str, str]:
    """data-item -> data-section of every agenda item on the page."""
    return dict(re.findall(r'data-item="([^"]+)"\s+data-section="([^"]+)"', page))


def item_html(page: str, key: str) -> str:
    found = re.search(rf'<li [^>]*data-item="{re.escape(key)}".*?</li>', page, re.S)
    assert found, f"no item {key}"
    return html.unescape(found.group(0))


def section_html(page: str, key: str) -> str:
    found = re.search(rf'<section [^>]*id="section-{key}".*?</section>', page, re.S)
    assert found, f"no section {key}"
    return html.unescape(found.group(0))


def status_message(page: str) -> str:
    found = re.search(r'role="status"[^>]*>([^<]*)<', page)
    return html.unescape(found.group(1)).strip() if found else ""


def reload(db, model, row_id):
    db.expire_all()
    return db.get_one(model, row_id)


def due_task(db, lucia, world, title="Send the price list", due=None) -> Task:
    task = tasks.create_task(db, lucia, TaskCreate(title=title, due_on=due or date.today(),
                                                   partner_id=world.partners["abertas"]))
    db.flush()
    return task


def stalled_opportunity(db, lucia, world) -> Opportunity:
    """The world's opportunity, its stage last changed 60 days ago (stalled after 30)."""
    opp_id = world.opportunities["abertas"]
    opp = opportunities.get_opportunity(db, lucia, opp_id)
    opportunities.move_stage(db, lucia, opp_id, MoveIn(version=opp.version, stage="propose"),
                             now=utcnow() - timedelta(days=60))
    db.flush()
    return reload(db, Opportunity, opp_id)


def expiring_registration(db, lucia, world) -> Registration:
    """The world's registration, approved 85 days ago: it expires within the week."""
    reg_id = world.registrations["abertas"]
    reg = registrations.get_registration(db, lucia, reg_id)
    registrations.approve(db, lucia, reg_id, ApproveIn(version=reg.version), now=utcnow() - timedelta(days=85))
    db.flush()
    return reload(db, Registration, reg_id)


# The page ----------------------------------------------------------------------------------------

def test_the_page_shows_the_overdue_priority_partner_and_the_decision(client_as, overdue_abertas, world):
    page = client_as("lucia").get("/today")
    assert page.status_code == 200
    found = items(page.text)
    assert found[f"cadence:{overdue_abertas}"] == "cadence"
    assert found[f"decision:{world.registrations['abertas']}"] == "decisions"
    partner = item_html(page.text, f"cadence:{overdue_abertas}")
    assert re.search(r'class="item-title"[^>]*>Soluções Abertas[^<]*<', partner)
    assert "Overdue" in partner and re.search(r"1[67] d overdue", partner)
    assert 'action="/today/log"' in partner and 'name="summary"' in partner
    text = html.unescape(page.text)
    assert "1 partner to contact" in text  # the headline
    # Delta (priority, never contacted, added today) is within its first 14 days; Abertas is not.
    assert "Cadence coverage: <strong class=\"coverage-percent\">50%</strong>" in text
    assert "(1 of 2 priority partners within cadence)" in text
    assert "No trainings or events this week." in section_html(page.text, "week")
    assert '<a href="/today" aria-current="page">My day</a>' in page.text


def test_items_show_partner_detail_and_due_badges(client_as, db, lucia, world):
    task = due_task(db, lucia, world)
    page = client_as("lucia").get("/today").text
    item = item_html(page, f"task:{task.id}")
    assert "Send the price list" in item and "Soluções Abertas" in item and "due today" in item
    assert "Today</span>" in item and "Overdue" not in item
    assert 'action="/today/tasks/%d/complete"' % task.id in item


def test_a_full_section_links_to_see_all(client_as, db, lucia, world):
    for n in range(SECTION_LIMIT + 1):
        due_task(db, lucia, world, title=f"Task {n}")
    page = client_as("lucia").get("/today").text
    tasks_card = section_html(page, "tasks")
    assert len(re.findall(r'data-section="tasks"', tasks_card)) == SECTION_LIMIT
    assert f'<a href="/tasks?state=open">See all {SECTION_LIMIT + 1} →</a>' in tasks_card


def test_an_empty_agenda_is_all_clear(client_as, world):
    page = client_as("nathan").get("/today")  # Northwind has no deals, rules or tasks
    assert page.status_code == 200
    assert "All clear." in page.text and "Nothing needs you today." in page.text
    assert items(page.text) == {}


def test_htmx_gets_only_the_agenda(client_as, world):
    response = client_as("lucia").get("/today", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="agenda"') and "<html" not in response.text


def test_partner_users_are_refused_and_strangers_sent_to_sign_in(client_as, anon):
    assert client_as("ana").get("/today").status_code == 403
    response = anon.get("/today")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/today"


def test_partner_users_have_no_my_day_link(client_as):
    page = client_as("ana").get("/registrations").text
    assert 'href="/today"' not in page and 'href="/tasks"' not in page
    staff = client_as("lucia").get("/registrations").text
    for link in ('href="/today"', 'href="/activities"', 'href="/tasks"', 'href="/cadence"'):
        assert link in staff
    assert staff.index('href="/today"') < staff.index('href="/partners"')


# Logging a touch -----------------------------------------------------------------------------------

def test_logging_a_touch_without_javascript_redirects_and_the_partner_leaves(client_as, db, lucia, overdue_abertas):
    client = client_as("lucia")
    response = client.post("/today/log", data={"partner_id": overdue_abertas, "type": "call",
                                               "summary": "Talked about Q3 stock"})
    assert response.status_code == 303 and response.headers["location"] == "/today"
    assert f"cadence:{overdue_abertas}" not in items(client.get("/today").text)
    latest = activities.recent_for_partner(db, lucia, overdue_abertas, limit=1)[0]
    assert (latest.summary, latest.type, latest.owner_id) == ("Talked about Q3 stock", "call", lucia.id)


def test_logging_a_touch_with_htmx_swaps_the_agenda(client_as, overdue_abertas):
    response = client_as("lucia").post("/today/log", headers=HX, data={
        "partner_id": overdue_abertas, "type": "meeting", "summary": "Quarterly plan"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="agenda"')
    assert status_message(response.text) == "Done: logged a meeting with Soluções Abertas Ltda."
    assert f"cadence:{overdue_abertas}" not in items(response.text)


def test_a_touch_without_summary_shows_the_error_beside_the_partner(client_as, overdue_abertas):
    client = client_as("lucia")
    response = client.post("/today/log", data={"partner_id": overdue_abertas, "type": "call", "summary": ""})
    assert response.status_code == 422
    item = item_html(response.text, f"cadence:{overdue_abertas}")
    assert "Not done:" in item and "at least 1 character" in item
    response = client.post("/today/log", headers=HX, data={"partner_id": overdue_abertas, "type": "fax",
                                                           "summary": "Sent a fax"})
    assert response.status_code == 200
    item = item_html(response.text, f"cadence:{overdue_abertas}")
    assert "Not done:" in item and 'value="Sent a fax"' in item  # what was typed stays


# Tasks ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_completing_a_task(client_as, db, lucia, world, headers):
    task = due_task(db, lucia, world)
    response = client_as("lucia").post(f"/today/tasks/{task.id}/complete", headers=headers)
    assert reload(db, Task, task.id).done_at is not None
    if headers:
        assert response.status_code == 200
        assert status_message(response.text) == "Done: completed “Send the price list”."
        assert f"task:{task.id}" not in items(response.text)
    else:
        assert response.status_code == 303 and response.headers["location"] == "/today"


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_snoozing_a_task_moves_it_to_tomorrow(client_as, db, lucia, world, headers):
    task = due_task(db, lucia, world, due=date.today() - timedelta(days=2))
    response = client_as("lucia").post(f"/today/tasks/{task.id}/snooze", headers=headers,
                                       data={"version": task.version, "days": "1"})
    snoozed = reload(db, Task, task.id)
    assert snoozed.due_on == utcnow().date() + timedelta(days=1) and snoozed.snoozes == 1
    if headers:
        assert "Done: snoozed “Send the price list” to" in status_message(response.text)
        assert f"task:{task.id}" not in items(response.text)
    else:
        assert response.status_code == 303


def test_a_stale_snooze_shows_the_error_beside_the_task(client_as, db, lucia, world):
    task = due_task(db, lucia, world)
    response = client_as("lucia").post(f"/today/tasks/{task.id}/snooze", headers=HX,
                                       data={"version": task.version + 5, "days": "1"})
    assert response.status_code == 200
    assert "Not done:" in item_html(response.text, f"task:{task.id}")
    assert reload(db, Task, task.id).due_on == date.today()


# Registrations -------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_approving_from_the_agenda(client_as, db, world, headers):
    reg_id = world.registrations["abertas"]
    response = client_as("lucia").post(f"/today/registrations/{reg_id}/approve", headers=headers,
                                       data={"version": reload(db, Registration, reg_id).version})
    assert reload(db, Registration, reg_id).status == RegistrationStatus.APPROVED
    if headers:
        assert status_message(response.text).startswith("Done: approved REG-")
        assert f"decision:{reg_id}" not in items(response.text)
    else:
        assert response.status_code == 303 and response.headers["location"] == "/today"


def test_a_stale_approval_shows_the_error_with_the_review_link(client_as, db, world):
    reg_id = world.registrations["abertas"]
    response = client_as("lucia").post(f"/today/registrations/{reg_id}/approve", data={"version": 99})
    assert response.status_code == 409
    item = item_html(response.text, f"decision:{reg_id}")
    assert "Not done:" in item and f'<a href="/registrations/{reg_id}">Open the full review →</a>' in item
    assert reload(db, Registration, reg_id).status == RegistrationStatus.SUBMITTED


def test_rejecting_needs_a_reason(client_as, db, world):
    reg_id, client = world.registrations["abertas"], client_as("lucia")
    version = reload(db, Registration, reg_id).version
    response = client.post(f"/today/registrations/{reg_id}/reject", headers=HX, data={"version": version, "reason": ""})
    assert response.status_code == 200
    item = item_html(response.text, f"decision:{reg_id}")
    assert re.search(r'id="e-decision-\d+-reason"[^>]*>String should have at least 3 characters<', item)
    assert reload(db, Registration, reg_id).status == RegistrationStatus.SUBMITTED
    assert client.post(f"/today/registrations/{reg_id}/reject", data={"version": version}).status_code == 422

    response = client.post(f"/today/registrations/{reg_id}/reject", headers=HX,
                           data={"version": version, "reason": "The customer buys direct."})
    rejected = reload(db, Registration, reg_id)
    assert rejected.status == RegistrationStatus.REJECTED and rejected.decision_reason == "The customer buys direct."
    assert status_message(response.text) == f"Done: rejected {rejected.reference}."


def test_a_decision_taken_elsewhere_shows_at_the_top(client_as, db, lucia, world):
    reg_id = world.registrations["abertas"]
    version = reload(db, Registration, reg_id).version
    registrations.approve(db, lucia, reg_id, ApproveIn(version=version))
    db.flush()
    response = client_as("lucia").post(f"/today/registrations/{reg_id}/reject", headers=HX,
                                       data={"version": version + 1, "reason": "Too late now"})
    assert response.status_code == 200
    assert re.search(r'role="alert"[^>]*>Not done: REG-\d+ is approved', response.text)


@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_extending_an_expiring_registration(client_as, db, lucia, world, headers):
    reg = expiring_registration(db, lucia, world)
    client = client_as("lucia")
    assert f"expiring:{reg.id}" in items(client.get("/today").text)
    before = reg.expires_on
    response = client.post(f"/today/registrations/{reg.id}/extend", headers=headers, data={"version": reg.version})
    extended = reload(db, Registration, reg.id)
    assert extended.expires_on > before and extended.extensions == 1
    if headers:
        assert status_message(response.text) == f"Done: extended {reg.reference} to {extended.expires_on:%Y-%m-%d}."
        assert f"expiring:{reg.id}" not in items(response.text)
    else:
        assert response.status_code == 303


# Opportunities -------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [{}, HX], ids=["form", "htmx"])
def test_updating_a_stalled_deals_stage(client_as, db, lucia, world, headers):
    opp = stalled_opportunity(db, lucia, world)
    client = client_as("lucia")
    page = client.get("/today").text
    assert items(page)[f"stalled:{opp.id}"] == "stalled"
    form = item_html(page, f"stalled:{opp.id}")
    assert "Move to…" in form and '<option value="discover" >Discover</option>' in form
    response = client.post(f"/today/opportunities/{opp.id}/move", headers=headers,
                           data={"version": opp.version, "stage": "discover", "kind": "stalled"})
    moved = reload(db, Opportunity, opp.id)
    assert moved.stage_changed_at.date() == utcnow().date()
    if headers:
        assert status_message(response.text) == f"Done: moved “{opp.name}” to Discover."
        assert f"stalled:{opp.id}" not in items(response.text)
    else:
        assert response.status_code == 303


def test_a_move_without_a_stage_shows_the_error(client_as, db, lucia, world):
    opp = stalled_opportunity(db, lucia, world)
    response = client_as("lucia").post(f"/today/opportunities/{opp.id}/move", headers=HX,
                                       data={"version": opp.version, "stage": "", "kind": "stalled"})
    item = item_html(response.text, f"stalled:{opp.id}")
    assert re.search(r'id="e-stalled-\d+-stage"[^>]*>Field required<', item)
    assert reload(db, Opportunity, opp.id).stage_changed_at.date() < utcnow().date()


def test_a_deal_past_its_close_date_links_to_its_edit_page(client_as, db, lucia, world):
    opp_id = world.opportunities["abertas"]
    opp = opportunities.get_opportunity(db, lucia, opp_id)
    opportunities.update_opportunity(db, lucia, opp_id, OpportunityUpdate(version=opp.version,
                                                                          close_date=date.today() - timedelta(days=3)))
    db.flush()
    item = item_html(client_as("lucia").get("/today").text, f"past_close:{opp_id}")
    assert f'href="/opportunities/{opp_id}/edit"' in item and "Overdue" in item
    assert 'name="kind" value="past_close"' in item


def test_this_weeks_events_link_to_the_activity(client_as, db, lucia, world):
    event = activities.log_activity(db, lucia, ActivityCreate(
        partner_id=world.partners["abertas"], type="event", summary="Partner summit",
        occurred_at=utcnow() + timedelta(days=2)))
    db.flush()
    item = item_html(client_as("lucia").get("/today").text, f"event:{event.id}")
    assert f'href="/activities/{event.id}"' in item and "Event: Partner summit" in item


# Who may act ---------------------------------------------------------------------------------------

def test_another_manager_cannot_act_on_lucias_items(client_as, db, lucia, world, overdue_abertas):
    task = due_task(db, lucia, world)
    reg_id = world.registrations["abertas"]
    version = reload(db, Registration, reg_id).version
    nathan = client_as("nathan")
    assert nathan.post(f"/today/tasks/{task.id}/complete").status_code == 404
    assert nathan.post(f"/today/tasks/{task.id}/snooze", data={"version": task.version, "days": 1}).status_code == 404
    assert nathan.post(f"/today/registrations/{reg_id}/approve", data={"version": version}).status_code == 404
    assert nathan.post("/today/log", data={"partner_id": overdue_abertas, "type": "call",
                                           "summary": "Not mine"}).status_code == 404
    assert nathan.post(f"/today/opportunities/{world.opportunities['abertas']}/move",
                       data={"version": 1, "stage": "propose"}).status_code == 404
    # With htmx the refusal shows on the agenda instead of replacing the page.
    response = nathan.post(f"/today/tasks/{task.id}/complete", headers=HX)
    assert response.status_code == 200 and 'role="alert"' in response.text
    assert reload(db, Task, task.id).done_at is None
    assert reload(db, Registration, reg_id).status == RegistrationStatus.SUBMITTED


def test_partner_users_cannot_act(client_as, db, world):
    reg_id = world.registrations["abertas"]
    response = client_as("ana").post(f"/today/registrations/{reg_id}/approve",
                                     data={"version": reload(db, Registration, reg_id).version})
    assert response.status_code == 403
    assert reload(db, Registration, reg_id).status == RegistrationStatus.SUBMITTED


# Signing in ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("email, landing", [("lucia@channelbase.demo", "/today"), ("admin@channelbase.demo", "/today"),
                                            ("ana@abertas.com.br", "/")])
def test_sign_in_lands_staff_on_my_day(anon, email, landing):
    anon.cookies.set("cb_csrf", "abc")
    response = anon.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": "abc", "next": "/"})
    assert response.status_code == 303 and response.headers["location"] == landing


def test_sign_in_still_honours_the_asked_for_page(anon):
    anon.cookies.set("cb_csrf", "abc")
    response = anon.post("/login", data={"email": "lucia@channelbase.demo", "password": DEMO_PASSWORD,
                                         "csrf_token": "abc", "next": "/partners"})
    assert response.headers["location"] == "/partners"
