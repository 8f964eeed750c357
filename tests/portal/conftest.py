"""A real SMTP server (aiosmtpd on 127.0.0.1) for the portal's e-mails, and the app sending to it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from tests.smtp_inbox import Inbox, running_inbox

BASE = "https://portal.example.com"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    with running_inbox() as server:
        yield server


@pytest.fixture
def inbox(smtp_server) -> Inbox:
    port, inbox = smtp_server
    with inbox.lock:
        inbox.received.clear()
    return inbox


@pytest.fixture
def settings(settings, smtp_server):
    """The suite's settings, sending mail to the test server, with a public https base URL."""
    return settings.model_copy(update={"smtp_port": smtp_server[0], "base_url": BASE})


def link_in(message) -> str:
    """The sign-in link's path in an e-mail's plain text."""
    text = message.get_body(("plain",)).get_content()
    match = re.search(re.escape(BASE) + r"(/login/link/[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)
