"""The fit score of a prospect: weighted criteria an admin configures, each explained in one line, so a
manager sees why a prospect scores 72 and not just that it does.

score = 100 × Σ (weight × fraction met) / Σ weights, over the criteria below."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import channelbase.recruitment.access  # noqa: F401  (registers the visibility rules of the models read here)
from channelbase.auth.models import User
from channelbase.auth.visibility import system_actor, visible
from channelbase.core import audit
from channelbase.core.errors import InvalidInput, StaleEdit
from channelbase.deals.fx import require_admin
from channelbase.partners.models import PARTNER_TYPE_LABELS, Partner, PartnerType, Territory
from channelbase.recruitment.coverage import Coverage, coverage_everywhere, type_label
from channelbase.recruitment.models import FitCriterion, RecruitmentRecord
from channelbase.recruitment.schemas import CriterionIn, split_list, tidy_list

KEYS = ("coverage_gap", "partner_type", "industries", "skills", "size", "vendors")
LABELS = {"coverage_gap": "Coverage gap", "partner_type": "Partner type", "industries": "Industries",
          "skills": "Skills", "size": "Size", "vendors": "Vendor relationships"}
HELP = {
    "coverage_gap": "Full marks when the prospect's type has a gap in its territory (or the nearest territory "
                    "above with a target). Nothing to fill in.",
    "partner_type": "Wanted partner types, comma-separated (e.g. var, msp, si).",
    "industries": "Wanted industries, comma-separated: any one served gives full marks.",
    "skills": "Wanted skills, comma-separated (e.g. linux, cloud, kubernetes): marks in proportion.",
    "size": "The minimum number of employees.",
    "vendors": "Vendors whose existing partners we want, comma-separated: any one gives full marks.",
}
DEFAULTS: dict[str, tuple[int, str]] = {
    "coverage_gap": (25, ""),
    "partner_type": (15, "var, lvar, msp, si"),
    "industries": (15, "Government, Financial services, Healthcare"),
    "skills": (20, "linux, cloud, kubernetes"),
    "size": (10, "20"),
    "vendors": (15, "AWS, Microsoft, Google Cloud"),
}


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: int
    wanted: str
    version: int | None = None  # None: a built-in default, not stored yet

    @property
    def label(self) -> str:
        return LABELS[self.key]


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    weight: int
    points: float
    text: str


@dataclass(frozen=True)
class FitScore:
    score: int
    lines: list[Line]


# Criteria ------------------------------------------------------------------------------------------

def criteria(session: Session, actor: User) -> list[Criterion]:
    """The configured criteria, with the built-in default for any key not stored."""
    stored = {row.key: row for row in session.scalars(visible(select(FitCriterion), actor))}
    result = []
    for key in KEYS:
        row = stored.get(key)
        result.append(Criterion(key, row.weight, row.wanted, row.version) if row is not None
                      else Criterion(key, *DEFAULTS[key]))
    return result


def save_criteria(session: Session, actor: User, items: list[CriterionIn],
                  versions: dict[str, int | None] | None = None) -> list[FitCriterion]:
    """Store every criterion's weight and wanted values (admins only); all are checked before any is saved."""
    require_admin(actor, "change the fit criteria")
    cleaned = _validated(items)
    stored = {row.key: row for row in session.scalars(select(FitCriterion))}
    saved = []
    for item in cleaned:
        row = stored.get(item.key)
        if row is None:
            row = FitCriterion(key=item.key, weight=item.weight, wanted=item.wanted)
            session.add(row)
            audit.record(session, actor, "create", row, None)
        elif (row.weight, row.wanted) != (item.weight, item.wanted):
            _check_version(row, (versions or {}).get(item.key))
            before = audit.snapshot(row)
            row.weight, row.wanted = item.weight, item.wanted
            audit.record(session, actor, "update", row, before)
        saved.append(row)
    return saved


