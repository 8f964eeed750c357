"""The survey invitation e-mail, in the contact's language, with the link that answers it."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from channelbase.core import i18n
from channelbase.core.config import Settings
from channelbase.core.mail import Mail, send_mail
from channelbase.partners.models import Contact, Partner
from channelbase.surveys.models import Survey

_env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
i18n.install(_env)


def answer_url(settings: Settings, secret: str) -> str:
    return f"{settings.base_url.rstrip('/')}/survey/{secret}"


def invitation(settings: Settings, survey: Survey, contact: Contact, partner: Partner, sender_name: str,
               secret: str, language: str) -> Mail:
    """The e-mail asking one contact to answer, written in `language` (the contact's)."""
    context = {"survey": survey, "contact": contact, "partner": partner, "sender_name": sender_name,
               "url": answer_url(settings, secret)}
    with i18n.language(language):
        return Mail(to=contact.email,
                    subject=i18n.gettext("%(partner)s: how likely are you to recommend us?", partner=partner.name),
                    text=_env.get_template("surveys/mail/invitation.txt").render(context),
                    html=_env.get_template("surveys/mail/invitation.html").render(context))


def send(settings: Settings, mail: Mail) -> None:
    send_mail(settings, mail)
