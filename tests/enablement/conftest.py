"""A certifying sales course with a two-seat session next week, and three people of partner A to enrol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from channelbase.enablement import catalogue
from channelbase.enablement.schemas import CourseIn, SessionIn
from channelbase.partners import service as partners
from channelbase.partners.schemas import ContactCreate


@dataclass
class Training:
    course_id: int
    session_id: int
    contacts: list[int]


@pytest.fixture
def training(db, actor, world) -> Training:
    lucia = actor("lucia")
    course = catalogue.create_course(db, lucia, CourseIn(name="Linux sales essentials", kind="sales", language="pt",
                                                         duration_hours=4, certification_months=12))
    starts = (datetime.now(timezone.utc) + timedelta(days=7)).replace(microsecond=0, tzinfo=None)
    session = catalogue.schedule_session(db, lucia, SessionIn(course_id=course.id, starts_at=starts,
                                                              timezone="America/Sao_Paulo", capacity=2,
                                                              url="https://meet.example.com/linux"))
    people = [world.contacts["ana"]]
    for name in ("Carla Mendes", "Diego Ramos"):
        people.append(partners.create_contact(db, lucia, ContactCreate(
            partner_id=world.partners["abertas"], name=name, email=f"{name.split()[0].lower()}@abertas.com.br",
            role="sales")).id)
    db.flush()
    return Training(course.id, session.id, people)
