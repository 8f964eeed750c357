"""Steps that tick themselves from the partner's real data, dated by that data, and the time to first deal."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import event

from channelbase.auth.models import User
from channelbase.enablement import catalogue, enrolments
from channelbase.enablement.models import Certification, TrainingSession
from channelbase.enablement.schemas import CourseIn, ResultIn, SessionIn
from channelbase.engagement import activities
from channelbase.engagement.schemas import ActivityCreate
from channelbase.onboarding import journeys, progress, rules
from channelbase.onboarding.schemas import JourneyFilter
from channelbase.partners import service as partners
from channelbase.partners.schemas import ContactCreate
from channelbase.portal import invitations
from tests.deals.deal_helpers import submit


def _step(db, journey, rule: str):
    return next(step for step in journeys.steps_of(db, [journey.id])[journey.id] if step.rule == rule)


def _person(db, actor, partner, name="Paula Reis"):
    contact = partners.create_contact(db, actor("lucia"), ContactCreate(
        partner_id=partner.id, name=name, email=f"{name.split()[0].lower()}@recem.com.br", role="sales"))
    db.flush()
    return contact


def test_the_first_registration_ticks_the_step_with_the_registrations_own_time(db, actor, new_partner):
    lucia = actor("lucia")
    partner = new_partner()
    journey = journeys.start_journey(db, lucia, partner.id, agreement_signed_on=date(2026, 10, 1),
                                     today=date(2026, 10, 1))
    assert rules.refresh(db, [journey]) == 0
    submitted = datetime(2026, 11, 2, 14, 30, tzinfo=timezone.utc)
    registration = submit(db, lucia, now=submitted, partner_id=partner.id)
    later = submit(db, lucia, now=submitted + timedelta(days=3), partner_id=partner.id,
                   customer_name="Outra Empresa Ltda.", customer_website="https://outraempresa.com.br")
    assert rules.refresh(db, [journey]) == 1
    step = _step(db, journey, "first_registration")
    assert step.done_at == submitted and step.done_by_id is None
    assert step.evidence == f"Registration {registration.reference} submitted 2026-11-02"
    assert later.submitted_at > step.done_at
    assert rules.refresh(db, [journey]) == 0  # done steps are left alone


def test_a_passed_sales_course_ticks_sales_training_on_the_sessions_day(db, actor, new_partner):
    lucia = actor("lucia")
    partner = new_partner()
    journey = journeys.start_journey(db, lucia, partner.id)
    person = _person(db, actor, partner)
    course = catalogue.create_course(db, lucia, CourseIn(name="Linux sales for newcomers", kind="sales",
                                                         duration_hours=4, certification_months=12))
    training = catalogue.schedule_session(db, lucia, SessionIn(
        course_id=course.id, starts_at=datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=2),
        capacity=5, location="São Paulo"))
    enrolment = enrolments.enrol(db, lucia, training.id, person.id)
    rules.refresh(db, [journey])
    assert _step(db, journey, "sales_training_passed").done_at is None  # enrolled is not passed
    held = db.get(TrainingSession, training.id).starts_at
    enrolments.record_result(db, lucia, enrolment.id, ResultIn(version=enrolment.version, attended=True,
                                                                result="passed"), now=held + timedelta(hours=5))
    rules.refresh(db, [journey])
    step = _step(db, journey, "sales_training_passed")
    assert step.done_at == held
    assert step.evidence == f"Paula Reis passed “Linux sales for newcomers” {held.date().isoformat()}"
    assert _step(db, journey, "presales_training_passed").done_at is None  # a sales course is not pre-sales


def test_an_earlier_presales_certification_ticks_presales_training(db, actor, new_partner):
    lucia = actor("lucia")
    partner = new_partner()
    journey = journeys.start_journey(db, lucia, partner.id)
    person = _person(db, actor, partner, "Caio Prado")
    course = catalogue.create_course(db, lucia, CourseIn(name="Hybrid cloud pre-sales", kind="presales",
                                                         duration_hours=8, certification_months=24))
    # Granted outside a session here (an imported record): a certification needs no enrolment.
    db.add(Certification(contact_id=person.id, partner_id=partner.id, course_id=course.id,
                         certified_on=date(2026, 9, 14), expires_on=date(2028, 9, 14)))
    db.flush()
    rules.refresh(db, [journey])
    step = _step(db, journey, "presales_training_passed")
    assert step.done_at == datetime(2026, 9, 14, tzinfo=timezone.utc)
    assert step.evidence == "Caio Prado certified in “Hybrid cloud pre-sales” 2026-09-14"


def test_inviting_a_portal_user_ticks_portal_users_invited(db, actor, new_partner):
    lucia = actor("lucia")
    partner = new_partner()
    journey = journeys.start_journey(db, lucia, partner.id)
    invitation = invitations.invite(db, lucia, partner.id, email="paula@recem.com.br", name="Paula Reis")
    db.flush()
    rules.refresh(db, [journey])
    step = _step(db, journey, "portal_users_invited")
    assert step.done_at == db.get(User, invitation.user.id).created_at
    assert step.evidence.startswith("Portal user paula@recem.com.br invited ")


def test_a_held_qbr_ticks_first_qbr_but_a_planned_one_does_not(db, actor, new_partner):
    lucia = actor("lucia")
    partner = new_partner()
    journey = journeys.start_journey(db, lucia, partner.id)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    activities.log_activity(db, lucia, ActivityCreate(partner_id=partner.id, type="qbr", summary="Q1 review",
                                                      occurred_at=now + timedelta(days=10)))
    db.flush()
    rules.refresh(db, [journey])
    assert _step(db, journey, "first_qbr").done_at is None
    held = now - timedelta(days=1)
    activities.log_activity(db, lucia, ActivityCreate(partner_id=partner.id, type="qbr", summary="Kick-off QBR",
                                                      occurred_at=held))
    db.flush()
    rules.refresh(db, [journey])
    step = _step(db, journey, "first_qbr")
    assert step.done_at == held and step.evidence.endswith("Kick-off QBR")


def test_a_self_ticked_last_step_completes_the_journey_on_the_evidences_day(db, actor, new_partner):
    lucia = actor("lucia")
    from channelbase.onboarding import journey_templates
    from channelbase.onboarding.schemas import TemplateIn
    journey_templates.create_template(db, actor("admin"), TemplateIn(
        name="Deal first", partner_type="var", steps="Signed | agreement_signed\nFirst deal | first_registration"))
    partner = new_partner()
    journey = journeys.start_journey(db, lucia, partner.id, agreement_signed_on=date(2026, 10, 1),
                                     today=date(2026, 10, 5))
    submit(db, lucia, now=datetime(2026, 11, 20, 9, tzinfo=timezone.utc), partner_id=partner.id)
    rules.refresh_all(db)
    assert journey.completed_on == date(2026, 11, 20)


def test_refresh_asks_the_same_number_of_queries_for_one_journey_or_many(db, actor, new_partner, engine):
    lucia = actor("lucia")
    several = [journeys.start_journey(db, lucia, new_partner(f"Parceira {n} Ltda.").id) for n in range(4)]
    db.flush()

    def count(journeys_given) -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            rules.refresh(db, journeys_given)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert count(several[:1]) == count(several)


def test_time_to_first_deal_per_partner_and_its_average(db, actor, new_partner):
    lucia = actor("lucia")
    quick, slow, none_yet = (new_partner(name) for name in ("Rápida Ltda.", "Devagar Ltda.", "Sem Negócio Ltda."))
    for partner in (quick, slow, none_yet):
        journeys.start_journey(db, lucia, partner.id, agreement_signed_on=date(2026, 9, 1), today=date(2026, 9, 1))
    submit(db, lucia, now=datetime(2026, 9, 11, 23, tzinfo=timezone.utc), partner_id=quick.id)
    submit(db, lucia, now=datetime(2026, 10, 1, 8, tzinfo=timezone.utc), partner_id=slow.id,
           customer_name="Outra Empresa Ltda.", customer_website="https://outraempresa.com.br")
    listing = progress.list_journeys(db, lucia, JourneyFilter(state="all"), sort="first_deal",
                                     today=date(2026, 10, 15))
    ours = [line for line in listing.page.items if line.partner.id in {quick.id, slow.id, none_yet.id}]
    assert [(line.partner.name, line.days_to_first_deal) for line in ours] == [
        ("Rápida Ltda.", 10), ("Devagar Ltda.", 30), ("Sem Negócio Ltda.", None)]
    assert listing.average_days_to_first_deal == 20.0 and listing.with_first_deal == 2
    panel = progress.journey_panel(db, lucia, slow.id)
    assert panel.days_to_first_deal == 30 and panel.done == 2  # agreement, and the registration ticked itself


def test_the_list_follows_visibility_filters_and_pages(db, actor, new_partner, world):
    lucia = actor("lucia")
    for n in range(3):
        journeys.start_journey(db, lucia, new_partner(f"Página {n} Ltda.").id)
    assert progress.list_journeys(db, actor("nathan"), JourneyFilter(state="all")).page.total == 0
    mine = progress.list_journeys(db, lucia, JourneyFilter(territory_id=world.territories["brazil"]),
                                  sort="-partner", per_page=2)
    assert mine.page.total == 3 and [line.partner.name for line in mine.page.items] == ["Página 2 Ltda.",
                                                                                       "Página 1 Ltda."]
    assert mine.page.items[0].next_step == "Partner agreement signed"
    elsewhere = progress.list_journeys(db, lucia, JourneyFilter(territory_id=world.territories["mexico"]))
    assert elsewhere.page.total == 0 and elsewhere.filtered
    assert progress.list_journeys(db, lucia, JourneyFilter(state="completed")).page.total == 0


def test_the_daily_job_is_queued_once_a_day_and_refreshes_every_open_journey(db, actor, new_partner,
                                                                                 session_factory):
    from channelbase.engagement import jobs
    from channelbase.onboarding import daily
    lucia = actor("lucia")
    partner = new_partner()
    journey = journeys.start_journey(db, lucia, partner.id)
    now = datetime(2026, 12, 1, 6, tzinfo=timezone.utc)
    submit(db, lucia, now=now - timedelta(days=1), partner_id=partner.id)
    assert daily.due_today(db, now)
    assert daily.enqueue_today(db, now) and not daily.enqueue_today(db, now + timedelta(hours=3))
    assert not daily.due_today(db, now)
    db.commit()  # a savepoint inside the test's transaction: the job's own session sees it
    assert jobs.run_due(session_factory, "test-worker", now=now) >= 1
    db.expire_all()
    assert _step(db, journey, "first_registration").done_at == now - timedelta(days=1)
