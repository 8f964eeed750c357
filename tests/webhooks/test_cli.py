"""`channelbase webhooks list|add|ping|deliver|deliveries|remove` against a migrated, seeded SQLite file."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from channelbase.demo.world import World
from channelbase.webhooks import cli as webhooks_cli
from tests.cli_harness import cli_database, invoke


@pytest.fixture(scope="module")
def cli_world(tmp_path_factory) -> Iterator[World]:
    with cli_database(tmp_path_factory.mktemp("webhooks_cli"), wide_consoles=(webhooks_cli,)) as world:
        yield world


def test_add_ping_deliver_and_remove_from_the_terminal(cli_world, receiver):
    assert "No webhooks yet" in invoke("webhooks", "list").stdout
    added = invoke("webhooks", "add", receiver.url, "-e", "partner.created", "-e", "registration.approved",
                   "--description", "ERP")
    assert added.exit_code == 0, added.output
    match = re.search(r"Added webhook #(\d+) to (\S+) for registration\.approved, partner\.created\.", added.stdout)
    assert match and match.group(2) == receiver.url
    receiver.secret = added.stdout.strip().splitlines()[-1]
    assert len(receiver.secret) >= 43
    subscription_id = match.group(1)
    listed = invoke("webhooks", "list").stdout
    assert receiver.url in listed and "active" in listed and receiver.secret not in listed
    assert invoke("webhooks", "ping", subscription_id).exit_code == 0
    delivered = invoke("webhooks", "deliver")
    assert "Attempted 1 deliveries: 1 delivered, 0 to retry later, 0 failed." in delivered.stdout, delivered.output
    assert len(receiver.received) == 1 and receiver.received[0].signature_ok
    assert "No deliveries are due." in invoke("webhooks", "deliver").stdout
    log = invoke("webhooks", "deliveries", "--status", "delivered").stdout
    assert "ping" in log and "200" in log and "1 of 1 deliveries." in log
    removed = invoke("webhooks", "remove", subscription_id, "--yes")
    assert removed.exit_code == 0 and f"Deleted webhook #{subscription_id}." in removed.stdout
    assert "No deliveries." in invoke("webhooks", "deliveries").stdout


def test_bad_input_exits_with_the_reason(cli_world):
    bad_url = invoke("webhooks", "add", "ftp://erp.example.com/in")
    assert bad_url.exit_code == 1 and "must start with https://" in bad_url.stderr
    bad_event = invoke("webhooks", "add", "https://erp.example.com/in", "-e", "deal.created")
    assert bad_event.exit_code == 1 and "Unknown event 'deal.created'" in bad_event.stderr
    manager = invoke("--as", "lucia@channelbase.demo", "webhooks", "list")
    assert manager.exit_code == 1 and "Only admins may manage webhooks." in manager.stderr
    missing = invoke("webhooks", "remove", "999", "--yes")
    assert missing.exit_code == 1 and "No webhook #999." in missing.stderr
