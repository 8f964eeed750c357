"""Access rows of surveys (channelbase/surveys/web*.py): staff write, send and read surveys (a manager reads only
the answers of their own territories' partners); partner users answer their own invitations in the portal; the
e-mailed link answers without signing in. The invitation in the URLs is partner A's Ana's: only she answers it
in the portal, and partner B's and Delta's users do not see it."""

from __future__ import annotations

from tests.access_policies import A_TERRITORY_PAGE, STAFF
from tests.access_rows.portal_web import ANON, EVERYONE, PORTAL

AUTO_IDS = True

# Staff pages: partner users (Dora too) are refused.
STAFF_ALL = {**STAFF, "dora": "403"}
AUTHOR = {**STAFF_ALL, "nathan": "403"}
# Ana's invitation: hers to answer; staff are refused the portal; other partners' users do not see it.
ANAS_INVITATION = dict(anon=ANON, admin="403", lucia="403", nathan="403", ana="ok", bruno="404", dora="404")

ROWS = {
    ("GET", "/surveys"): STAFF_ALL,
    ("POST", "/surveys"): STAFF_ALL,
    # Nathan may send it too, to the partners he sees (none are in Brazil).
    ("POST", "/surveys/send"): STAFF_ALL,
    ("GET", "/surveys/nps"): STAFF_ALL,
    # Every manager reads the survey itself; the answers listed are limited to their territories.
    ("GET", "/surveys/{survey_id}"): STAFF_ALL,
    # Lucía's survey: she and admins change it (it was sent, so an edit is a 409 about its status); Nathan,
    # who may send it, may not change it.
    ("POST", "/surveys/{survey_id}"): AUTHOR,
    ("POST", "/surveys/{survey_id}/close"): AUTHOR,
    ("GET", "/partners/{partner_id}/nps"): A_TERRITORY_PAGE,
    ("GET", "/portal/surveys"): PORTAL,
    ("POST", "/portal/surveys/{survey_invitation_id}"): ANAS_INVITATION,
    # The link is the secret: whoever holds it answers, signed in or not.
    ("GET", "/survey/{survey_token}"): EVERYONE,
    ("POST", "/survey/{survey_token}"): EVERYONE,
}

# The survey make_ids created for this test (ids are not reused on PostgreSQL: sequences survive rollbacks).
_MADE: dict[str, int] = {}

BODIES = {
    ("POST", "/surveys"): lambda world: dict(name="Matrix pulse", intro="", q1_text="Support?", q1_kind="rating"),
    # Portal only: the matrix sends no e-mail.
    ("POST", "/surveys/send"): lambda world: dict(survey_id=str(_MADE["survey_id"]), audience="primary",
                                                  channel="portal"),
    ("POST", "/surveys/{survey_id}"): lambda world: dict(version=str(_MADE["version"]), name="Matrix survey"),
    ("POST", "/surveys/{survey_id}/close"): lambda world: dict(version=str(_MADE["version"])),
    ("POST", "/portal/surveys/{survey_invitation_id}"): lambda world: dict(nps="9", comment="Matrix"),
    ("POST", "/survey/{survey_token}"): lambda world: dict(nps="8"),
}


def make_ids(db, actor) -> dict[str, int | str]:
    """A survey by Lucía, sent to partner A's Ana (e-mail invitation: its link's secret is the token)."""
    import secrets
    from datetime import datetime, timezone

    from sqlalchemy import select

    from channelbase.auth.service import token_digest
    from channelbase.partners.models import Contact
    from channelbase.surveys import service
    from channelbase.surveys.models import SurveyInvitation
    from channelbase.surveys.schemas import QuestionIn, SurveyIn
    survey = service.create_survey(db, actor("lucia"), SurveyIn(
        name="Matrix survey", questions=[QuestionIn(kind="text", text="Anything else?")]))
    ana = db.scalar(select(Contact).where(Contact.email == "ana@abertas.com.br"))
    secret = secrets.token_urlsafe(32)
    invitation = SurveyInvitation(survey_id=survey.id, partner_id=ana.partner_id, contact_id=ana.id, language="pt",
                                  token_hash=token_digest(secret), sent_at=datetime.now(timezone.utc))
    db.add(invitation)
    survey.status = "sent"
    db.flush()
    _MADE.update(survey_id=survey.id, version=survey.version)
    return {"survey_id": survey.id, "survey_invitation_id": invitation.id, "survey_token": secret}
