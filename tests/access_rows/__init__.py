"""More rows of the access matrix, one module per area: each defines ROWS {(method, path): policy} and
BODIES {(method, path): world -> valid body}. Paths are full paths (API ones start with /api/v1).

URL ids available: partner_id, contact_id, account_id, territory_id, link_id, user_id, token_id,
product_id, currency, registration_id and opportunity_id (partner A's, from the world), stage_id (the
first stage) and program_id (the default program); activity_id and task_id (partner A's, logged by and
assigned to its manager Lucía), rule_id (a cadence rule) and feed_token (Lucía's calendar-feed token)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable


def _modules():
    for info in pkgutil.iter_modules(__path__):
        yield importlib.import_module(f"{__name__}.{info.name}")


def extra_rows() -> dict[tuple[str, str], dict[str, str]]:
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for module in _modules():
        rows.update(getattr(module, "ROWS", {}))
    return rows


def extra_bodies() -> dict[tuple[str, str], Callable]:
    bodies: dict[tuple[str, str], Callable] = {}
    for module in _modules():
        bodies.update(getattr(module, "BODIES", {}))
    return bodies


def extra_ids(db, actor) -> dict[str, int | str]:
    """The URL ids of every module that sets AUTO_IDS = True and defines make_ids(db, actor), merged."""
    ids: dict[str, int | str] = {}
    for module in _modules():
        if getattr(module, "AUTO_IDS", False):
            ids.update(module.make_ids(db, actor))
    return ids
