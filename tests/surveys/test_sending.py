"""Sending a survey: one invitation per chosen contact of the visible partners matching the filters, real
e-mails in each contact's language, contacts asked before skipped, and SMTP failures retried."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from channelbase.auth.service import token_digest
from channelbase.core import i18n
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import Conflict, NotPermitted
from channelbase.partners import service as partners
from channelbase.partners.schemas import ContactCreate
from channelbase.surveys import sending, service
from channelbase.surveys.models import SurveyInvitation
from channelbase.surveys.schemas import SendIn
from tests.surveys.conftest import link_in


def _invitations(db, survey) -> dict[int, SurveyInvitation]:
    return {inv.contact_id: inv for inv in db.scalars(select(SurveyInvitation)
                                                      .where(SurveyInvitation.survey_id == survey.id))}


def test_an_admin_asks_every_primary_contact_once_each_in_their_language(db, actor, world, survey, settings, inbox):
    result = sending.send_survey(db, actor("admin"), SendIn(survey_id=survey.id), settings)
    assert (result.partners, result.invited, result.already, result.failed) == (4, 4, 0, 0)
    invitations = _invitations(db, survey)
    assert set(invitations) == {world.contacts[key] for key in ("ana", "bruno", "dora", "northwind")}
    assert {inv.language for inv in invitations.values()} == {"pt", "es", "en"}
    assert sorted(inbox.recipients()) == sorted(["ana@abertas.com.br", "bruno@nubebravo.mx",
                                                 "dora@deltadistribuidora.com.br", "grace@northwind-systems.com"])
    [to_ana] = inbox.to("ana@abertas.com.br")
    with i18n.language("pt"):
        assert to_ana["Subject"] == i18n.gettext("%(partner)s: how likely are you to recommend us?",
                                                 partner="Soluções Abertas Ltda.")
        assert i18n.gettext("Answer here (one question, and a few more if you wish):") in \
            to_ana.get_body(("plain",)).get_content()
    [to_grace] = inbox.to("grace@northwind-systems.com")
    assert to_grace["Subject"] == "Northwind Systems Inc.: how likely are you to recommend us?"
    # Only the digest of the link's secret is stored.
    secret = link_in(to_ana).rsplit("/", 1)[1]
    assert invitations[world.contacts["ana"]].token_hash == token_digest(secret)
    assert service.get_survey(db, actor("admin"), survey.id).status == "sent"
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "survey_invitations", AuditEntry.action == "send")) == 4


def test_sending_again_skips_contacts_already_invited(db, actor, world, survey, settings, inbox):
    lucia = actor("lucia")
    first = sending.send_survey(db, lucia, SendIn(survey_id=survey.id, type="var"), settings)
    assert (first.partners, first.invited) == (1, 1)                       # Soluções Abertas, Lucía's only VAR
    again = sending.send_survey(db, lucia, SendIn(survey_id=survey.id), settings)
    assert (again.partners, again.invited, again.already) == (3, 2, 1)
    assert "1 already invited (skipped)" in again.summary()
    assert len(inbox.to("ana@abertas.com.br")) == 1


def test_a_manager_reaches_only_the_partners_they_see(db, actor, world, survey, settings, inbox):
    result = sending.send_survey(db, actor("nathan"), SendIn(survey_id=survey.id), settings)
    assert result.invited == 1 and inbox.recipients() == ["grace@northwind-systems.com"]
    brazil = sending.send_survey(db, actor("nathan"), SendIn(survey_id=survey.id,
                                                             territory_id=world.territories["brazil"]), settings)
    assert brazil.partners == 0 and brazil.invited == 0


def test_every_contact_of_a_role_can_be_asked(db, actor, world, survey, settings, inbox):
    lucia = actor("lucia")
    for name, role in (("Carla Mendes", "executive"), ("Diego Ramos", "technical")):
        partners.create_contact(db, lucia, ContactCreate(partner_id=world.partners["abertas"], name=name,
                                                         email=f"{name.split()[0].lower()}@abertas.com.br",
                                                         role=role, language="es"))
    result = sending.send_survey(db, lucia, SendIn(survey_id=survey.id, territory_id=world.territories["brazil"],
                                                   audience="all", role="executive"), settings)
    assert (result.partners, result.invited, result.no_contact) == (2, 1, 1)  # Delta has no executive
    assert inbox.recipients() == ["carla@abertas.com.br"]
    everyone = sending.send_survey(db, lucia, SendIn(survey_id=survey.id, territory_id=world.territories["brazil"],
                                                     audience="all"), settings)
    assert (everyone.invited, everyone.already) == (3, 1)  # Ana, Diego and Dora; Carla was asked


def test_portal_only_invitations_send_no_mail_and_need_a_portal_user(db, actor, world, survey, settings, inbox):
    result = sending.send_survey(db, actor("admin"), SendIn(survey_id=survey.id, channel="portal"), settings)
    assert (result.invited, result.no_account) == (3, 1)  # Grace has no portal account
    assert inbox.recipients() == []
    assert {inv.channel for inv in _invitations(db, survey).values()} == {"portal"}


def test_a_failed_e_mail_is_counted_and_sent_again_next_time(db, actor, world, survey, settings, inbox):
    from tests.smtp_inbox import free_port
    down = settings.model_copy(update={"smtp_port": free_port()})
    failed = sending.send_survey(db, actor("nathan"), SendIn(survey_id=survey.id), down)
    assert (failed.invited, failed.failed) == (0, 1) and "send again to retry" in failed.summary()
    assert _invitations(db, survey)[world.contacts["northwind"]].sent_at is None
    assert service.get_survey(db, actor("nathan"), survey.id).status == "draft"  # nothing went out
    retried = sending.send_survey(db, actor("nathan"), SendIn(survey_id=survey.id), settings)
    assert (retried.invited, retried.already) == (1, 0)
    assert inbox.recipients() == ["grace@northwind-systems.com"]


def test_closed_surveys_are_not_sent_and_partners_send_nothing(db, actor, survey, settings, inbox):
    service.close_survey(db, actor("lucia"), survey.id, survey.version)
    with pytest.raises(Conflict, match="closed"):
        sending.send_survey(db, actor("lucia"), SendIn(survey_id=survey.id), settings)
    with pytest.raises(NotPermitted):
        sending.send_survey(db, actor("ana"), SendIn(survey_id=survey.id), settings)
    assert inbox.recipients() == []


def test_the_send_form_reports_the_counts(client_as, db, survey, inbox):
    lucia = client_as("lucia")
    sent = lucia.post("/surveys/send", data={"survey_id": str(survey.id), "territory_id": "", "type": "",
                                             "tier": "", "audience": "primary", "role": "", "channel": "email"})
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"/surveys/{survey.id}?notice=sent")
    page = lucia.get(sent.headers["location"])
    assert "Sent 3 invitations to contacts of 3 partners." in page.text
    assert len(inbox.recipients()) == 3
    bad = lucia.post("/surveys/send", data={"survey_id": str(survey.id), "audience": "everybody", "back": "detail"})
    assert bad.status_code == 422 and "audience" in bad.text


def test_the_e_mailed_link_answers_the_survey(db, actor, world, survey, settings, inbox, anon):
    sending.send_survey(db, actor("nathan"), SendIn(survey_id=survey.id), settings)
    path = link_in(inbox.to("grace@northwind-systems.com")[0])
    assert "Partner satisfaction 2026" in anon.get(path).text
    anon.cookies.set("cb_csrf", "t")
    assert anon.post(path, data={"nps": "10", "csrf_token": "t"}).status_code == 200
    db.expire_all()
    assert _invitations(db, survey)[world.contacts["northwind"]].answered_at is not None
    forged = anon.post(path, data={"nps": "0", "csrf_token": "other"})
    assert forged.status_code == 403  # the page's form carries the CSRF token like every other
