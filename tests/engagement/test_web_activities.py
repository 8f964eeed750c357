"""Activity pages through the real app: the list and its filters, the full form with contacts and deals,
the detail and edit pages, and the quick-log panel on partner, opportunity and registration pages."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.engagement import activities, cadence
from channelbase.engagement.models import Activity, Task, activity_contacts
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn

HTMX = {"HX-Request": "true"}


def _log(db, actor, partner_id: int, summary: str, type_: str = "call", **fields) -> Activity:
    activity = activities.log_activity(db, actor, ActivityCreate(partner_id=partner_id, type=type_, summary=summary,
                                                                 **fields))
    db.flush()
    return activity


def _text(page: str) -> str:
    return html.unescape(page)


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<small class="error" id="[\w-]*e-{name}"[^>]*>([^<]*)</small>', page)
    assert found, f"no error slot for {name}"
    return html.unescape(found.group(1)).strip()


def _activities(db, partner_id: int) -> list[Activity]:
    db.expire_all()
    return list(db.scalars(select(Activity).where(Activity.partner_id == partner_id).order_by(Activity.id)))


# The list ------------------------------------------------------------------------------------------

def test_the_list_filters_by_type_partner_and_text(client_as, db, lucia, world):
    _log(db, lucia, world.partners["abertas"], "Pipeline review with Ana")
    _log(db, lucia, world.partners["abertas"], "Quarterly business review", type_="qbr")
    _log(db, lucia, world.partners["bravo"], "Call about the MSP bundle")
    client = client_as("lucia")
    page = _text(client.get("/activities").text)
    assert all(s in page for s in ("Pipeline review with Ana", "Quarterly business review", "Call about the MSP bundle"))
    only_qbr = _text(client.get("/activities", params={"type": "qbr"}).text)
    assert "Quarterly business review" in only_qbr and "Pipeline review" not in only_qbr
    bravo = _text(client.get("/activities", params={"partner_id": world.partners["bravo"]}).text)
    assert "MSP bundle" in bravo and "Quarterly" not in bravo
    searched = _text(client.get("/activities", params={"q": "pipeline"}).text)
    assert "Pipeline review with Ana" in searched and "MSP bundle" not in searched


def test_htmx_gets_only_the_results_and_the_tidy_url(client_as, db, lucia, world):
    _log(db, lucia, world.partners["abertas"], "Pipeline review")
    response = client_as("lucia").get("/activities", params={"type": "call", "q": ""}, headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text and "Pipeline review" in response.text
    assert response.headers["HX-Push-Url"] == "/activities?type=call"


def test_the_list_pages_and_sorts_oldest_first_on_request(client_as, db, lucia, world):
    now = utcnow()
    for days, summary in ((3, "Oldest touch"), (2, "Middle touch"), (1, "Newest touch")):
        _log(db, lucia, world.partners["abertas"], summary, occurred_at=now - timedelta(days=days))
    client = client_as("lucia")
    first = _text(client.get("/activities", params={"per_page": 2}).text)
    assert "Newest touch" in first and "Middle touch" in first and "Oldest touch" not in first
    assert "1–2 of 3" in first and 'rel="next"' in first
    oldest_first = _text(client.get("/activities", params={"sort": "occurred", "per_page": 1}).text)
    assert "Oldest touch" in oldest_first and "Newest touch" not in oldest_first


def test_an_empty_list_says_how_to_start_and_bad_filters_say_what_is_wrong(client_as):
    client = client_as("nathan")
    assert "No activities logged yet" in client.get("/activities").text
    bad = client.get("/activities", params={"since": "last week"})
    assert bad.status_code == 422 and "since" in _text(bad.text)


def test_partner_users_may_not_open_activity_pages(client_as, db, lucia, world):
    activity = _log(db, lucia, world.partners["abertas"], "Internal notes on Abertas")
    ana = client_as("ana")
    assert ana.get("/activities").status_code == 403
    assert ana.get(f"/activities/{activity.id}").status_code == 403
    assert ana.post("/activities/quick", data={"partner_id": world.partners["abertas"], "type": "call",
                                               "summary": "x"}).status_code == 403
    nathan = client_as("nathan")
    assert nathan.get(f"/activities/{activity.id}").status_code == 404
    assert nathan.post("/activities", data={"partner_id": world.partners["abertas"], "type": "call",
                                            "summary": "Sneaky"}).status_code == 404
    assert [a.summary for a in _activities(db, world.partners["abertas"])] == ["Internal notes on Abertas"]


# The full form -------------------------------------------------------------------------------------

def test_the_form_lists_the_chosen_partners_contacts_and_deals(client_as, world):
    page = _text(client_as("lucia").get("/activities/new", params={"partner_id": world.partners["abertas"]}).text)
    assert f'name="contact_ids" value="{world.contacts["ana"]}"' in page and "Ana Souza" in page
    assert "Banco Horizonte — Kubernetes platform" in page and "Campinas — server refresh" in page
    assert re.search(rf'<option value="{world.partners["abertas"]}" selected>', page)
    assert 'type="datetime-local"' in page and re.search(r'name="occurred_at" type="datetime-local" value="\d{4}-\d\d-\d\dT\d\d:\d\d"', page)


def test_picking_another_partner_reloads_its_contacts_and_keeps_the_token_out_of_the_url(client_as, world):
    client = client_as("lucia")
    reloaded = client.get("/activities/new", params={"partner_id": world.partners["bravo"], "summary": "Typed",
                                                     "csrf_token": "secret"})
    assert reloaded.status_code == 303 and "csrf_token" not in reloaded.headers["location"]
    page = _text(client.get(reloaded.headers["location"]).text)
    assert "Bruno Castillo" in page and "Ana Souza" not in page and 'value="Typed"' in page
    assert 'id="partner-fields"' in page and 'hx-select="#partner-fields"' in page


def test_logging_with_contacts_a_deal_and_a_next_step_makes_a_task(client_as, db, world):
    due = date.today() + timedelta(days=3)
    response = client_as("lucia").post("/activities", data={
        "partner_id": world.partners["abertas"], "type": "meeting", "summary": "Architecture workshop",
        "outcome": "They want a PoC.", "contact_ids": [str(world.contacts["ana"])],
        "opportunity_id": str(world.opportunities["abertas"]), "registration_id": "",
        "next_step": "Send the PoC plan", "next_step_due": due.isoformat(), "occurred_at": ""})
    assert response.status_code == 303 and response.headers["location"] == f"/partners/{world.partners['abertas']}"
    (activity,) = _activities(db, world.partners["abertas"])
    assert (activity.type, activity.outcome, activity.opportunity_id) == ("meeting", "They want a PoC.",
                                                                          world.opportunities["abertas"])
    contacts = db.scalars(select(activity_contacts.c.contact_id).where(activity_contacts.c.activity_id == activity.id))
    assert list(contacts) == [world.contacts["ana"]]
    task = db.scalars(select(Task).where(Task.activity_id == activity.id)).one()
    assert (task.title, task.due_on, task.assignee_id) == ("Send the PoC plan", due, world.users["lucia"])


def test_the_form_reads_the_time_in_the_users_zone(client_as, db, world):
    db.get_one(User, world.users["lucia"]).timezone = "America/Sao_Paulo"  # UTC-3, no daylight saving
    db.flush()
    when = (utcnow() - timedelta(days=1)).replace(hour=10, minute=30, second=0, microsecond=0)
    client_as("lucia").post("/activities", data={
        "partner_id": world.partners["abertas"], "type": "call", "summary": "Morning call",
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M")})
    (activity,) = _activities(db, world.partners["abertas"])
    stored = activity.occurred_at.astimezone(timezone.utc)
    assert (stored.hour, stored.minute) == (13, 30)
    page = _text(client_as("lucia").get(f"/activities/{activity.id}").text)
    assert when.strftime("%Y-%m-%d 10:30") in page


def test_a_next_local_path_is_followed_but_another_site_is_not(client_as, db, world):
    client = client_as("lucia")
    data = {"partner_id": world.partners["abertas"], "type": "call", "summary": "Quick call"}
    assert client.post("/activities", data={**data, "next": "/opportunities/1"}).headers["location"] == "/opportunities/1"
    assert client.post("/activities", data={**data, "next": "//evil.example/x"}).headers["location"] == \
        f"/partners/{world.partners['abertas']}"


def test_an_activity_without_a_summary_is_refused_beside_the_field(client_as, db, world):
    response = client_as("lucia").post("/activities", data={
        "partner_id": world.partners["abertas"], "type": "call", "summary": "  ", "outcome": "Kept text"})
    assert response.status_code == 422
    page = response.text
    assert _field_error(page, "summary") == "required" and 'class="alert alert-error"' in page
    assert "Kept text" in page and "Ana Souza" in page  # what was typed, and the partner's contacts, stay
    assert _activities(db, world.partners["abertas"]) == []


def test_a_next_step_date_without_the_step_and_an_old_date_are_refused(client_as, world):
    client = client_as("lucia")
    base = {"partner_id": world.partners["abertas"], "type": "call", "summary": "Call"}
    missing_step = client.post("/activities", data={**base, "next_step_due": date.today().isoformat()})
    assert missing_step.status_code == 422 and _field_error(missing_step.text, "next_step") == "say what the next step is"
    too_old = client.post("/activities", data={**base, "occurred_at": "2001-01-01T10:00"})
    assert too_old.status_code == 422 and _field_error(too_old.text, "occurred_at") == "more than five years ago"


# One activity ---------------------------------------------------------------------------------------

def test_the_detail_shows_contacts_the_deal_the_task_and_the_history(client_as, db, lucia, world):
    activity = _log(db, lucia, world.partners["abertas"], "Workshop", type_="meeting",
                    contact_ids=[world.contacts["ana"]], opportunity_id=world.opportunities["abertas"],
                    next_step="Send the deck", next_step_due=date.today() + timedelta(days=2))
    page = _text(client_as("lucia").get(f"/activities/{activity.id}").text)
    assert "Ana Souza" in page and "Banco Horizonte — Kubernetes platform" in page
    task = db.scalars(select(Task).where(Task.activity_id == activity.id)).one()
    assert f'href="/tasks/{task.id}">Send the deck</a>' in page
    assert "<strong>create</strong> by" in page


def test_editing_saves_and_a_stale_edit_shows_the_conflict(client_as, db, lucia, world):
    activity = _log(db, lucia, world.partners["abertas"], "First summary")
    client = client_as("lucia")
    form = client.get(f"/activities/{activity.id}/edit").text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    fields = {"type": "meeting", "summary": "Better summary", "outcome": "", "next_step": "",
              "occurred_at": re.search(r'name="occurred_at" type="datetime-local" value="([^"]+)"', form).group(1)}
    saved = client.post(f"/activities/{activity.id}", data={**fields, "version": version})
    assert saved.status_code == 303
    db.expire_all()
    assert (db.get(Activity, activity.id).summary, db.get(Activity, activity.id).type) == ("Better summary", "meeting")
    stale = client.post(f"/activities/{activity.id}", data={**fields, "summary": "Lost words", "version": version})
    assert stale.status_code == 409
    page = _text(stale.text)
    assert "changed by" in page and "Review and retry" in page and "Lost words" in page  # the unsaved table
    assert 'value="Better summary"' in page


def test_blanking_the_summary_on_edit_is_refused(client_as, db, lucia, world):
    activity = _log(db, lucia, world.partners["abertas"], "Keep me")
    response = client_as("lucia").post(f"/activities/{activity.id}", data={"summary": "", "version": 1, "type": "call"})
    assert response.status_code == 422 and _field_error(response.text, "summary") == "required"
    db.expire_all()
    assert db.get(Activity, activity.id).summary == "Keep me"


def test_deleting_returns_to_the_partner(client_as, db, lucia, world):
    activity = _log(db, lucia, world.partners["abertas"], "Logged by mistake")
    response = client_as("lucia").post(f"/activities/{activity.id}/delete")
    assert response.status_code == 303 and response.headers["location"] == f"/partners/{world.partners['abertas']}"
    assert _activities(db, world.partners["abertas"]) == []


# Quick log --------------------------------------------------------------------------------------------

def _rule(db, admin, **fields) -> None:
    cadence.create_rule(db, admin, CadenceRuleIn(**{"name": "Everyone", "every_days": 14,
                                                    "counted_types": ["call", "meeting"], **fields}))
    db.flush()


def test_the_partner_page_shows_the_panel_with_cadence_touches_and_tasks(client_as, db, admin, lucia, world):
    _rule(db, admin, name="Priority partners", is_priority=True, every_days=7)
    _log(db, lucia, world.partners["abertas"], "Old call", occurred_at=utcnow() - timedelta(days=10),
         next_step="Chase the PO", next_step_due=date.today() - timedelta(days=1))
    page = _text(client_as("lucia").get(f"/partners/{world.partners['abertas']}").text)
    assert 'id="quick-log-%d"' % world.partners["abertas"] in page
    for label in ("Call", "Meeting", "E-mail", "QBR", "Note"):
        assert f">{label}</label>" in page
    assert "Priority partners · every 7 days" in page and "Overdue · 3 d" in page
    assert "Old call" in page and "Chase the PO" in page and "task-overdue" in page


def test_partner_users_see_no_engagement_on_their_pages(client_as, db, lucia, world):
    _log(db, lucia, world.partners["abertas"], "Internal: pricing worries")
    ana = client_as("ana")
    for url in (f"/partners/{world.partners['abertas']}", f"/registrations/{world.registrations['abertas']}",
                f"/opportunities/{world.opportunities['abertas']}"):
        page = ana.get(url).text
        assert "/activities/quick" not in page and "pricing worries" not in page, url


def test_quick_log_with_htmx_re_renders_the_panel(client_as, db, world):
    partner_id = world.partners["abertas"]
    response = client_as("lucia").post("/activities/quick", headers=HTMX, data={
        "partner_id": partner_id, "type": "call", "summary": "Checked in on the tender",
        "next": f"/partners/{partner_id}"})
    assert response.status_code == 200 and "<html" not in response.text
    page = _text(response.text)
    assert page.lstrip().startswith(f'<section class="card quick-log" id="quick-log-{partner_id}"')
    assert "Logged: Call “Checked in on the tender”." in page
    assert re.search(r'<a href="/activities/\d+">Checked in on the tender</a>', page)  # now in the recent list
    assert 'name="summary" maxlength="500" autocomplete="off" required\n               value=""' in page  # cleared
    (activity,) = _activities(db, partner_id)
    assert (activity.type, activity.owner_id) == ("call", world.users["lucia"])


def test_quick_log_with_a_next_step_says_so(client_as, db, world):
    due = date.today() + timedelta(days=7)
    page = _text(client_as("lucia").post("/activities/quick", headers=HTMX, data={
        "partner_id": world.partners["abertas"], "type": "meeting", "summary": "Met the CFO",
        "next_step": "Send the proposal", "next_step_due": due.isoformat()}).text)
    assert f"Logged: Meeting “Met the CFO”; task “Send the proposal” due {due.isoformat()}." in page
    assert "Send the proposal" in page.split("Open tasks")[1]


def test_quick_log_errors_come_back_in_the_panel_keeping_the_choice(client_as, db, world):
    response = client_as("lucia").post("/activities/quick", headers=HTMX, data={
        "partner_id": world.partners["abertas"], "type": "email", "summary": ""})
    assert response.status_code == 200  # htmx swaps only 2xx answers
    page = response.text
    assert _field_error(page, "summary") == "required" and "ql-error" in page
    assert re.search(r'value="email" id="[\w-]+-t-email" required\s+checked', page)
    assert _activities(db, world.partners["abertas"]) == []


def test_quick_log_without_javascript_redirects_back(client_as, db, world):
    back = f"/opportunities/{world.opportunities['abertas']}"
    response = client_as("lucia").post("/activities/quick", data={
        "partner_id": world.partners["abertas"], "opportunity_id": world.opportunities["abertas"], "type": "note",
        "summary": "Budget confirmed", "next": back})
    assert response.status_code == 303 and response.headers["location"] == back
    (activity,) = _activities(db, world.partners["abertas"])
    assert activity.opportunity_id == world.opportunities["abertas"]


def test_quick_log_without_javascript_shows_errors_on_the_full_form(client_as, world):
    response = client_as("lucia").post("/activities/quick", data={
        "partner_id": world.partners["abertas"], "type": "call", "summary": "", "next": "/partners/1"})
    assert response.status_code == 422 and _field_error(response.text, "summary") == "required"
    assert 'name="next" value="/partners/1"' in response.text


def test_the_deal_pages_log_against_their_deal(client_as, db, lucia, world):
    client = client_as("lucia")
    opportunity_page = client.get(f"/opportunities/{world.opportunities['abertas']}").text
    assert f'<input type="hidden" name="opportunity_id" value="{world.opportunities["abertas"]}">' in opportunity_page
    registration_page = client.get(f"/registrations/{world.registrations['abertas']}").text
    assert f'<input type="hidden" name="registration_id" value="{world.registrations["abertas"]}">' in registration_page
    response = client.post("/activities/quick", headers=HTMX, data={
        "partner_id": world.partners["abertas"], "registration_id": world.registrations["abertas"], "type": "call",
        "summary": "Asked about the tender date"})
    page = _text(response.text)
    assert f'id="quick-log-{world.partners["abertas"]}-r{world.registrations["abertas"]}"' in page
    assert "Touches on this deal" in page and "Asked about the tender date" in page
    (activity,) = _activities(db, world.partners["abertas"])
    assert activity.registration_id == world.registrations["abertas"]


def test_the_panel_lists_only_the_deals_own_touches(client_as, db, lucia, world):
    _log(db, lucia, world.partners["abertas"], "General partner call")
    _log(db, lucia, world.partners["abertas"], "Deal call", opportunity_id=world.opportunities["abertas"])
    page = _text(client_as("lucia").get(f"/opportunities/{world.opportunities['abertas']}").text)
    panel = page.split('class="card quick-log"')[1]
    assert "Deal call" in panel and "General partner call" not in panel


def test_the_activity_time_shows_in_the_users_zone_on_the_panel(client_as, db, lucia, world):
    when = datetime(2026, 1, 15, 23, 30, tzinfo=timezone.utc)
    if when > utcnow():  # keep the activity in the past for any run date
        when = utcnow() - timedelta(days=30)
    _log(db, lucia, world.partners["abertas"], "Late call", occurred_at=when)
    db.get_one(User, world.users["lucia"]).timezone = "Asia/Tokyo"  # UTC+9: already the next day
    db.flush()
    page = client_as("lucia").get(f"/partners/{world.partners['abertas']}").text
    assert (when + timedelta(hours=9)).strftime("%Y-%m-%d") in page.split("Recent activities")[1]
