"""The admins' users page."""

from __future__ import annotations

import html

from sqlalchemy import select

from channelbase.auth.models import User, WebSession


def _new_user(**overrides):
    return {"email": "Marta@Abertas.com.br", "name": "Marta Lima", "role": "partner", "partner_id": "",
            "password": "a-long-password", "language": "pt", **overrides}


def test_it_lists_users_with_role_partner_and_status(client_as):
    page = client_as("admin").get("/users")
    assert page.status_code == 200
    ana_row = page.text.split("Ana Souza")[1].split("</tr>")[0]
    assert "Partner" in ana_row and "Soluções Abertas Ltda." in ana_row and "Active" in ana_row


def test_an_admin_creates_a_partner_user(client_as, db, world):
    response = client_as("admin").post("/users", data=_new_user(partner_id=str(world.partners["abertas"])))
    assert response.status_code == 303
    user = db.scalar(select(User).where(User.email == "marta@abertas.com.br"))
    assert user.partner_id == world.partners["abertas"] and user.role == "partner"
    assert "Marta Lima" in client_as("admin").get(response.headers["location"]).text


def test_it_explains_a_refused_user_and_keeps_the_values_but_not_the_password(client_as, db):
    page = client_as("admin").post("/users", data=_new_user())  # a partner user without a partner
    assert page.status_code == 422
    assert "Partner users need a partner" in page.text
    assert 'value="Marta@Abertas.com.br"' in page.text and "a-long-password" not in page.text
    assert db.scalar(select(User.id).where(User.email == "marta@abertas.com.br")) is None


def test_it_refuses_a_second_user_with_the_same_email(client_as):
    page = client_as("admin").post("/users", data=_new_user(email="lucia@channelbase.demo", role="manager"))
    assert page.status_code == 409 and "already exists" in html.unescape(page.text)


def test_disabling_a_user_ends_their_sessions_and_enabling_restores_sign_in(client_as, db, world):
    ana = client_as("ana")
    admin = client_as("admin")
    assert admin.post(f"/users/{world.users['ana']}/disable").status_code == 303
    assert db.scalar(select(WebSession.id).where(WebSession.user_id == world.users["ana"])) is None
    assert ana.get("/").headers["location"].startswith("/login")  # signed out
    assert "Disabled" in admin.get("/users").text.split("Ana Souza")[1].split("</tr>")[0]
    assert admin.post(f"/users/{world.users['ana']}/enable").status_code == 303
    db.expire_all()
    assert db.get(User, world.users["ana"]).is_active


def test_managers_and_partner_users_may_not_manage_users(client_as, world):
    assert client_as("lucia").get("/users").status_code == 403
    assert client_as("ana").post("/users", data=_new_user()).status_code == 403
    assert client_as("lucia").post(f"/users/{world.users['ana']}/disable").status_code == 403
