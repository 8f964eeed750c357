"""Sign-in by a one-time e-mailed link and invitations to the portal, with a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from channelbase.auth.models import Role, User
from channelbase.core import i18n
from channelbase.core.audit import AuditEntry
from channelbase.core.base import utcnow
from channelbase.partners.models import Contact
from channelbase.portal import magic_links
from channelbase.portal.models import MagicLink, PortalAdmin
from tests.portal.conftest import link_in


def _ask(anon, email: str, language: str = "en"):
    anon.cookies.set("cb_csrf", "t")
    return anon.post("/login/link", data={"email": email, "csrf_token": "t"}, headers={"Accept-Language": language})


def test_a_link_signs_in_once_and_only_once(anon, inbox, db, world):
    answer = _ask(anon, "ana@abertas.com.br")
    assert answer.status_code == 200
    [mail] = inbox.to("ana@abertas.com.br")
    path = link_in(mail)
    # A mail scanner opening the link spends nothing: the page asks for a press of the button.
    assert anon.get(path).status_code == 200
    assert anon.get(path).status_code == 200
    signed_in = anon.post(path, data={"csrf_token": "t"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/portal"
    # Secure cookies (the base URL is https): the test client on http sends it only when told to.
    anon.cookies.set("cb_session", signed_in.cookies["cb_session"])
    assert anon.get("/portal").status_code == 200
    anon.cookies.set("cb_csrf", "t")
    again = anon.post(path, data={"csrf_token": "t"})
    assert again.status_code == 410 and "já foi usado" in again.text  # Ana reads Portuguese
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "link_sign_in", AuditEntry.entity_id == world.users["ana"])) == 1


def test_the_answer_is_the_same_for_unknown_addresses_and_no_mail_leaves(anon, inbox):
    known, unknown = _ask(anon, "ana@abertas.com.br"), _ask(anon, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ana@abertas.com.br", "X") == unknown.text.replace("nobody@example.org", "X")
    assert inbox.recipients() == ["ana@abertas.com.br"]


def test_an_expired_or_unknown_link_is_refused_with_a_clear_page(anon, db, actor):
    secret = magic_links.issue(db, actor("bruno"), magic_links.SIGN_IN, now=utcnow() - timedelta(minutes=16))
    db.flush()
    expired = anon.get(f"/login/link/{secret}", headers={"Accept-Language": "en"})
    with i18n.language("es"):  # the link is known, so the page speaks its user's language (Bruno's)
        assert expired.status_code == 410 and i18n.gettext(magic_links.REASONS["expired"]) in expired.text
    assert "venció" in expired.text
    unknown = anon.get("/login/link/not-a-real-link", headers={"Accept-Language": "en"})
    assert unknown.status_code == 410 and "not valid" in unknown.text


def test_links_for_one_address_are_limited_per_hour(anon, inbox):
    for _ in range(magic_links.MAX_SIGN_IN_LINKS_PER_HOUR):
        assert _ask(anon, "bruno@nubebravo.mx").status_code == 200
    refused = _ask(anon, "bruno@nubebravo.mx")
    assert refused.status_code == 429
    assert len(inbox.to("bruno@nubebravo.mx")) == magic_links.MAX_SIGN_IN_LINKS_PER_HOUR


def test_a_used_link_spends_the_users_other_sign_in_links(db, actor):
    ana = actor("ana")
    first, second = (magic_links.issue(db, ana, magic_links.SIGN_IN) for _ in range(2))
    db.flush()
    assert magic_links.consume(db, second).id == ana.id
    assert db.scalar(select(func.count()).select_from(MagicLink).where(
        MagicLink.user_id == ana.id, MagicLink.used_at.is_(None))) == 0
    try:
        magic_links.consume(db, first)
    except magic_links.LinkNotValid as exc:
        assert exc.reason == "unknown"
    else:
        raise AssertionError("an older link still worked")


def test_the_mail_is_in_the_users_language(anon, inbox, db, world):
    _ask(anon, "bruno@nubebravo.mx")  # Bruno reads Spanish
    [mail] = inbox.to("bruno@nubebravo.mx")
    assert mail["Subject"] == "Tu enlace de acceso"
    assert "Hola, Bruno Castillo," in mail.get_body(("plain",)).get_content()


# Invitations ----------------------------------------------------------------------------------------

def _new_contact(db, actor, world, email="carla@abertas.com.br", language="es") -> Contact:
    from channelbase.partners import service
    from channelbase.partners.schemas import ContactCreate
    contact = service.create_contact(db, actor("lucia"), ContactCreate(
        partner_id=world.partners["abertas"], name="Carla Mendes", email=email, role="presales",
        language=language))
    db.flush()
    return contact


def test_a_manager_invites_a_contact_who_signs_in_with_the_invitation(client_as, anon, inbox, db, actor, world):
    contact = _new_contact(db, actor, world)
    lucia = client_as("lucia")
    sent = lucia.post(f"/partners/{world.partners['abertas']}/portal-users", data={"contact_id": contact.id})
    assert sent.status_code == 303, sent.text
    user = db.scalar(select(User).where(User.email == "carla@abertas.com.br"))
    assert user is not None and user.role == Role.PARTNER and user.partner_id == world.partners["abertas"]
    assert user.language == "es" and user.password_hash == ""  # no password until she sets one
    [mail] = inbox.to("carla@abertas.com.br")
    assert "Soluções Abertas Ltda." in mail["Subject"]
    anon.cookies.set("cb_csrf", "t")
    signed_in = anon.post(link_in(mail), data={"csrf_token": "t"})
    assert signed_in.status_code == 303
    anon.cookies.set("cb_session", signed_in.cookies["cb_session"])
    home = anon.get("/portal")
    assert home.status_code == 200 and "Soluções Abertas" in home.text
    panel = lucia.get(f"/partners/{world.partners['abertas']}/portal-users")
    assert "carla@abertas.com.br" in panel.text
    # Carla has no password yet: she sets a first one without a "current password", then signs in with it.
    account = anon.get("/account")
    assert 'name="current_password"' not in account.text and "Definir contraseña" in account.text
    anon.cookies.set("cb_csrf", "t")
    new = "Aurora-sol-2026-verde"
    assert anon.post("/account/password", data={"new_password": new, "confirm_password": new,
                                                "csrf_token": "t"}).status_code == 200
    fresh = anon.post("/login", data={"email": "carla@abertas.com.br", "password": new, "csrf_token": "t"})
    assert fresh.status_code == 303


def test_inviting_an_address_with_an_account_is_refused_and_sends_nothing(client_as, inbox, world, db):
    lucia = client_as("lucia")
    refused = lucia.post(f"/partners/{world.partners['abertas']}/portal-users",
                         data={"contact_id": world.contacts["ana"]})
    assert refused.status_code == 409 and "already has a Channelbase account" in refused.text
    assert inbox.received == []
    assert db.scalar(select(func.count()).select_from(MagicLink).where(MagicLink.purpose == "invite")) == 0


def test_only_a_partners_portal_admins_invite_colleagues(client_as, inbox, db, actor, world):
    ana = client_as("ana")
    body = {"name": "Diego Ramos", "email": "diego@abertas.com.br", "language": "pt"}
    assert ana.post("/portal/team", data=body).status_code == 403
    assert client_as("lucia").post(f"/partners/{world.partners['abertas']}/portal-users/{world.users['ana']}/admin",
                                   data={"admin": "1"}).status_code == 303
    assert db.get(PortalAdmin, world.users["ana"]) is not None
    invited = ana.post("/portal/team", data=body)
    assert invited.status_code == 303
    [mail] = inbox.to("diego@abertas.com.br")
    assert mail["Subject"] == "Soluções Abertas Ltda.: seu convite para o portal de parceiros"
    diego = db.scalar(select(User).where(User.email == "diego@abertas.com.br"))
    assert diego.partner_id == world.partners["abertas"]  # always Ana's own partner, never another
    assert db.get(PortalAdmin, diego.id) is None


def test_a_bad_invitation_gets_a_clear_error(client_as, db, actor, world):
    from channelbase.portal import invitations
    invitations.set_portal_admin(db, actor("admin"), actor("ana"), True)
    db.flush()
    ana = client_as("ana")
    bad_mail = ana.post("/portal/team", data={"name": "X", "email": "not-an-address"})
    assert bad_mail.status_code == 422 and 'aria-invalid="true"' in bad_mail.text
    no_name = ana.post("/portal/team", data={"name": " ", "email": "someone@abertas.com.br"})
    assert no_name.status_code == 422
    assert db.scalar(select(User).where(User.email == "someone@abertas.com.br")) is None
