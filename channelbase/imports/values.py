"""Turning one cell's text into a field's value, or a message that says what is wrong with it.

Each parser takes the stripped text and raises CellError with a message written for the person who will fix
the file. They are plain functions (no Pydantic model per row): an import checks millions of cells, and the
per-row model cost more than the whole rest of the check."""

from __future__ import annotations

import re

import pycountry

from channelbase.core.names import strip_accents
from channelbase.core.validation import domain_from_website

TRUE_WORDS = frozenset({"1", "y", "yes", "true", "t", "x", "si", "sí", "sim", "verdadero", "verdadeiro"})
FALSE_WORDS = frozenset({"0", "n", "no", "false", "f", "nao", "não", "falso", ""})
_SIMPLE_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")

# Country names as people write them in the Americas' three languages, beside ISO's English ones.
_LOCAL_COUNTRY_NAMES = {
    "brasil": "BR", "mexico": "MX", "estados unidos": "US", "eua": "US", "eeuu": "US", "usa": "US",
    "united states of america": "US", "canada": "CA", "peru": "PE", "colombia": "CO", "chile": "CL",
    "argentina": "AR", "uruguay": "UY", "uruguai": "UY", "paraguay": "PY", "paraguai": "PY", "bolivia": "BO",
    "ecuador": "EC", "equador": "EC", "venezuela": "VE", "panama": "PA", "costa rica": "CR", "guatemala": "GT",
    "republica dominicana": "DO", "dominican republic": "DO", "puerto rico": "PR", "el salvador": "SV",
    "honduras": "HN", "nicaragua": "NI", "espana": "ES", "espanha": "ES", "spain": "ES", "portugal": "PT",
}


class CellError(ValueError):
    """A cell's value is not acceptable; the message says why and how to fix it."""


def _fold(text: str) -> str:
    return strip_accents(text).casefold().strip()


def _country_names() -> dict[str, str]:
    names = dict(_LOCAL_COUNTRY_NAMES)
    for country in pycountry.countries:
        names[_fold(country.name)] = country.alpha_2
        names[country.alpha_2.casefold()] = country.alpha_2
        names[country.alpha_3.casefold()] = country.alpha_2
        common = getattr(country, "common_name", None)
        if common:
            names[_fold(common)] = country.alpha_2
    return names


COUNTRIES = _country_names()


def country(text: str) -> str:
    code = COUNTRIES.get(text.casefold()) or COUNTRIES.get(_fold(text))
    if code is None:
        raise CellError(f"'{text}' is not a country (use a two-letter ISO code such as BR, MX, US, or its name)")
    return code


def text_of(text: str, *, max_length: int, label: str) -> str:
    if len(text) > max_length:
        raise CellError(f"{label} is {len(text)} characters long; at most {max_length}")
    return text


def required(text: str, label: str) -> str:
    if not text:
        raise CellError(f"{label} is required")
    return text


def boolean(text: str) -> bool:
    word = text.casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"'{text}' is not yes or no (use yes/no, true/false, 1/0, sí/no or sim/não)")


def domain(text: str) -> str | None:
    """The bare host of a website; a plain domain takes a fast path (most files hold those)."""
    if not text:
        return None
    lowered = text.lower()
    if lowered.startswith("www."):
        lowered = lowered[4:]
    if _SIMPLE_DOMAIN.match(lowered):
        return lowered
    try:
        return domain_from_website(text) or None
    except ValueError as exc:
        raise CellError(str(exc)) from None


def email(text: str) -> str:
    value = text.strip().lower()
    if not _EMAIL.match(value):
        raise CellError(f"'{text}' is not an e-mail address")
    return value


def choice(text: str, choices: dict[str, str], label: str) -> str:
    """One of a fixed list, written as its value or its label in any case (and a few synonyms)."""
    key = _fold(text)
    value = choices.get(key)
    if value is None:
        shown = ", ".join(sorted(set(choices.values())))
        raise CellError(f"'{text}' is not a {label} (one of: {shown})")
    return value


def choices_from(values: dict[str, str], synonyms: dict[str, str] | None = None) -> dict[str, str]:
    """{folded value or label or synonym: value} for `choice`."""
    table = {}
    for value, label in values.items():
        table[_fold(value)] = value
        table[_fold(label)] = value
    for word, value in (synonyms or {}).items():
        table[_fold(word)] = value
    return table
