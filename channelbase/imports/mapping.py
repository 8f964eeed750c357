"""Column mapping: which header of a file feeds which field, suggested from the headers people's files carry.

Synonyms include the column names of Salesforce and HubSpot exports ("Account Name", "Billing Country",
"Company name", "Record ID"...) and Spanish and Portuguese ones, compared without case, accents or punctuation.
A mapping is {field name: header}; a field left out is not imported (and keeps its value on updates).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from channelbase.core.errors import InvalidInput
from channelbase.core.names import strip_accents


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    help: str = ""


def header_key(header: str) -> str:
    """'Billing Country/Region' and 'billing_country_region' compare equal."""
    return re.sub(r"[^a-z0-9]+", "", strip_accents(header).casefold())


def suggest(headers: Iterable[str], fields: Iterable[Field]) -> dict[str, str]:
    """The header each field most likely comes from: its own name or label first, then its synonyms in order."""
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for field in fields:
        for candidate in (field.name, field.label, *field.synonyms):
            found = by_key.get(header_key(candidate))
            if found is not None and found not in taken:
                mapping[field.name] = found
                taken.add(found)
                break
    return mapping


def check_mapping(mapping: Mapping[str, str], headers: list[str], fields: Iterable[Field]) -> dict[str, str]:
    """The mapping with blank entries dropped; InvalidInput naming each unknown field, missing header or
    unmapped required field."""
    known = {field.name: field for field in fields}
    present = {header.casefold(): header for header in headers}
    cleaned: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name, header in mapping.items():
        if not header:
            continue
        if name not in known:
            problems[name] = f"unknown field (fields: {', '.join(known)})"
        elif header.casefold() not in present:
            problems[name] = f"the file has no column '{header}'"
        else:
            cleaned[name] = present[header.casefold()]
    for field in known.values():
        if field.required and field.name not in cleaned and field.name not in problems:
            problems[field.name] = f"required: pick the column that holds the {field.label.lower()}"
    used: dict[str, str] = {}
    for name, header in cleaned.items():
        if header in used:
            problems[name] = f"'{header}' is already mapped to {used[header]}"
        used[header] = name
    if problems:
        listed = "; ".join(f"{name}: {message}" for name, message in problems.items())
        raise InvalidInput(f"The column mapping needs fixing: {listed}.", field_errors=problems)
    return cleaned


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """`field=Header` pairs from the command line."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"'{pair}' is not field=Column (e.g. name=\"Account Name\").")
        mapping[name.strip()] = header.strip()
    return mapping
