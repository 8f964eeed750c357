"""A plan's commitments: added, changed and removed while the plan is a draft; custom ones get their actuals
typed by staff (nothing in Channelbase measures them), even once signed."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible
from channelbase.core import audit
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.core.money import Money, MoneyError
from channelbase.deals.fx import reporting_currency, require_staff
from channelbase.partners.common import check_version
from channelbase.plans import plans
from channelbase.plans.models import MONEY_KINDS, CommitmentKind, PlanCommitment, PlanStatus
from channelbase.plans.schemas import QUARTERS, ActualsIn, CommitmentIn, CommitmentUpdate, VersionIn

MAX_COUNT = 10**9
_WHOLE = re.compile(r"-?\d{1,12}")


def _count(text: str, name: str) -> int:
    cleaned = text.strip() or "0"
    if not _WHOLE.fullmatch(cleaned):
        raise InvalidInput(f"{name.upper()}: '{text}' is not a whole number.",
                           field_errors={name: "a whole number, e.g. 4"})
    return int(cleaned)


def _money(text: str, name: str, currency: str) -> int:
    try:
        return Money.parse(text.strip() or "0", currency).to_minor()
    except MoneyError as exc:
        raise InvalidInput(f"{name.upper()}: {exc.message}", field_errors={name: exc.message}) from None


def targets_of(data: CommitmentIn) -> tuple[int, int, int, int]:
    """The four quarters' targets in minor units of the reporting currency (money kinds) or as counts."""
    money = data.kind in MONEY_KINDS
    currency = reporting_currency()
    values = []
    for name in QUARTERS:
        text = str(getattr(data, name) or "")
        values.append(_money(text, name, currency) if money else _count(text, name))
    negative = [name for name, value in zip(QUARTERS, values, strict=True) if value < 0]
    if negative:
        raise InvalidInput("Targets cannot be negative: use 0 for a quarter without one.",
                           field_errors=dict.fromkeys(negative, "0 or more"))
    if any(value > MAX_COUNT * 100 for value in values):
        raise InvalidInput("That target is too large.", field_errors={"q1": "too large"})
    if not any(values):
        raise InvalidInput("Give at least one quarter a target above 0.", field_errors={"q1": "at least one above 0"})
    if data.kind == CommitmentKind.CUSTOM and not data.description:
        raise InvalidInput("A custom commitment needs a description: say what is committed.",
                           field_errors={"description": "say what is committed"})
    return values[0], values[1], values[2], values[3]


def add_commitment(session: Session, actor: User, plan_id: int, data: CommitmentIn) -> PlanCommitment:
    """A new commitment on a draft plan."""
    plan = plans.editable_plan(session, actor, plan_id)
    targets = targets_of(data)
    position = (session.scalar(select(func.max(PlanCommitment.position)).where(PlanCommitment.plan_id == plan.id))
                or 0) + 1
    commitment = PlanCommitment(plan_id=plan.id, side=data.side, kind=data.kind, description=data.description,
                                position=position, q1_target=targets[0], q2_target=targets[1],
                                q3_target=targets[2], q4_target=targets[3])
    session.add(commitment)
    plans.touch(plan)
    session.flush()
    audit.record(session, actor, "create", commitment, None)
    return commitment


def get_commitment(session: Session, actor: User, plan_id: int, commitment_id: int) -> PlanCommitment:
    commitment = get_visible(session, actor, PlanCommitment, commitment_id)
    if commitment.plan_id != plan_id:
        raise InvalidInput("That commitment belongs to another plan.", field_errors={"commitment": "other plan"})
    return commitment


def update_commitment(session: Session, actor: User, plan_id: int, commitment_id: int,
                      data: CommitmentUpdate) -> PlanCommitment:
    plan = plans.editable_plan(session, actor, plan_id)
    commitment = get_commitment(session, actor, plan.id, commitment_id)
    check_version(session, commitment, data.version)
    targets = targets_of(data)
    before = audit.snapshot(commitment)
    commitment.side, commitment.kind, commitment.description = data.side, data.kind, data.description
    commitment.q1_target, commitment.q2_target, commitment.q3_target, commitment.q4_target = targets
    if data.kind != CommitmentKind.CUSTOM:
        commitment.q1_actual = commitment.q2_actual = commitment.q3_actual = commitment.q4_actual = None
    plans.touch(plan)
    audit.record(session, actor, "update", commitment, before)
    return commitment


def remove_commitment(session: Session, actor: User, plan_id: int, commitment_id: int, data: VersionIn) -> None:
    plan = plans.editable_plan(session, actor, plan_id)
    commitment = get_commitment(session, actor, plan.id, commitment_id)
    check_version(session, commitment, data.version)
    before = audit.snapshot(commitment)
    session.delete(commitment)
    plans.touch(plan)
    session.flush()
    audit.record(session, actor, "delete", commitment, before)


def set_actuals(session: Session, actor: User, plan_id: int, commitment_id: int, data: ActualsIn) -> PlanCommitment:
    """Type what a custom commitment achieved each quarter; draft and signed plans alike (it changes no target)."""
    require_staff(actor, "record the actuals of custom commitments")
    plan = plans.get_plan(session, actor, plan_id)
    if plan.status == PlanStatus.SUPERSEDED:
        raise Conflict(f"This {plan.label} was superseded: record actuals on the current revision.")
    commitment = get_commitment(session, actor, plan.id, commitment_id)
    if commitment.kind != CommitmentKind.CUSTOM:
        raise Conflict("Only custom commitments take typed actuals: the others are measured from deals, "
                       "registrations, certifications and activities.")
    check_version(session, commitment, data.version)
    before = audit.snapshot(commitment)
    commitment.q1_actual, commitment.q2_actual, commitment.q3_actual, commitment.q4_actual = (
        data.q1, data.q2, data.q3, data.q4)
    audit.record(session, actor, "update", commitment, before)
    return commitment
