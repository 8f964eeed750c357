"""Outgoing e-mail through the configured SMTP server: a plain-text body with an HTML alternative."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from channelbase.core.config import Settings
from channelbase.core.errors import DomainError

TIMEOUT_SECONDS = 30


class MailError(DomainError):
    """The SMTP server could not be reached or refused the message."""

    status = 502


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


def build_message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "channelbase")
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def send_mail(settings: Settings, mail: Mail) -> None:
    """Send one message; raise MailError (saying which server) if it could not be handed over."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(build_message(settings, mail))
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"Could not send e-mail to {mail.to} through SMTP server {where}: {exc}. "
                        "Check the CHANNELBASE_SMTP_* settings.") from exc
