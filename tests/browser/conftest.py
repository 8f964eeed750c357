"""A live Channelbase on its own database, driven by real Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from channelbase.core import migrate
from channelbase.core.config import Settings
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.demo.world import DEMO_PASSWORD, World, seed_world
from tests.conftest import database_url
from tests.smtp_inbox import Inbox, running_inbox

CHROMIUM = os.environ.get("CHANNELBASE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_world(tmp_path_factory) -> tuple[str, World]:
    url = database_url(tmp_path_factory.getbasetemp(), "browser")
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        world = seed_world(session)
    engine.dispose()
    return url, world


@pytest.fixture(scope="session")
def live_inbox() -> Iterator[tuple[int, Inbox]]:
    """A real SMTP server on 127.0.0.1 receiving the live app's e-mail (sign-in links, invitations)."""
    with running_inbox() as server:
        yield server


@pytest.fixture(scope="session")
def live_server(live_world, live_inbox, tmp_path_factory) -> Iterator[str]:
    from channelbase.app import create_app
    url, _world = live_world
    port = _free_port()
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("live"), database_url=url,
                        secret_key="b" * 40, base_url=f"http://127.0.0.1:{port}", smtp_port=live_inbox[0])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def signed_in_state(browser, live_server, tmp_path_factory):
    """Sign in through the real form once per persona; later pages reuse the stored cookies."""
    states: dict[str, str] = {}

    def state_for(email: str) -> str:
        if email not in states:
            context = browser.new_context(base_url=live_server)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("E-mail").fill(email)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda url: "/login" not in url)  # staff land on My day, partner users on home
            path = tmp_path_factory.getbasetemp() / f"state-{email}.json"
            context.storage_state(path=str(path))
            context.close()
            states[email] = str(path)
        return states[email]

    return state_for


@pytest.fixture
def page_as(browser, live_server, signed_in_state):
    contexts = []

    def make(email: str, width: int = 1280, height: int = 900):
        context = browser.new_context(base_url=live_server, storage_state=signed_in_state(email),
                                      viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