def criteria_from_form(form: dict[str, Any]) -> tuple[list[CriterionIn], dict[str, int | None]]:
    """weight_<key>, wanted_<key> and version_<key> fields of the criteria form, each weight checked."""
    items, versions, errors = [], {}, {}
    for key in KEYS:
        weight = str(form.get(f"weight_{key}") or "").strip()
        if not weight.isdigit() or int(weight) > 100:
            errors[f"weight_{key}"] = "a whole number from 0 to 100"
            continue
        items.append(CriterionIn(key=key, weight=int(weight), wanted=str(form.get(f"wanted_{key}") or "")[:2000]))
        version = str(form.get(f"version_{key}") or "")
        versions[key] = int(version) if version.isdigit() else None
    if errors:
        names = ", ".join(LABELS[name.removeprefix("weight_")] for name in errors)
        raise InvalidInput(f"Please fix the weight of: {names}. Weights are whole numbers from 0 to 100.",
                           field_errors=errors)
    return items, versions


def _check_version(row: FitCriterion, version: int | None) -> None:
    if version is not None and row.version != version:
        raise StaleEdit(f"Someone changed the {LABELS[row.key].lower()} criterion after you opened this page: "
                        "reload it and apply your changes again.")


def _validated(items: list[CriterionIn]) -> list[CriterionIn]:
    by_key = {item.key: item for item in items}
    errors: dict[str, str] = {}
    unknown = sorted(set(by_key) - set(KEYS))
    if unknown:
        raise InvalidInput(f"Unknown criteria: {', '.join(unknown)}. Known: {', '.join(KEYS)}.")
    cleaned = []
    for key in KEYS:
        item = by_key.get(key) or CriterionIn(key=key, weight=DEFAULTS[key][0], wanted=DEFAULTS[key][1])
        wanted, problem = _clean_wanted(key, item.wanted)
        if problem and item.weight > 0:
            errors[f"wanted_{key}"] = problem
        cleaned.append(CriterionIn(key=key, weight=item.weight, wanted=wanted))
    if not any(item.weight > 0 for item in cleaned):
        errors["__all__"] = "at least one criterion needs a weight above 0"
    if errors:
        parts = [f"{LABELS[name.removeprefix('wanted_')]}: {msg}" if name != "__all__" else msg.capitalize()
                 for name, msg in errors.items()]
        raise InvalidInput("Please fix: " + "; ".join(parts) + ".", field_errors=errors)
    return cleaned


def _clean_wanted(key: str, wanted: str) -> tuple[str, str]:
    """The wanted values tidied, and what is wrong with them ('' when nothing)."""
    if key == "coverage_gap":
        return "", ""
    if key == "size":
        text = wanted.strip()
        if not text.isdigit():
            return text, "give the minimum number of employees as a whole number, e.g. 20"
        return str(int(text)), ""
    values = split_list(wanted)
    if not values:
        return "", "list at least one wanted value, separated by commas"
    if key == "partner_type":
        known = {t.value: t.value for t in PartnerType} | {label.lower(): t for t, label in PARTNER_TYPE_LABELS.items()}
        bad = [v for v in values if v.lower() not in known]
        if bad:
            return tidy_list(wanted), f"unknown type {', '.join(bad)}: use {', '.join(t.value for t in PartnerType)}"
        return ", ".join(dict.fromkeys(str(known[v.lower()]) for v in values)), ""
    return tidy_list(wanted), ""


# Scoring -------------------------------------------------------------------------------------------

def _lower(values: Iterable[str]) -> dict[str, str]:
    return {value.lower(): value for value in values}


def _points(weight: int, fraction: float) -> str:
    return f"{round(weight * fraction)} of {weight}"


def _gap_line(c: Criterion, coverage: Coverage, territory: Territory | None, partner_type: str) -> Line:
    label = type_label(partner_type)
    found = coverage.nearest_target(territory, partner_type) if territory is not None else None
    if found is None:
        where = territory.name if territory is not None else "its territory"
        return Line(c.key, c.label, c.weight, 0, f"No coverage target for {label} partners in {where} or above "
                                                 f"→ {_points(c.weight, 0)}")
    place, cell = found
    assert cell.target is not None
    counts = f"{place.name} has {cell.covered} of {cell.target.target} {label} partners"
    if cell.gap > 0:
        return Line(c.key, c.label, c.weight, c.weight, f"Fills a gap: {counts} → {_points(c.weight, 1)}")
    return Line(c.key, c.label, c.weight, 0, f"No gap: {counts} → {_points(c.weight, 0)}")


