"""What the health pages take, checked at the edge: the weights form and the list filters."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from channelbase.core.errors import InvalidInput
from channelbase.health.components import COMPONENT_KEYS, COMPONENT_LABELS
from channelbase.partners.models import PartnerTier, PartnerType
from channelbase.partners.schemas import Strict

MAX_WEIGHT = 100
TOTAL_WEIGHT = 100


def weight_field(key: str) -> str:
    """The form field of one component's weight, e.g. 'weight_cadence'."""
    return f"weight_{key}"


def total_error(total: int) -> str:
    return f"The weights add up to {total} %: they must add up to {TOTAL_WEIGHT} %"


class HealthWeightsIn(Strict):
    """Every component's weight (whole numbers 0-100 adding up to 100) and the stamp of the weights the editor
    loaded (a save made meanwhile refuses this one)."""

    stamp: str
    weights: dict[str, int]

    @field_validator("weights")
    @classmethod
    def _complete(cls, value: dict[str, int]) -> dict[str, int]:
        for key in COMPONENT_KEYS:
            weight = value.get(key)
            if weight is None or not 0 <= weight <= MAX_WEIGHT:
                raise ValueError(f"{COMPONENT_LABELS[key]}: give a whole number from 0 to {MAX_WEIGHT}")
        if set(value) - set(COMPONENT_KEYS):
            raise ValueError(f"unknown components: {', '.join(sorted(set(value) - set(COMPONENT_KEYS)))}")
        total = sum(value.values())
        if total != TOTAL_WEIGHT:
            raise ValueError(total_error(total))
        return value


def _weight_value(raw: Any) -> tuple[int | None, str | None]:
    """A form cell as a weight, or what is wrong with it."""
    text = str(raw if raw is not None else "").strip().removesuffix("%").strip()
    if not text:
        return None, "required: enter 0 to leave the component out"
    if text.startswith("-") and text[1:].isdigit():
        return None, "cannot be negative: enter 0 to 100"
    if not text.isdigit():
        return None, "must be a whole number from 0 to 100"
    if int(text) > MAX_WEIGHT:
        return None, "must be 100 or less"
    return int(text), None


def read_weights_form(data: dict[str, Any]) -> HealthWeightsIn:
    """The submitted weights (fields named by weight_field, and 'stamp'); each bad one named beside its field,
    and a total other than 100 refused with the total it makes."""
    weights: dict[str, int] = {}
    errors: dict[str, str] = {}
    for key in COMPONENT_KEYS:
        value, problem = _weight_value(data.get(weight_field(key)))
        if problem:
            errors[weight_field(key)] = problem
        else:
            weights[key] = value or 0
    if errors:
        first = next(iter(errors))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        label = COMPONENT_LABELS[first.removeprefix("weight_")]
        raise InvalidInput(f"{label}: {errors[first]}{more}. Fix the highlighted weights and save again.",
                           field_errors=errors)
    total = sum(weights.values())
    if total != TOTAL_WEIGHT:
        raise InvalidInput(f"{total_error(total)}.", field_errors={"total": total_error(total)})
    return HealthWeightsIn(stamp=str(data.get("stamp") or ""), weights=weights)


class HealthFilter(Strict):
    territory_id: int | None = None  # the territory and every one below it
    type: PartnerType | None = None
    tier: PartnerTier | None = None
