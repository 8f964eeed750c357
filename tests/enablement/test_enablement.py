"""Trainings: capacity and waitlist, cancelling frees a seat for the first in line, attendance and results,
the certification a pass grants, and its renewal reminder as a task that My day shows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from channelbase.core.errors import Conflict, Duplicate, InvalidInput, NotFound, NotPermitted
from channelbase.enablement import catalogue, certifications, enrolments
from channelbase.enablement.models import Certification, Enrolment, TrainingSession
from channelbase.enablement.schemas import CourseIn, ResultIn, SessionIn
from channelbase.engagement.agenda import my_day
from channelbase.engagement.models import Task


def test_a_full_session_puts_the_next_enrolment_on_the_waitlist(db, actor, training):
    lucia = actor("lucia")
    first, second, third = (enrolments.enrol(db, lucia, training.session_id, c) for c in training.contacts)
    assert [first.status, second.status, third.status] == ["enrolled", "enrolled", "waitlisted"]
    line = catalogue.session_line(db, lucia, training.session_id)
    assert (line.enrolled, line.waitlisted, line.seats_left) == (2, 1, 0)
    roster = enrolments.roster(db, lucia, training.session_id)
    assert [r.position for r in roster] == [None, None, 1]


def test_cancelling_a_seat_promotes_the_first_on_the_waitlist(db, actor, training):
    lucia = actor("lucia")
    first, _second, third = (enrolments.enrol(db, lucia, training.session_id, c) for c in training.contacts)
    promoted = enrolments.cancel(db, lucia, first.id, first.version)
    assert promoted is not None and promoted.id == third.id and promoted.status == "enrolled"
    assert db.get(Enrolment, first.id).status == "cancelled"
    with pytest.raises(Conflict):
        enrolments.cancel(db, lucia, first.id, db.get(Enrolment, first.id).version)


def test_enrolling_twice_is_refused_and_partner_users_enrol_only_their_own_people(db, actor, world, training):
    lucia = actor("lucia")
    enrolments.enrol(db, lucia, training.session_id, training.contacts[0])
    with pytest.raises(Duplicate):
        enrolments.enrol(db, lucia, training.session_id, training.contacts[0])
    enrolment = enrolments.enrol(db, actor("ana"), training.session_id, training.contacts[1])
    assert enrolment.enrolled_by_id == world.users["ana"]
    with pytest.raises(NotFound):  # Nube Bravo's user does not see Soluções Abertas' people
        enrolments.enrol(db, actor("bruno"), training.session_id, training.contacts[2])
    with pytest.raises(NotFound):  # nor does Nathan, who manages North America
        enrolments.enrol(db, actor("nathan"), training.session_id, training.contacts[2])


def test_bad_sessions_get_clear_errors(db, actor, training):
    lucia = actor("lucia")
    yesterday = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
    with pytest.raises(InvalidInput, match="start in the past"):
        catalogue.schedule_session(db, lucia, SessionIn(course_id=training.course_id, starts_at=yesterday,
                                                        capacity=5, location="São Paulo"))
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        SessionIn(course_id=training.course_id, starts_at=yesterday, capacity=0, location="São Paulo")
    with pytest.raises(ValueError, match="place, or the link"):
        SessionIn(course_id=training.course_id, starts_at=yesterday, capacity=3)
    with pytest.raises(ValueError, match="unknown time zone"):
        SessionIn(course_id=training.course_id, starts_at=yesterday, capacity=3, location="X", timezone="Mars/Base")
    with pytest.raises(Duplicate):
        catalogue.create_course(db, lucia, CourseIn(name="LINUX SALES ESSENTIALS", kind="sales", duration_hours=2))
    with pytest.raises(NotPermitted):
        catalogue.create_course(db, actor("ana"), CourseIn(name="Ana's course", kind="sales", duration_hours=2))


def test_a_time_typed_in_the_sessions_zone_is_stored_in_utc(db, actor, training):
    local = (datetime.now() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
    created = catalogue.schedule_session(db, actor("lucia"), SessionIn(
        course_id=training.course_id, starts_at=local, timezone="America/Mexico_City", capacity=10, location="CDMX"))
    assert created.starts_at.hour == 15  # 09:00 in Mexico City (UTC-6, no daylight saving since 2022)


def _after_the_session(db, training) -> datetime:
    return db.get(TrainingSession, training.session_id).starts_at + timedelta(hours=5)


def test_a_pass_grants_a_certification_valid_for_the_courses_months(db, actor, training):
    lucia = actor("lucia")
    enrolment = enrolments.enrol(db, lucia, training.session_id, training.contacts[0])
    with pytest.raises(InvalidInput, match="not taken place"):
        enrolments.record_result(db, lucia, enrolment.id, ResultIn(version=enrolment.version, attended=True,
                                                                   result="passed"))
    with pytest.raises(ValueError, match="only someone who attended"):
        ResultIn(version=1, attended=False, result="passed")
    enrolments.record_result(db, lucia, enrolment.id, ResultIn(version=enrolment.version, attended=True,
                                                               result="passed"), now=_after_the_session(db, training))
    certification = db.scalar(select(Certification).where(Certification.contact_id == training.contacts[0]))
    held = db.get(TrainingSession, training.session_id).starts_at.date()
    assert certification.certified_on == held
    assert certification.expires_on == date(held.year + 1, held.month, 28 if (held.month, held.day) == (2, 29)
                                            else held.day)  # twelve months later
    assert certifications.certified_people(db, certification.partner_id, "sales", held) == 1
    assert certifications.certified_people(db, certification.partner_id, "presales", held) == 0
    assert certifications.certified_people(db, certification.partner_id, "sales",
                                           certification.expires_on + timedelta(days=1)) == 0


def test_a_certification_expiring_within_30_days_becomes_a_task_and_shows_in_my_day(db, actor, world, training):
    lucia = actor("lucia")
    enrolment = enrolments.enrol(db, lucia, training.session_id, training.contacts[1])
    enrolments.record_result(db, lucia, enrolment.id, ResultIn(version=enrolment.version, attended=True,
                                                               result="passed"), now=_after_the_session(db, training))
    certification = db.scalar(select(Certification).where(Certification.contact_id == training.contacts[1]))
    today = date.today()
    certification.expires_on = today + timedelta(days=30)
    db.flush()
    assert certifications.remind_expiring(db, today=today) == 1
    assert certifications.remind_expiring(db, today=today) == 0  # once only
    task = db.get(Task, certification.reminder_task_id)
    assert task.assignee_id == world.users["lucia"] and task.partner_id == world.partners["abertas"]
    assert "Linux sales essentials" in task.title and "Carla Mendes" in task.title
    agenda = my_day(db, lucia)
    assert any(item.kind == "task" and item.id == task.id for item in agenda.section("tasks").items)
    assert [line.contact.name for line in certifications.expiring(db, lucia, today=today)] == ["Carla Mendes"]
    assert certifications.expiring(db, actor("nathan"), today=today) == []  # not his region


def test_a_later_fail_takes_nothing_away_and_makes_no_second_certification(db, actor, training):
    lucia = actor("lucia")
    enrolment = enrolments.enrol(db, lucia, training.session_id, training.contacts[0])
    after = _after_the_session(db, training)
    enrolments.record_result(db, lucia, enrolment.id, ResultIn(version=enrolment.version, attended=True,
                                                               result="passed"), now=after)
    certification = db.scalar(select(Certification).where(Certification.contact_id == training.contacts[0]))
    first_expiry = certification.expires_on
    enrolment = db.get(Enrolment, enrolment.id)
    enrolments.record_result(db, lucia, enrolment.id, ResultIn(version=enrolment.version, attended=True,
                                                               result="failed"), now=after)
    assert db.get(Certification, certification.id).expires_on == first_expiry  # a fail takes nothing away
    held = db.scalars(select(Certification.id).where(Certification.contact_id == training.contacts[0])).all()
    assert held == [certification.id]
