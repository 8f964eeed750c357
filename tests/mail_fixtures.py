"""Fixtures for tests that send real e-mail: an SMTP server on 127.0.0.1 per module, its inbox emptied for each
test, and the suite's settings pointing at it with a public https base URL. Import them into a conftest."""

from __future__ import annotations

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
    _port, inbox = smtp_server
    with inbox.lock:
        inbox.received.clear()
    return inbox


@pytest.fixture
def settings(settings, smtp_server):
    """The suite's settings, sending mail to the test server, with a public https base URL."""
    return settings.model_copy(update={"smtp_port": smtp_server[0], "base_url": BASE})
