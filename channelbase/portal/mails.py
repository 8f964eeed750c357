"""The portal's e-mails (invitation, sign-in link), each in its recipient's language."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from channelbase.auth.models import User
from channelbase.core import i18n
from channelbase.core.i18n import N_
from channelbase.core.config import Settings
from channelbase.core.mail import Mail, send_mail
from channelbase.partners.models import Partner

_env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
i18n.install(_env)


def link_url(settings: Settings, secret: str) -> str:
    return f"{settings.base_url.rstrip('/')}/login/link/{secret}"


def _compose(user: User, template: str, subject: str, context: dict) -> Mail:
    with i18n.language(user.language):
        context = {**context, "user": user}
        return Mail(to=user.email, subject=i18n.gettext(subject, **context.get("subject_values", {})),
                    text=_env.get_template(f"portal/mail/{template}.txt").render(context),
                    html=_env.get_template(f"portal/mail/{template}.html").render(context))


def invitation(settings: Settings, user: User, partner: Partner, inviter: User, secret: str) -> Mail:
    return _compose(user, "invitation", N_("%(partner)s: your invitation to the partner portal"),
                    {"partner": partner, "inviter": inviter, "url": link_url(settings, secret),
                     "subject_values": {"partner": partner.name}})


def sign_in_link(settings: Settings, user: User, secret: str) -> Mail:
    return _compose(user, "sign_in_link", N_("Your sign-in link"), {"url": link_url(settings, secret)})


def send(settings: Settings, mail: Mail) -> None:
    send_mail(settings, mail)
