"""The portal's demo: the named partner users are their partners' portal admins, and a few announcements
in each language greet them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.portal.models import Announcement, PortalAdmin

ANNOUNCEMENTS = [
    ("en", "New: register deals in one page", "Registering a deal now takes one page. Your channel manager answers "
                                              "within the program's time limit."),
    ("es", "Nuevo: registra oportunidades en una sola página", "Registrar una oportunidad ahora toma una sola "
                                                               "página. Tu gerente de canal responde dentro del plazo "
                                                               "del programa."),
    ("pt", "Novo: registre negócios em uma só página", "Registrar um negócio agora leva uma só página. Seu gerente "
                                                      "de canal responde dentro do prazo do programa."),
]


def load_portal(session: Session, today: date) -> dict[str, int]:
    admin = session.scalar(select(User.id).where(User.role == Role.ADMIN).order_by(User.id).limit(1))
    partner_users = list(session.scalars(select(User.id).where(User.role == Role.PARTNER)))
    for user_id in partner_users:
        session.add(PortalAdmin(user_id=user_id, granted_by_id=admin))
    for language, title, body in ANNOUNCEMENTS:
        session.add(Announcement(title=title, body=body, language=language, published_on=today - timedelta(days=3),
                                 created_by_id=admin))
    session.flush()
    return {"portal_admins": len(partner_users), "announcements": len(ANNOUNCEMENTS)}
