"""A real SMTP server (aiosmtpd on 127.0.0.1) for the portal's e-mails, and the app sending to it."""

from __future__ import annotations

import re

from tests.mail_fixtures import BASE, inbox, settings, smtp_server

__all__ = ["BASE", "inbox", "settings", "smtp_server"]  # the mail fixtures, shared


def link_in(message) -> str:
    """The sign-in link's path in an e-mail's plain text."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(re.escape(BASE) + r"(/login/link/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)
