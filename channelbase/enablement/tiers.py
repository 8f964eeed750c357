"""Tier requirements set by the program: what each tier asks (bookings, won deals, registrations, certified
people), the defaults while a tier has none stored, and saving the whole table at once (admins only), checked
so that a higher tier never asks less than a lower one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from pydantic import field_validator
from sqlalchemy import select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from channelbase.auth.models import User
from channelbase.auth.visibility import rule_for, visible
from channelbase.core import audit
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput, StaleEdit
from channelbase.deals.fx import reporting_currency, require_admin
from channelbase.enablement.models import TierRequirement
from channelbase.partners.models import PartnerTier
from channelbase.partners.schemas import Strict

TIER_ORDER: list[str] = [PartnerTier.REGISTERED, PartnerTier.SILVER, PartnerTier.GOLD, PartnerTier.PLATINUM]
# Registered is where every partner starts, so it asks nothing; the tiers above it have requirements.
RANKED_TIERS: list[str] = TIER_ORDER[1:]
TIER_LABELS: dict[str, str] = {tier: tier.capitalize() for tier in TIER_ORDER}

REQUIREMENT_KEYS = ("bookings", "won_deals", "registrations", "active_registrations", "certified_sales",
                    "certified_presales")
# The staff pages' words (English); the portal has its own translated labels in channelbase/portal/status.py.
REQUIREMENT_LABELS = {
    "bookings": "Bookings in the last 12 months",
    "won_deals": "Deals won in the last 12 months",
    "registrations": "Deals registered in the last 12 months (not rejected)",
    "active_registrations": "Registrations active today (submitted, or approved and not expired)",
    "certified_sales": "People with a valid sales certification",
    "certified_presales": "People with a valid pre-sales certification",
}
SHORT_LABELS = {"bookings": "Bookings", "won_deals": "Deals won", "registrations": "Registrations",
                "active_registrations": "Active registrations", "certified_sales": "Certified sales",
                "certified_presales": "Certified pre-sales"}
# How an error names what a tier asks "fewer" (or "less") of.
_FEWER = {"bookings": "less in bookings", "won_deals": "fewer won deals", "registrations": "fewer registered deals",
          "active_registrations": "fewer active registrations", "certified_sales": "fewer certified sales people",
          "certified_presales": "fewer certified pre-sales people"}

# What each tier asks while the program has stored nothing for it: bookings in the reporting currency and
# deals over the last twelve months, registrations live today, and people holding a valid certification today.
DEFAULT_REQUIREMENTS: dict[str, dict[str, int]] = {
    PartnerTier.SILVER: {"bookings": 50_000, "won_deals": 2, "registrations": 3, "active_registrations": 1,
                         "certified_sales": 1, "certified_presales": 1},
    PartnerTier.GOLD: {"bookings": 250_000, "won_deals": 6, "registrations": 10, "active_registrations": 3,
                       "certified_sales": 2, "certified_presales": 2},
    PartnerTier.PLATINUM: {"bookings": 1_000_000, "won_deals": 15, "registrations": 25, "active_registrations": 8,
                           "certified_sales": 4, "certified_presales": 3},
}
MAX_MINIMUM = 1_000_000_000_000


# The program's settings: every signed-in user may read them (partners see what their next tier asks).
@rule_for(TierRequirement)
def _tier_requirement_rule(actor: User):
    return true()


def cell_name(tier: str, key: str) -> str:
    """The form field of one tier's minimum, e.g. 'gold__certified_sales'."""
    return f"{tier}__{key}"


def next_tier(tier: str) -> str | None:
    """The tier above (None at the top); an unknown tier counts as Registered."""
    position = TIER_ORDER.index(tier) if tier in TIER_ORDER else 0
    return TIER_ORDER[position + 1] if position + 1 < len(TIER_ORDER) else None


def previous_tier(tier: str) -> str | None:
    position = TIER_ORDER.index(tier) if tier in TIER_ORDER else 0
    return TIER_ORDER[position - 1] if position > 0 else None


@dataclass(frozen=True)
class TierTable:
    """Every ranked tier's minimums, as stored or (for a tier with no stored rows) the defaults."""

    minimums: dict[str, dict[str, int]]
    defaulted: frozenset[str]  # tiers showing the defaults
    stamp: str  # changes whenever a stored row does: the whole-table form's optimistic lock

    def needs(self, tier: str) -> dict[str, int]:
        """What the tier asks, requirements of 0 left out (they ask nothing); Registered asks nothing."""
        return {key: need for key, need in self.minimums.get(tier, {}).items() if need > 0}


def _stamp(rows: list[TierRequirement]) -> str:
    # Ids and versions: any save (an update bumps a version, an insert adds an id) gives a new stamp.
    text = ";".join(f"{row.id}:{row.version}" for row in sorted(rows, key=lambda r: r.id))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stored(session: Session, actor: User) -> list[TierRequirement]:
    return list(session.scalars(visible(select(TierRequirement), actor).order_by(TierRequirement.id)))


def _table(rows: list[TierRequirement]) -> TierTable:
    stored: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.tier in RANKED_TIERS and row.key in REQUIREMENT_KEYS:
            stored.setdefault(row.tier, {})[row.key] = row.minimum
    # A tier the program configured asks only what it stored: a measure added later is not imposed on it.
    minimums = {tier: {key: stored[tier].get(key, 0) if tier in stored else DEFAULT_REQUIREMENTS[tier][key]
                       for key in REQUIREMENT_KEYS} for tier in RANKED_TIERS}
    return TierTable(minimums, frozenset(t for t in RANKED_TIERS if t not in stored), _stamp(rows))


