"""Trainings through the JSON API and the `channelbase trainings` commands: the same services, the same rules
(a full session waitlists, partner users enrol only their own people, certifications by partner)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from channelbase.demo.world import World
from channelbase.enablement import catalogue, enrolments
from channelbase.enablement import cli as trainings_cli
from channelbase.enablement.schemas import CourseIn, ResultIn, SessionIn
from tests.cli_harness import cli_database, invoke

LUCIA = "lucia@channelbase.demo"


def test_the_api_lists_sessions_with_seats_and_waitlists_the_third_enrolment(api_as, db, training):
    lucia = api_as("lucia")
    sessions = lucia.get("/api/v1/trainings/sessions").json()
    mine = next(s for s in sessions if s["id"] == training.session_id)
    assert (mine["capacity"], mine["enrolled"], mine["seats_left"], mine["course"]["name"]) == (
        2, 0, 2, "Linux sales essentials")
    statuses = []
    for contact_id in training.contacts:
        response = lucia.post(f"/api/v1/trainings/sessions/{training.session_id}/enrolments",
                              json={"contact_id": contact_id})
        assert response.status_code == 201, response.text
        statuses.append(response.json()["status"])
    assert statuses == ["enrolled", "enrolled", "waitlisted"]
    again = lucia.post(f"/api/v1/trainings/sessions/{training.session_id}/enrolments",
                       json={"contact_id": training.contacts[0]})
    assert again.status_code == 409 and "already" in again.json()["detail"]
    after = next(s for s in lucia.get("/api/v1/trainings/sessions").json() if s["id"] == training.session_id)
    assert (after["enrolled"], after["waitlisted"], after["seats_left"]) == (2, 1, 0)


def test_partner_users_enrol_their_own_people_only(api_as, world, training):
    ana, bruno = api_as("ana"), api_as("bruno")
    url = f"/api/v1/trainings/sessions/{training.session_id}/enrolments"
    assert ana.post(url, json={"contact_id": training.contacts[1]}).status_code == 201
    assert bruno.post(url, json={"contact_id": training.contacts[2]}).status_code == 404
    assert bruno.post(url, json={"contact_id": "ana"}).status_code == 422


def test_certifications_by_partner_follow_visibility(api_as, db, actor, world, training):
    lucia = actor("lucia")
    enrolment = enrolments.enrol(db, lucia, training.session_id, training.contacts[0])
    db.flush()
    enrolments.record_result(db, lucia, enrolment.id, ResultIn(version=enrolment.version, attended=True,
                                                                 result="passed"),
                             now=datetime.now(timezone.utc) + timedelta(days=8))
    db.commit()
    url = f"/api/v1/partners/{world.partners['abertas']}/certifications"
    lines = api_as("ana").get(url).json()
    assert [(line["contact_name"], line["course"]["kind"]) for line in lines] == [("Ana Souza", "sales")]
    assert lines[0]["expires_on"] is not None
    assert api_as("bruno").get(url).status_code == 404
    assert api_as("nathan").get(url).status_code == 404


# The CLI, on its own SQLite file ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("trainings_cli"), wide_consoles=(trainings_cli,)) as world:
        yield world


def _one_seat_session(world: World) -> int:
    from channelbase import cli_support
    from channelbase.auth.models import User
    from channelbase.core.db import make_sessionmaker, unit_of_work
    with unit_of_work(make_sessionmaker(cli_support.engine())) as session:
        lucia = session.get_one(User, world.users["lucia"])
        course = catalogue.create_course(session, lucia, CourseIn(name="Kubernetes pre-sales", kind="presales",
                                                                  duration_hours=8, certification_months=24))
        training = catalogue.schedule_session(session, lucia, SessionIn(
            course_id=course.id, starts_at=datetime.now(timezone.utc) + timedelta(days=3), capacity=1,
            location="São Paulo office"))
        session.flush()
        return training.id


def test_the_cli_lists_sessions_enrols_and_waitlists(cli_world):
    session_id = _one_seat_session(cli_world)
    listed = invoke("--as", LUCIA, "trainings", "sessions")
    assert listed.exit_code == 0, listed.output
    assert "Kubernetes pre-sales" in listed.output and "1/1" in listed.output
    first = invoke("--as", LUCIA, "trainings", "enrol", str(session_id), "ana@abertas.com.br")
    assert first.exit_code == 0, first.output
    assert "Ana Souza is enrolled" in first.output
    second = invoke("--as", LUCIA, "trainings", "enrol", str(session_id), "grace@northwind-systems.com")
    assert second.exit_code != 0 and "No contact with the e-mail" in second.output  # not Lucía's region
    third = invoke("--as", "nathan@channelbase.demo", "trainings", "enrol", str(session_id),
                   "grace@northwind-systems.com")
    assert third.exit_code == 0 and "on the waitlist" in third.output, third.output
    again = invoke("--as", LUCIA, "trainings", "enrol", str(session_id), "ana@abertas.com.br")
    assert again.exit_code != 0 and "already" in again.output


def test_the_cli_shows_a_partners_certifications_and_makes_reminders_once(cli_world):
    empty = invoke("--as", LUCIA, "trainings", "certifications", str(cli_world.partners["abertas"]))
    assert empty.exit_code == 0 and "holds no certifications yet" in empty.output
    hidden = invoke("--as", LUCIA, "trainings", "certifications", str(cli_world.partners["northwind"]))
    assert hidden.exit_code != 0
    first = invoke("trainings", "remind")
    assert first.exit_code == 0 and "renewal task" in first.output
    assert "0 renewal tasks made" in invoke("trainings", "remind").output
