"""Acceptance: `channelbase today` prints the same items as the My day page for the same user.

One SQLite file serves both: the CLI opens it through its settings, the web app is built on the same
engine, and Lucía signs in to it. The page marks each item with data-item="kind:id" and
data-section="section key", and its title with class "item-title" (engagement/today/_item.html)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from channelbase import cli_support
from channelbase.app import create_app
from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from channelbase.core.base import utcnow
from channelbase.core.config import Settings
from channelbase.core.db import make_sessionmaker, unit_of_work
from channelbase.demo.world import World
from channelbase.engagement import activities, cadence, tasks
from channelbase.engagement import cli as engagement_cli
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn, TaskCreate
from tests.cli_harness import cli_database, invoke

LUCIA = "lucia@channelbase.demo"


class AgendaItems(HTMLParser):
    """(key, section, title) of every element carrying data-item, the title read from its .item-title."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, str]] = []
        self.headline: str | None = None
        self._reading: str | None = None  # "title" or "headline" while inside that element
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if "data-item" in found:
            self.items.append({"key": found["data-item"], "section": found.get("data-section", ""), "title": ""})
        if self._reading:
            self._depth += 1
        elif "item-title" in (found.get("class") or "").split() and self.items:
            self._reading, self._depth = "title", 1
        elif "data-headline" in found:
            self._reading, self._depth, self.headline = "headline", 1, ""

    def handle_endtag(self, tag):
        if self._reading:
            self._depth -= 1
            if self._depth == 0:
                self._reading = None

    def handle_data(self, data):
        if self._reading == "title":
            self.items[-1]["title"] += data
        elif self._reading == "headline":
            self.headline = (self.headline or "") + data


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("today_parity"), wide_consoles=(engagement_cli,)) as world:
        yield world


@pytest.fixture(scope="module")
def lucias_day(cli_world) -> World:
    """A cadence rule and an overdue priority partner, a task due today, a meeting this week; the seeded
    registration awaits a decision."""
    with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
        admin, lucia = (session.get_one(User, cli_world.users[k]) for k in ("admin", "lucia"))
        cadence.create_rule(session, admin, CadenceRuleIn(name="Priority partners", every_days=14,
                                                          counted_types=["call", "meeting"], is_priority=True))
        activities.log_activity(session, lucia, ActivityCreate(
            partner_id=cli_world.partners["abertas"], type="call", summary="Old call",
            occurred_at=utcnow() - timedelta(days=30)))
        tasks.create_task(session, lucia, TaskCreate(title="Send the price list", due_on=date.today(),
                                                     partner_id=cli_world.partners["delta"]))
        activities.log_activity(session, lucia, ActivityCreate(
            partner_id=cli_world.partners["bravo"], type="training", summary="Onboarding training",
            occurred_at=utcnow() + timedelta(days=2)))
    return cli_world


def page_as(world: World, key: str) -> AgendaItems:
    app = create_app(Settings(_env_file=None, secret_key="p" * 40, database_url=str(cli_support.engine().url)),
                     session_factory=make_sessionmaker(cli_support.engine()))
    with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
        token = auth_service.start_session(session, session.get_one(User, world.users[key]))
    with TestClient(app, base_url="http://testserver", cookies={"cb_session": token}) as client:
        response = client.get("/today")
    assert response.status_code == 200, response.text[:500]
    parsed = AgendaItems()
    parsed.feed(response.text)
    return parsed


def test_channelbase_today_prints_the_same_items_as_the_page(lucias_day):
    page = page_as(lucias_day, "lucia")
    as_json = invoke("--as", LUCIA, "today", "--json")
    assert as_json.exit_code == 0, as_json.output
    agenda = json.loads(as_json.stdout)
    cli_items = {(item["key"], section["key"], item["title"]) for section in agenda["sections"]
                 for item in section["items"]}
    page_items = {(item["key"], item["section"], item["title"].strip()) for item in page.items}
    assert page_items == cli_items
    assert len(page.items) == len(page_items)  # each item once on the page
    # The day set up above is all there: nothing was compared vacuously.
    keys = {key for key, _, _ in cli_items}
    assert {f"cadence:{lucias_day.partners['abertas']}", f"decision:{lucias_day.registrations['abertas']}"} <= keys
    assert {"cadence", "tasks", "decisions", "week"} <= {section for _, section, _ in cli_items}
    assert page.headline is not None and page.headline.strip() == agenda["headline"]

    plain = invoke("--as", LUCIA, "today")
    assert plain.exit_code == 0, plain.output
    assert agenda["headline"] in plain.stdout
    for key, _, title in cli_items:
        line = next((line for line in plain.stdout.splitlines() if f"[{key}]" in line), "")
        assert title in line, f"{key} {title!r} missing from the plain output:\n{plain.stdout}"
    for section in agenda["sections"]:
        if section["total"]:
            assert f"{section['title']} ({section['total']})" in plain.stdout


def test_the_page_and_the_cli_agree_for_a_manager_with_nothing_to_do(lucias_day):
    page = page_as(lucias_day, "nathan")
    agenda = json.loads(invoke("--as", "nathan@channelbase.demo", "today", "--json").stdout)
    assert page.items == [] and all(not section["items"] for section in agenda["sections"])
    assert page.headline is not None and page.headline.strip() == agenda["headline"] == "Nothing needs you today."
    assert "Nothing needs you today." in invoke("--as", "nathan@channelbase.demo", "today").stdout