def _type_line(c: Criterion, partner_type: str) -> Line:
    wanted = split_list(c.wanted)
    names = ", ".join(type_label(v) for v in wanted)
    if partner_type in wanted:
        return Line(c.key, c.label, c.weight, c.weight,
                    f"{type_label(partner_type)} is a wanted type ({names}) → {_points(c.weight, 1)}")
    return Line(c.key, c.label, c.weight, 0,
                f"{type_label(partner_type)} is not a wanted type ({names}) → {_points(c.weight, 0)}")


def _any_line(c: Criterion, have_text: str, *, verb: str, what: str) -> Line:
    wanted, have = _lower(split_list(c.wanted)), _lower(split_list(have_text))
    if not have:
        return Line(c.key, c.label, c.weight, 0, f"{what.capitalize()} unknown: fill in the fit inputs "
                                                 f"→ {_points(c.weight, 0)}")
    overlap = [have[v] for v in have if v in wanted]
    if overlap:
        return Line(c.key, c.label, c.weight, c.weight, f"{verb} {', '.join(overlap)} (wanted: "
                                                        f"{', '.join(wanted.values())}) → {_points(c.weight, 1)}")
    return Line(c.key, c.label, c.weight, 0, f"None of the wanted {what} ({', '.join(wanted.values())}) "
                                             f"→ {_points(c.weight, 0)}")


def _skills_line(c: Criterion, have_text: str) -> Line:
    wanted, have = _lower(split_list(c.wanted)), _lower(split_list(have_text))
    if not have:
        return Line(c.key, c.label, c.weight, 0, f"Skills unknown: fill in the fit inputs → {_points(c.weight, 0)}")
    overlap = [wanted[v] for v in wanted if v in have]
    fraction = len(overlap) / len(wanted) if wanted else 0
    shown = f" ({', '.join(overlap)})" if overlap else ""
    return Line(c.key, c.label, c.weight, c.weight * fraction,
                f"Has {len(overlap)} of {len(wanted)} wanted skills{shown} → {_points(c.weight, fraction)}")


def _size_line(c: Criterion, employees: int | None) -> Line:
    minimum = int(c.wanted) if c.wanted.strip().isdigit() else 0
    if employees is None:
        return Line(c.key, c.label, c.weight, 0, f"Size unknown: fill in the employees → {_points(c.weight, 0)}")
    if employees >= minimum:
        return Line(c.key, c.label, c.weight, c.weight,
                    f"{employees} employees, at least the {minimum} wanted → {_points(c.weight, 1)}")
    return Line(c.key, c.label, c.weight, 0,
                f"{employees} employees, fewer than the {minimum} wanted → {_points(c.weight, 0)}")


def score(criteria_list: list[Criterion], coverage: Coverage, territory: Territory | None, partner_type: str,
          record: RecruitmentRecord) -> FitScore:
    """The prospect's score and one explanation line per criterion."""
    lines = []
    for c in criteria_list:
        if c.key == "coverage_gap":
            lines.append(_gap_line(c, coverage, territory, partner_type))
        elif c.key == "partner_type":
            lines.append(_type_line(c, partner_type))
        elif c.key == "industries":
            lines.append(_any_line(c, record.industries, verb="Serves", what="industries"))
        elif c.key == "skills":
            lines.append(_skills_line(c, record.skills))
        elif c.key == "size":
            lines.append(_size_line(c, record.employees))
        elif c.key == "vendors":
            lines.append(_any_line(c, record.vendors, verb="Works with", what="vendors"))
    total_weight = sum(c.weight for c in criteria_list)
    total = round(100 * sum(line.points for line in lines) / total_weight) if total_weight else 0
    return FitScore(total, lines)


class Scorer:
    """Scores many prospects from one read of the criteria and one of the coverage (a whole board page
    costs the same few queries as one prospect). Coverage counts are programme-wide, so a prospect scores
    the same whoever looks at it."""

    def __init__(self, session: Session):
        everyone = system_actor()
        self.criteria = criteria(session, everyone)
        self.coverage = coverage_everywhere(session, everyone)
        self.territories = {t.id: t for t in self.coverage.territories}

    def score(self, partner: Partner, record: RecruitmentRecord) -> FitScore:
        return score(self.criteria, self.coverage, self.territories.get(partner.territory_id), partner.type, record)
