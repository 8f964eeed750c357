"""What journey templates and the journeys list take, checked at the edge."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Literal

from pydantic import Field, field_validator

from channelbase.onboarding.models import StepRule
from channelbase.partners.models import PartnerType
from channelbase.partners.schemas import Strict

MAX_STEPS = 30
MANUAL_WORDS = ("", "manual", "none", "-")


class TemplateStepIn(Strict):
    key: str = Field(min_length=1, max_length=80)
    label: str = Field(min_length=1, max_length=200)
    rule: StepRule | None = None


def step_key(label: str) -> str:
    """A slug of the label: 'Pre-sales training passed' -> 'pre-sales-training-passed'."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "step"


def _rule_of(text: str, line_number: int) -> StepRule | None:
    word = re.sub(r"[\s-]+", "_", text.strip().lower())
    if word in MANUAL_WORDS:
        return None
    try:
        return StepRule(word)
    except ValueError:
        known = ", ".join(rule.value for rule in StepRule)
        raise ValueError(f"line {line_number}: unknown rule “{text.strip()}”; use one of {known}, "
                         f"or leave it out for a manual step") from None


def parse_step_lines(text: str) -> list[dict[str, Any]]:
    """Steps written one a line as 'label | rule' (the rule is optional: without it, staff tick the step)."""
    steps = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, _bar, rule = line.partition("|")
        label = " ".join(label.split())
        if not label:
            raise ValueError(f"line {number}: give the step's label before the “|”")
        steps.append({"key": step_key(label), "label": label, "rule": _rule_of(rule, number)})
    return steps


class TemplateIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    partner_type: PartnerType | None = None  # None: a partner of any type
    active: bool = True
    steps: list[TemplateStepIn]

    @field_validator("steps", mode="before")
    @classmethod
    def _from_lines(cls, value: Any) -> Any:
        return parse_step_lines(value) if isinstance(value, str) else value

    @field_validator("steps")
    @classmethod
    def _sensible_steps(cls, steps: list[TemplateStepIn]) -> list[TemplateStepIn]:
        if not steps:
            raise ValueError("give at least one step, one a line")
        if len(steps) > MAX_STEPS:
            raise ValueError(f"a journey has at most {MAX_STEPS} steps")
        seen: set[str] = set()
        for step in steps:
            if step.key in seen:
                raise ValueError(f"the step “{step.label}” is listed twice: give each step its own label")
            seen.add(step.key)
        return steps


class TemplateUpdate(TemplateIn):
    version: int


class JourneyStartIn(Strict):
    agreement_signed_on: date | None = None


class StepTickIn(Strict):
    version: int
    evidence: str = Field("", max_length=500)


class JourneyFilter(Strict):
    territory_id: int | None = None
    state: Literal["in_progress", "completed", "all"] = "in_progress"


def step_lines(steps: list[Any]) -> str:
    """Steps back as the 'label | rule' lines the template form takes."""
    return "\n".join(f"{step.label} | {step.rule}" if step.rule else step.label for step in steps)