def tier_table(session: Session, actor: User) -> TierTable:
    """What every tier asks today."""
    return _table(_stored(session, actor))


# Saving ------------------------------------------------------------------------------------------

class TierRequirementsIn(Strict):
    """The whole table from the form: a minimum for every ranked tier and requirement, and the stamp of the
    table the editor loaded."""

    stamp: str
    minimums: dict[str, dict[str, int]]

    @field_validator("minimums")
    @classmethod
    def _complete(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for tier in RANKED_TIERS:
            for key in REQUIREMENT_KEYS:
                need = value.get(tier, {}).get(key)
                if need is None or not 0 <= need <= MAX_MINIMUM:
                    raise ValueError(f"{TIER_LABELS[tier]} {SHORT_LABELS[key].lower()}: give a whole number, 0 or more")
        return value


def _cell_value(raw: Any) -> tuple[int | None, str | None]:
    """A form cell as a minimum, or the message saying what is wrong with it."""
    text = str(raw if raw is not None else "").strip().replace(" ", "")
    if not text:
        return None, "required: enter 0 for no requirement"
    if text.lstrip("+-").isdigit() and text.startswith("-"):
        return None, "cannot be negative: enter 0 or more"
    if not text.isdigit():
        return None, "must be a whole number (0, 1, 2…)"
    if int(text) > MAX_MINIMUM:
        return None, f"must be at most {MAX_MINIMUM:,}"
    return int(text), None


def read_form(data: dict[str, Any]) -> TierRequirementsIn:
    """The submitted table (fields named by cell_name, and 'stamp'), each bad cell named beside its field."""
    minimums: dict[str, dict[str, int]] = {tier: {} for tier in RANKED_TIERS}
    errors: dict[str, str] = {}
    for tier in RANKED_TIERS:
        for key in REQUIREMENT_KEYS:
            value, problem = _cell_value(data.get(cell_name(tier, key)))
            if problem:
                errors[cell_name(tier, key)] = problem
            else:
                minimums[tier][key] = value or 0
    if errors:
        first = next(iter(errors))
        tier, key = first.split("__", 1)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidInput(f"{TIER_LABELS[tier]} · {SHORT_LABELS[key]} {errors[first]}{more}. Fix the highlighted "
                           "minimums and save again.", field_errors=errors)
    return TierRequirementsIn(stamp=str(data.get("stamp") or ""), minimums=minimums)


def _amount(key: str, value: int) -> str:
    return f"{value:,} {reporting_currency()}" if key == "bookings" else f"{value:,}"


def order_problems(minimums: dict[str, dict[str, int]]) -> dict[str, str]:
    """Cells where a tier asks less than the tier below it, with the message to show beside each."""
    problems: dict[str, str] = {}
    for lower, higher in zip(RANKED_TIERS, RANKED_TIERS[1:]):
        for key in REQUIREMENT_KEYS:
            low, high = minimums[lower][key], minimums[higher][key]
            if high < low:
                problems[cell_name(higher, key)] = (
                    f"{TIER_LABELS[higher]} asks for {_FEWER[key]} ({_amount(key, high)}) than "
                    f"{TIER_LABELS[lower]} ({_amount(key, low)})")
    return problems


def _last_change(session: Session) -> AuditEntry | None:
    return session.scalars(select(AuditEntry).where(AuditEntry.entity_type == TierRequirement.__tablename__)
                           .order_by(AuditEntry.id.desc()).limit(1)).first()


def _stale(session: Session) -> StaleEdit:
    change = _last_change(session)
    who = change.actor_label if change else "someone"
    when = change.at.strftime("%Y-%m-%d %H:%M UTC") if change else "a moment ago"
    return StaleEdit(f"The tier requirements were changed by {who} at {when} after you opened them. "
                     "Review the values shown now and save again.")


def _write(session: Session, actor: User, rows: list[TierRequirement], minimums: dict[str, dict[str, int]]) -> int:
    """Insert or update each cell that differs from what is stored; returns how many changed."""
    by_cell = {(row.tier, row.key): row for row in rows}
    changed = 0
    for tier in RANKED_TIERS:
        for key in REQUIREMENT_KEYS:
            row, minimum = by_cell.get((tier, key)), minimums[tier][key]
            if row is None:
                row = TierRequirement(tier=tier, key=key, minimum=minimum)
                session.add(row)
                session.flush()
                audit.record(session, actor, "create", row, None)
            elif row.minimum != minimum:
                before = audit.snapshot(row)
                row.minimum = minimum
                audit.record(session, actor, "update", row, before)
            else:
                continue
            changed += 1
    return changed


def save_requirements(session: Session, actor: User, data: TierRequirementsIn) -> int:
    """Store the whole table (admins only); refused when a higher tier asks less than a lower one, or when
    someone saved the table after the editor loaded it. Returns how many minimums changed."""
    require_admin(actor, "change tier requirements")
    problems = order_problems(data.minimums)
    if problems:
        first = next(iter(problems.values()))
        more = f" ({len(problems) - 1} more below)" if len(problems) > 1 else ""
        raise InvalidInput(f"{first}{more}: a higher tier must ask at least as much as the tier below it.",
                           field_errors=problems)
    rows = _stored(session, actor)
    if _stamp(rows) != data.stamp:
        raise _stale(session)
    try:
        return _write(session, actor, rows, data.minimums)
    except (IntegrityError, StaleDataError):
        # Another admin saved between our read and our write (a row inserted or updated meanwhile).
        session.rollback()
        raise _stale(session) from None
