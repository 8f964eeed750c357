"""Answering through the e-mailed link (no sign-in) and in the portal: once only, scores checked with a clear
message, and a detractor's answer opening a follow-up task for the partner's manager."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.core import i18n
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, NotFound, NotPermitted
from channelbase.engagement.models import Task
from channelbase.partners import service as partners
from channelbase.partners.schemas import ContactCreate, PartnerCreate
from channelbase.surveys import answering, service
from channelbase.surveys.models import SurveyAnswer
from tests.surveys.conftest import invite

CSRF = "t"


def _post(client, path: str, data: dict):
    client.cookies.set("cb_csrf", CSRF)
    return client.post(path, data={**data, "csrf_token": CSRF})


def test_the_link_opens_the_survey_without_signing_in_and_takes_one_answer(anon, db, world, survey):
    invitation, secret = invite(db, survey, world.contacts["northwind"])  # Grace reads English
    page = anon.get(f"/survey/{secret}")
    assert page.status_code == 200
    assert "Partner satisfaction 2026" in page.text and "How well does your channel manager support you?" in page.text
    answered = _post(anon, f"/survey/{secret}", {"nps": "9", "q1": "4", "q2": "More webinars", "comment": "Good"})
    assert answered.status_code == 200 and "Your answer was saved." in answered.text
    answer = db.scalar(select(SurveyAnswer).where(SurveyAnswer.invitation_id == invitation.id))
    db.refresh(invitation)
    assert (answer.nps, answer.answers, answer.comment) == (9, [4, "More webinars"], "Good")
    assert answer.partner_id == world.partners["northwind"] and invitation.answered_at is not None
    assert answer.follow_up_task_id is None  # a promoter opens no task


def test_a_used_link_is_refused_with_a_clear_page(anon, db, world, survey):
    _invitation, secret = invite(db, survey, world.contacts["northwind"])
    assert _post(anon, f"/survey/{secret}", {"nps": "10"}).status_code == 200
    for again in (anon.get(f"/survey/{secret}"), _post(anon, f"/survey/{secret}", {"nps": "0"})):
        assert again.status_code == 410 and "This survey was already answered. Thank you!" in again.text
    assert len(db.scalars(select(SurveyAnswer).where(SurveyAnswer.partner_id == world.partners["northwind"])).all()) == 1


def test_an_unknown_link_is_not_found_and_a_closed_survey_says_so(anon, db, actor, world, survey):
    unknown = anon.get("/survey/not-a-real-link", headers={"Accept-Language": "en"})
    assert unknown.status_code == 404 and "This survey link is not valid" in unknown.text
    _invitation, secret = invite(db, survey, world.contacts["northwind"])
    service.close_survey(db, actor("lucia"), survey.id, survey.version)
    closed = anon.get(f"/survey/{secret}")
    assert closed.status_code == 410 and "This survey is closed" in closed.text


@pytest.mark.parametrize("score", ["11", "-1", "", "ten"])
def test_a_score_outside_0_to_10_is_refused_with_a_clear_message(anon, db, world, survey, score):
    invitation, secret = invite(db, survey, world.contacts["northwind"])
    refused = _post(anon, f"/survey/{secret}", {"nps": score, "comment": "kept"})
    assert refused.status_code == 422
    assert "Choose a score from 0 to 10." in refused.text and "kept" in refused.text  # the form keeps the input
    assert invitation.answered_at is None


def test_ratings_and_long_texts_are_checked(db, world, survey):
    _invitation, secret = invite(db, survey, world.contacts["northwind"])
    with pytest.raises(InvalidInput) as refused:
        answering.answer_by_token(db, secret, {"nps": "8", "q1": "6", "q2": "x" * 2001, "comment": "y" * 2001})
    assert refused.value.field_errors == {"q1": answering.RATING_RANGE, "q2": answering.TEXT_TOO_LONG,
                                          "comment": answering.TEXT_TOO_LONG}
    answer = answering.answer_by_token(db, secret, {"nps": "0", "q1": "", "q2": "x" * 2000})
    assert answer.answers == [None, "x" * 2000]


def test_the_error_is_worded_in_the_contacts_language(anon, db, world, survey):
    _invitation, secret = invite(db, survey, world.contacts["ana"])  # Ana reads Portuguese
    refused = _post(anon, f"/survey/{secret}", {"nps": "11"})
    with i18n.language("pt"):
        assert refused.status_code == 422 and i18n.gettext(answering.NPS_RANGE) in refused.text
    assert 'lang="pt"' in refused.text


def test_a_detractor_opens_a_follow_up_task_for_the_partners_manager(db, actor, world, survey):
    _invitation, secret = invite(db, survey, world.contacts["ana"])
    now = datetime(2026, 11, 27, 15, tzinfo=timezone.utc)
    answer = answering.answer_by_token(db, secret, {"nps": "3", "comment": "Registrations take a week."}, now=now)
    task = db.get(Task, answer.follow_up_task_id)
    assert task.assignee_id == world.users["lucia"] and task.partner_id == world.partners["abertas"]
    assert task.title == "Follow up NPS 3 from Ana Souza (Soluções Abertas Ltda.)"
    assert task.due_on == date(2026, 11, 29) and "Registrations take a week." in task.notes
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_type == "tasks", AuditEntry.entity_id == task.id))
    assert entry.action == "create" and entry.actor_label == "system"


def test_a_passive_or_promoter_opens_no_task(db, world, survey):
    for key, score in (("ana", "7"), ("bruno", "10")):
        _invitation, secret = invite(db, survey, world.contacts[key])
        assert answering.answer_by_token(db, secret, {"nps": score}).follow_up_task_id is None


def test_without_an_owner_the_nearest_territory_manager_follows_up(db, actor, world, survey):
    admin = actor("admin")
    partner = partners.create_partner(db, admin, PartnerCreate(
        name="Redes Paulistas Ltda.", type="var", territory_id=world.territories["brazil"], country="BR",
        currency="BRL", status="active"))
    contact = partners.create_contact(db, admin, ContactCreate(partner_id=partner.id, name="Caio Prado",
                                                               email="caio@redespaulistas.com.br", is_primary=True))
    _invitation, secret = invite(db, survey, contact.id)
    answer = answering.answer_by_token(db, secret, {"nps": "6"})
    assert db.get(Task, answer.follow_up_task_id).assignee_id == world.users["lucia"]  # Brazil is in her LatAm


# In the portal -----------------------------------------------------------------------------------------

def test_a_partner_user_answers_in_the_portal(client_as, db, world, survey):
    invitation, _secret = invite(db, survey, world.contacts["ana"], channel="portal")
    ana = client_as("ana")
    page = ana.get("/portal/surveys")
    assert page.status_code == 200 and "Partner satisfaction 2026" in page.text
    answered = ana.post(f"/portal/surveys/{invitation.id}", data={"nps": "2", "q1": "1", "comment": "Slow"})
    assert answered.status_code == 303 and answered.headers["location"] == "/portal/surveys?notice=thanks"
    answer = db.scalar(select(SurveyAnswer).where(SurveyAnswer.invitation_id == invitation.id))
    assert answer.nps == 2 and answer.answered_by_id == world.users["ana"] and answer.follow_up_task_id
    assert "Obrigado! Sua resposta foi salva." in ana.get("/portal/surveys?notice=thanks").text  # Ana reads Portuguese
    assert answering.portal_invitations(db, db.get(User, world.users["ana"])) == []
    again = ana.post(f"/portal/surveys/{invitation.id}", data={"nps": "9"})
    assert again.status_code == 410


def test_the_portal_refuses_a_bad_score_beside_the_field(client_as, db, world, survey):
    invitation, _secret = invite(db, survey, world.contacts["ana"])  # an e-mailed invitation shows there too
    refused = client_as("ana").post(f"/portal/surveys/{invitation.id}", data={"nps": "11"})
    with i18n.language("pt"):
        assert refused.status_code == 422 and i18n.gettext(answering.NPS_RANGE) in refused.text


def test_nobody_answers_someone_elses_invitation(client_as, db, actor, world, survey):
    invitation, _secret = invite(db, survey, world.contacts["ana"])
    for who in ("bruno", "dora"):  # other partners: it does not exist for them
        assert client_as(who).post(f"/portal/surveys/{invitation.id}", data={"nps": "9"}).status_code == 404
        assert "Partner satisfaction 2026" not in client_as(who).get("/portal/surveys").text
    with pytest.raises(NotFound):
        answering.answer_in_portal(db, actor("bruno"), invitation.id, {"nps": "9"})
    assert client_as("lucia").post(f"/portal/surveys/{invitation.id}", data={"nps": "9"}).status_code == 403
    assert invitation.answered_at is None


def test_a_colleague_of_the_same_partner_may_not_answer_for_the_person_asked(db, actor, world, survey):
    carla = auth_service.create_user(db, actor("admin"), email="carla@abertas.com.br", name="Carla Mendes",
                                     role=Role.PARTNER, password="a-long-password-2026",
                                     partner_id=world.partners["abertas"], language="pt")
    invitation, _secret = invite(db, survey, world.contacts["ana"])
    with pytest.raises(NotPermitted):
        answering.answer_in_portal(db, carla, invitation.id, {"nps": "9"})
    assert answering.portal_invitations(db, carla) == []
    assert [i.invitation.id for i in answering.portal_invitations(db, actor("ana"))] == [invitation.id]


def test_an_invitation_whose_e_mail_failed_is_not_open(db, actor, world, survey):
    invitation, _secret = invite(db, survey, world.contacts["ana"])
    invitation.sent_at = None
    db.flush()
    assert answering.portal_invitations(db, actor("ana")) == []
    with pytest.raises(NotFound):
        answering.answer_in_portal(db, actor("ana"), invitation.id, {"nps": "9"})
