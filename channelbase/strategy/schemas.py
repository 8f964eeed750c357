"""What a territory strategy takes, checked at the edge (the catalogue and the fiscal calendar are checked by
the service, which reads them)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import field_validator

from channelbase.partners.models import PARTNER_TYPE_LABELS, PartnerType
from channelbase.partners.schemas import Strict

GOALS_MAX = 4000
MAX_COUNT = 10_000
MAX_INDUSTRIES, INDUSTRY_MAX = 20, 80
MAX_PRODUCTS, PRODUCT_MAX = 30, 200
TYPE_NAMES = ", ".join(t.value for t in PartnerType)
_LINES = re.compile(r"[\r\n]+")
_LINES_OR_COMMAS = re.compile(r"[\r\n,;]+")


def split_entries(value: Any, separators: re.Pattern[str]) -> list[str]:
    """A textarea ('Retail\\nHealthcare') or a list as given, tidied: blanks dropped, repeats (any case) once."""
    parts = separators.split(value) if isinstance(value, str) else list(value or [])
    seen: dict[str, str] = {}
    for part in parts:
        text = " ".join(str(part).split())
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def _count(kind: str, raw: Any) -> int:
    label = PARTNER_TYPE_LABELS.get(kind, kind)
    if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
        raise ValueError(f"{label}: {raw!r} is not a whole number of partners")
    try:
        count = raw if isinstance(raw, int) else int(raw) if isinstance(raw, float) else int(str(raw).strip())
    except ValueError:
        raise ValueError(f"{label}: '{str(raw)[:20]}' is not a whole number of partners") from None
    if count < 0:
        raise ValueError(f"{label}: {count} is negative; a target is 0 partners or more")
    if count > MAX_COUNT:
        raise ValueError(f"{label}: {count:,} is more than {MAX_COUNT:,} partners")
    return count


class StrategyIn(Strict):
    fiscal_year: int
    # {partner type: count}; a type left out has no target in this strategy.
    partner_mix: dict[str, int] = {}
    industries: list[str] = []
    products: list[str] = []  # SKUs, product names or families; the service resolves them against the catalogue
    goals: str = ""
    version: int | None = None  # the version the editor saw; None when the form was opened with no strategy yet

    @field_validator("partner_mix", mode="before")
    @classmethod
    def _known_types_and_counts(cls, value: Any) -> dict[str, int]:
        if not isinstance(value, dict):
            raise ValueError("give the target mix as {partner type: count}")
        unknown = [str(kind) for kind in value if kind not in PARTNER_TYPE_LABELS]
        if unknown:
            raise ValueError(f"unknown partner type '{unknown[0][:40]}': use {TYPE_NAMES}")
        # Stored in the order of the partner types, so every strategy reads the same way.
        return {t.value: _count(t.value, value[t.value]) for t in PartnerType if t.value in value}

    @field_validator("industries", mode="before")
    @classmethod
    def _industries(cls, value: Any) -> list[str]:
        entries = split_entries(value, _LINES_OR_COMMAS)
        _limit(entries, MAX_INDUSTRIES, INDUSTRY_MAX, "industries", "an industry")
        return entries

    @field_validator("products", mode="before")
    @classmethod
    def _products(cls, value: Any) -> list[str]:
        # One per line only: product names contain commas ("Kubernetes Platform Plus — 2 cores, 1 year").
        entries = split_entries(value, _LINES)
        _limit(entries, MAX_PRODUCTS, PRODUCT_MAX, "products", "a product")
        return entries

    @field_validator("goals")
    @classmethod
    def _goals_fit(cls, value: str) -> str:
        value = value.replace("\r\n", "\n")  # a browser counts a line break as one character, and sends two
        if len(value) > GOALS_MAX:
            raise ValueError(f"at most {GOALS_MAX:,} characters (this is {len(value):,}): shorten it by "
                             f"{len(value) - GOALS_MAX:,}")
        return value


def _limit(entries: list[str], most: int, longest: int, plural: str, one: str) -> None:
    if len(entries) > most:
        raise ValueError(f"at most {most} {plural} (this is {len(entries)}): keep the ones that matter most")
    too_long = next((entry for entry in entries if len(entry) > longest), None)
    if too_long is not None:
        raise ValueError(f"{one} is at most {longest} characters: '{too_long[:30]}…' is {len(too_long)}")
