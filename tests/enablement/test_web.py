"""Trainings through the app: the vendor's pages (courses, sessions, roster, results) and the portal's
(enrolling oneself or a colleague, the waitlist, the company's certifications), in the reader's language."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from channelbase.enablement.models import Certification, Course, Enrolment, TrainingSession


def test_a_manager_creates_a_course_and_schedules_a_session_and_bad_input_is_explained(client_as, db):
    lucia = client_as("lucia")
    assert lucia.post("/trainings/courses", data={"name": "Kubernetes pre-sales", "kind": "presales",
                                                  "language": "es", "duration_hours": "6",
                                                  "certification_months": "24"}).status_code == 303
    course = db.scalar(select(Course).where(Course.name == "Kubernetes pre-sales"))
    assert course.certification_months == 24 and course.language == "es"
    past = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    refused = lucia.post("/trainings/sessions", data={"course_id": course.id, "starts_at": past,
                                                      "timezone": "America/Bogota", "capacity": "10",
                                                      "location": "Bogotá"})
    assert refused.status_code == 422 and "start in the past" in refused.text
    no_seats = lucia.post("/trainings/sessions", data={"course_id": course.id, "starts_at": past,
                                                       "timezone": "America/Bogota", "capacity": "0",
                                                       "location": "Bogotá"})
    assert no_seats.status_code == 422 and "greater than or equal to 1" in no_seats.text
    soon = (datetime.now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    created = lucia.post("/trainings/sessions", data={"course_id": course.id, "starts_at": soon,
                                                      "timezone": "America/Bogota", "capacity": "1",
                                                      "url": "https://meet.example.com/k8s", "trainer": "Rosa"})
    assert created.status_code == 303
    page = lucia.get(created.headers["location"])
    assert "Kubernetes pre-sales" in page.text and "https://meet.example.com/k8s" in page.text
    assert "Kubernetes pre-sales" in lucia.get("/trainings").text
    assert client_as("ana").get("/trainings").status_code == 403


def test_a_manager_enrols_by_e_mail_and_the_second_person_waits(client_as, db, training):
    lucia = client_as("lucia")
    url = f"/trainings/sessions/{training.session_id}"
    for email in ("ana@abertas.com.br", "carla@abertas.com.br"):
        assert lucia.post(f"{url}/enrol", data={"email": email}).status_code == 303
    waited = lucia.post(f"{url}/enrol", data={"email": "diego@abertas.com.br"})
    assert waited.headers["location"].endswith("notice=waitlisted")
    unknown = lucia.post(f"{url}/enrol", data={"email": "nobody@example.org"})
    assert unknown.status_code == 422 and "No contact with the e-mail" in unknown.text
    assert "(#1)" in lucia.get(url).text  # Diego is first in line


def test_partner_users_enrol_in_the_portal_and_see_it_in_their_language(client_as, db, world, training):
    bruno = client_as("bruno")  # Spanish
    page = bruno.get("/portal/trainings")
    assert page.status_code == 200 and "Próximas sesiones" in page.text and "Linux sales essentials" in page.text
    enrolled = bruno.post(f"/portal/trainings/{training.session_id}/enrol", data={})
    assert enrolled.status_code == 303 and enrolled.headers["location"].endswith("notice=enrolled")
    mine = db.scalar(select(Enrolment).where(Enrolment.partner_id == world.partners["bravo"]))
    assert mine is not None and mine.status == "enrolled"
    assert "Bruno Castillo" in bruno.get("/portal/trainings").text
    # Ana enrols a colleague; the session (2 seats) is then full, so her own enrolment waits.
    ana = client_as("ana")
    assert ana.post(f"/portal/trainings/{training.session_id}/enrol",
                    data={"contact_id": training.contacts[1]}).status_code == 303
    waited = ana.post(f"/portal/trainings/{training.session_id}/enrol", data={})
    assert waited.headers["location"].endswith("notice=waitlisted")
    # Bruno cannot enrol partner A's people, nor cancel their enrolments.
    assert bruno.post(f"/portal/trainings/{training.session_id}/enrol",
                      data={"contact_id": training.contacts[2]}).status_code == 404
    theirs = db.scalar(select(Enrolment).where(Enrolment.contact_id == training.contacts[1]))
    assert bruno.post(f"/trainings/enrolments/{theirs.id}/cancel", data={"version": theirs.version}).status_code == 404
    # Cancelling Ana's colleague frees the seat for Ana, first on the waitlist.
    assert ana.post(f"/trainings/enrolments/{theirs.id}/cancel", data={"version": theirs.version}).status_code == 303
    db.expire_all()
    anas = db.scalar(select(Enrolment).where(Enrolment.contact_id == training.contacts[0]))
    assert anas.status == "enrolled"


def test_results_grant_a_certification_the_partner_sees_in_the_portal(client_as, db, actor, training):
    from channelbase.enablement import enrolments
    enrolment = enrolments.enrol(db, actor("lucia"), training.session_id, training.contacts[0])
    session = db.get(TrainingSession, training.session_id)
    session.starts_at = datetime.now(timezone.utc) - timedelta(hours=3)  # it took place this morning
    db.flush()
    saved = client_as("lucia").post(f"/trainings/enrolments/{enrolment.id}/result",
                                    data={"version": enrolment.version, "attended": "1", "result": "passed"})
    assert saved.status_code == 303
    assert db.scalar(select(Certification).where(Certification.contact_id == training.contacts[0])) is not None
    assert client_as("ana").post(f"/trainings/enrolments/{enrolment.id}/result",
                                 data={"version": 2, "attended": "1", "result": "passed"}).status_code == 403
    portal = client_as("ana").get("/portal/trainings").text  # Portuguese
    assert "Linux sales essentials" in portal and "válida até" in portal
