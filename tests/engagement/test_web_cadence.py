"""Cadence pages through the real app: a manager's list with coverage, states and a quick log per row,
and the admin pages for the rules, with their checks."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from channelbase.core.base import utcnow
from channelbase.engagement import activities, cadence
from channelbase.engagement.models import CadenceRule
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn

HTMX = {"HX-Request": "true"}


def _rule(db, admin, **fields) -> CadenceRule:
    rule = cadence.create_rule(db, admin, CadenceRuleIn(**{"name": "Every partner", "every_days": 7,
                                                           "counted_types": ["call", "meeting"], **fields}))
    db.flush()
    return rule


def _call(db, actor, partner_id: int, days_ago: int, type_: str = "call") -> None:
    activities.log_activity(db, actor, ActivityCreate(partner_id=partner_id, type=type_, summary="Earlier touch",
                                                      occurred_at=utcnow() - timedelta(days=days_ago)))
    db.flush()


def _text(page: str) -> str:
    return html.unescape(page)


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<small class="error" id="e-{name}"[^>]*>([^<]*)</small>', page)
    assert found, f"no error slot for {name}"
    return html.unescape(found.group(1)).strip()


def _rows(page: str) -> dict[int, str]:
    return {int(pid): row for pid, row in re.findall(r'<tr class="cadence-row [^"]*" data-partner="(\d+)">(.*?)</tr>',
                                                     page, re.S)}


# The manager's list ---------------------------------------------------------------------------------

def test_an_overdue_partner_leaves_the_overdue_list_once_a_call_is_logged(client_as, db, admin, lucia, world):
    _rule(db, admin)
    abertas = world.partners["abertas"]
    _call(db, lucia, abertas, days_ago=10)  # every 7 days: 3 days overdue
    client = client_as("lucia")
    page = _text(client.get("/cadence", params={"state": "overdue"}).text)
    rows = _rows(page)
    assert list(rows) == [abertas] and "Overdue · 3 d" in rows[abertas]
    assert "Cadence coverage: 1 of 2 priority partners within cadence (50 %)" in page  # abertas late, delta fine
    logged = client.post("/activities/quick", headers=HTMX, data={
        "partner_id": abertas, "type": "call", "summary": "Caught up on the pipeline", "panel": "compact",
        "next": "/cadence?state=overdue"})
    assert "Logged: Call “Caught up on the pipeline”." in _text(logged.text) and "Next touch by" in logged.text
    assert 'class="quick-log compact"' in logged.text and "Recent activities" not in logged.text
    after = _text(client.get("/cadence", params={"state": "overdue"}).text)
    assert _rows(after) == {} and "Nobody is overdue" in after
    assert "Cadence coverage: 2 of 2 priority partners within cadence (100 %)" in after


def test_the_list_shows_rule_interval_last_touch_and_state_with_a_quick_log(client_as, db, admin, lucia, world):
    _rule(db, admin, name="Priority partners", is_priority=True, every_days=14)
    _rule(db, admin, name="Everyone else", every_days=30)
    _call(db, lucia, world.partners["delta"], days_ago=14)  # due today
    rows = _rows(_text(client_as("lucia").get("/cadence").text))
    assert set(rows) == {world.partners["abertas"], world.partners["bravo"], world.partners["delta"]}
    delta = rows[world.partners["delta"]]
    assert "Priority partners" in delta and "14 d" in delta and "Due today" in delta
    assert (utcnow() - timedelta(days=14)).strftime("%Y-%m-%d") in delta
    bravo = rows[world.partners["bravo"]]
    assert "Everyone else" in bravo and "never" in bravo and "cadence-ok" in bravo
    assert 'action="/activities/quick"' in bravo and 'name="panel" value="compact"' in bravo
    assert f'id="quick-log-{world.partners["bravo"]}-c"' in bravo


def test_the_due_filter_includes_today_and_the_overdue(client_as, db, admin, lucia, world):
    _rule(db, admin)
    _call(db, lucia, world.partners["abertas"], days_ago=9)
    _call(db, lucia, world.partners["delta"], days_ago=7)
    client = client_as("lucia")
    due = _rows(client.get("/cadence", params={"state": "due"}).text)
    assert set(due) == {world.partners["abertas"], world.partners["delta"]}
    overdue = _rows(client.get("/cadence", params={"state": "overdue"}).text)
    assert set(overdue) == {world.partners["abertas"]}


def test_priority_territory_and_name_filters_and_pages(client_as, db, admin, world):
    _rule(db, admin)
    client = client_as("lucia")
    priority = _rows(client.get("/cadence", params={"priority_only": "1"}).text)
    assert set(priority) == {world.partners["abertas"], world.partners["delta"]}
    mexico = client.get("/cadence", params={"territory_id": world.territories["mexico"]}).text
    assert set(_rows(mexico)) == {world.partners["bravo"]} and "in Mexico" in mexico
    assert "no priority partner follows a cadence rule yet" in mexico
    named = _rows(client.get("/cadence", params={"q": "delta"}).text)
    assert set(named) == {world.partners["delta"]}
    first = client.get("/cadence", params={"per_page": 2}).text
    assert len(_rows(first)) == 2 and "1–2 of 3" in first
    second = client.get("/cadence", params={"per_page": 2, "page": 2}).text
    assert len(_rows(second)) == 1 and not set(_rows(second)) & set(_rows(first))


def test_another_managers_territory_is_refused_as_a_filter(client_as, db, admin, world):
    _rule(db, admin)
    response = client_as("lucia").get("/cadence", params={"territory_id": world.territories["us_east"]})
    assert response.status_code == 422 and "Pick one of your territories" in response.text
    assert world.partners["northwind"] not in _rows(response.text)


def test_htmx_gets_the_table_and_managers_see_only_their_partners(client_as, db, admin, world):
    _rule(db, admin)
    fragment = client_as("nathan").get("/cadence", headers=HTMX)
    assert "<html" not in fragment.text and set(_rows(fragment.text)) == {world.partners["northwind"]}


def test_without_rules_the_list_says_who_sets_them(client_as):
    assert "An admin sets the rules" in client_as("lucia").get("/cadence").text
    assert 'href="/cadence/rules/new"' in client_as("admin").get("/cadence").text


def test_partner_users_may_not_see_cadence(client_as):
    ana = client_as("ana")
    assert ana.get("/cadence").status_code == 403 and ana.get("/cadence/rules").status_code == 403


# Rules ----------------------------------------------------------------------------------------------

def test_an_admin_adds_a_rule_with_criteria(client_as, db, world):
    client = client_as("admin")
    form = client.get("/cadence/rules/new").text
    assert 'name="counted_types" value="call" checked' in form and 'name="every_days" type="number"' in form
    response = client.post("/cadence/rules", data={
        "name": "Priority distributors", "every_days": "14", "counted_types": ["call", "meeting"],
        "partner_type": "distributor", "tier": "", "is_priority": "yes",
        "territory_id": world.territories["latam"], "active": "1"})
    assert response.status_code == 303 and response.headers["location"] == "/cadence/rules"
    rule = db.scalars(select(CadenceRule).where(CadenceRule.name == "Priority distributors")).one()
    assert (rule.every_days, rule.types, rule.partner_type, rule.tier, rule.is_priority, rule.territory_id,
            rule.active) == (14, ("call", "meeting"), "distributor", None, True, world.territories["latam"], True)
    listing = _text(client.get("/cadence/rules").text)
    row = re.search(r"<td>Priority distributors</td>.*?</tr>", listing, re.S).group(0)
    assert "Call, Meeting" in row and "Distributor" in row and "Latin America" in row
    assert re.search(r'<td class="num">1</td>', row)  # governs Distribuidora Delta now


def test_a_cadence_of_zero_days_is_refused_beside_the_field(client_as, db):
    response = client_as("admin").post("/cadence/rules", data={
        "name": "Too eager", "every_days": "0", "counted_types": ["call"], "active": "1"})
    assert response.status_code == 422
    assert _field_error(response.text, "every_days") == "must be at least 1 day"
    assert "every days: must be at least 1 day" in _text(response.text)
    assert 'value="Too eager"' in response.text
    assert db.scalars(select(CadenceRule).where(CadenceRule.name == "Too eager")).first() is None


def test_a_rule_needs_a_counted_type_and_a_unique_name(client_as, db, admin):
    _rule(db, admin, name="Taken")
    client = client_as("admin")
    untyped = client.post("/cadence/rules", data={"name": "No types", "every_days": "30"})
    assert untyped.status_code == 422 and _field_error(untyped.text, "counted_types") == "tick at least one activity type"
    duplicate = client.post("/cadence/rules", data={"name": "Taken", "every_days": "30", "counted_types": ["note"]})
    assert duplicate.status_code == 409 and _field_error(duplicate.text, "name") == "already used"


def test_an_admin_edits_deactivates_and_deletes_a_rule(client_as, db, admin):
    rule = _rule(db, admin, name="Monthly", every_days=30)
    rule_id, loaded_version = rule.id, rule.version
    client = client_as("admin")
    form = client.get(f"/cadence/rules/{rule.id}/edit").text
    assert 'value="Monthly"' in form and 'name="active" value="1" checked' in form
    response = client.post(f"/cadence/rules/{rule.id}", data={
        "name": "Monthly", "every_days": "21", "counted_types": ["call", "qbr"], "is_priority": "no",
        "version": loaded_version})  # 'active' unticked
    assert response.status_code == 303
    db.expire_all()
    changed = db.get_one(CadenceRule, rule.id)
    assert (changed.every_days, changed.types, changed.is_priority, changed.active) == (21, ("call", "qbr"), False, False)
    stale = client.post(f"/cadence/rules/{rule.id}", data={"name": "Monthly", "every_days": "5",
                                                           "counted_types": ["call"], "version": loaded_version})
    assert stale.status_code == 409 and "changed by" in _text(stale.text)
    assert client.post(f"/cadence/rules/{rule_id}/delete").status_code == 303
    db.expire_all()
    assert db.get(CadenceRule, rule_id) is None


def test_managers_read_the_rules_but_may_not_change_them(client_as, db, admin):
    rule = _rule(db, admin, name="Read only")
    lucia = client_as("lucia")
    listing = lucia.get("/cadence/rules").text
    assert "Read only" in listing and f"/cadence/rules/{rule.id}/edit" not in listing
    assert lucia.get("/cadence/rules/new").status_code == 403
    assert lucia.get(f"/cadence/rules/{rule.id}/edit").status_code == 403
    assert lucia.post(f"/cadence/rules/{rule.id}/delete").status_code == 403
    assert lucia.post("/cadence/rules", data={"name": "Mine", "every_days": "3", "counted_types": ["call"]}).status_code == 403

