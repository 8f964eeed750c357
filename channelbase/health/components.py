"""The components of a partner's health, each a score from 0 to 100 with the reason in plain words and a link to
the evidence. Every component is computed for many partners at once (a few grouped queries whatever their
number); a component with nothing to judge by is "not applicable" (score None) and is left out of the score.

This module holds the shared vocabulary and the components read from other domains' services (cadence,
certifications, NPS, plan attainment); the deal-based ones are in components_deals.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from channelbase.auth.visibility import system_actor
from channelbase.engagement.cadence import CadenceStatus, cadence_statuses

COMPONENT_KEYS = ("cadence", "pipeline", "registrations", "win_rate", "certifications", "nps", "plan")
COMPONENT_LABELS = {
    "cadence": "Cadence kept", "pipeline": "Pipeline trend", "registrations": "Deal registrations",
    "win_rate": "Win rate", "certifications": "Certification coverage", "nps": "Satisfaction (NPS)",
    "plan": "Plan attainment",
}
# What each component counts for while no admin has set the weights (they add up to 100).
DEFAULT_WEIGHTS = {"cadence": 20, "pipeline": 20, "registrations": 15, "win_rate": 10, "certifications": 15,
                   "nps": 10, "plan": 10}
LEFT_OUT = "Not counted: the other components' weights are rescaled to make up the score."

_TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)

# Cadence: a partner touched on time scores 100, one due within a few days 70; an overdue one starts at 50
# and loses the rest as the delay grows, reaching 0 when a whole interval late.
ON_TIME, DUE_SOON, OVERDUE_START = Decimal(100), Decimal(70), Decimal(50)
SOON_DAYS_MAX = 7


@dataclass(frozen=True)
class Subject:
    """A partner to score: its id and its tier (some components measure against what the tier asks)."""

    id: int
    tier: str


@dataclass(frozen=True)
class Component:
    key: str
    score: Decimal | None  # 0-100, one decimal; None: not applicable to this partner
    explanation: str
    evidence: str  # a link to the page showing what the score was computed from

    @property
    def applies(self) -> bool:
        return self.score is not None

    @property
    def label(self) -> str:
        return COMPONENT_LABELS.get(self.key, self.key)


Scorer = Callable[[Session, Sequence[Subject], date], dict[int, Component]]


def points(value: Decimal | int) -> Decimal:
    """A score: clamped to 0-100 and rounded half-up to one decimal."""
    return min(_HUNDRED, max(Decimal(0), Decimal(value))).quantize(_TENTH, rounding=ROUND_HALF_UP)


def percent(value: Decimal) -> str:
    """'40 %', '12.5 %': at most one decimal, none when whole."""
    rounded = value.quantize(_TENTH, rounding=ROUND_HALF_UP)
    return f"{rounded.normalize():f} %" if rounded != rounded.to_integral() else f"{rounded:.0f} %"


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=timezone.utc)


def not_applicable(key: str, why: str, evidence: str) -> Component:
    return Component(key, None, f"{why} {LEFT_OUT}", evidence)


# Cadence kept ------------------------------------------------------------------------------------------

def soon_days(every_days: int) -> int:
    """How many days before the due date a touch is "due soon": a quarter of the interval, at most a week."""
    return min(SOON_DAYS_MAX, max(1, every_days // 4))


def cadence_component(status: CadenceStatus | None, partner_id: int, today: date) -> Component:
    evidence = f"/activities?partner_id={partner_id}"
    if status is None:
        return not_applicable("cadence", "No cadence rule covers this partner.", evidence)
    late = status.days_overdue(today)
    if late:
        score = points(OVERDUE_START * (1 - Decimal(late) / status.every_days))
        return Component("cadence", score, f"Overdue: {status.describe(today)}. Scores 50 at the due date, "
                                           "down to 0 when a whole interval late.", evidence)
    if (status.due_on - today).days <= soon_days(status.every_days):
        return Component("cadence", DUE_SOON.quantize(_TENTH), f"Due soon: {status.describe(today)}.", evidence)
    return Component("cadence", ON_TIME.quantize(_TENTH), f"On time: {status.describe(today)}.", evidence)


def cadence(session: Session, subjects: Sequence[Subject], today: date) -> dict[int, Component]:
    """Whether each partner's contact cadence is kept (engagement's rule, touches up to the end of `today`)."""
    ids = [s.id for s in subjects]
    statuses = {s.partner_id: s for s in cadence_statuses(session, system_actor(), partner_ids=ids,
                                                          now=end_of(today))}
    return {partner_id: cadence_component(statuses.get(partner_id), partner_id, today) for partner_id in ids}


# Certification coverage ----------------------------------------------------------------------------------

def certifications(session: Session, subjects: Sequence[Subject], today: date) -> dict[int, Component]:
    """Certified sales and pre-sales people against what the partner's tier asks (the next tier's, for a tier
    that asks none): the share of the places filled, each person counted once per kind."""
    from channelbase.enablement import tiers
    from channelbase.enablement.tier_measures import measure

    measures = measure(session, [s.id for s in subjects], today)
    table = tiers.tier_table(session, system_actor())
    result = {}
    for subject in subjects:
        evidence = f"/partners/{subject.id}/enablement"
        basis, needs = subject.tier, table.needs(subject.tier)
        upper = tiers.next_tier(subject.tier)
        if not (needs.get("certified_sales") or needs.get("certified_presales")) and upper:
            basis, needs = upper, table.needs(upper)
        sales, presales = needs.get("certified_sales", 0), needs.get("certified_presales", 0)
        if not sales + presales:
            result[subject.id] = not_applicable("certifications", "Neither its tier nor the next asks for "
                                                "certified people.", evidence)
            continue
        metrics = measures[subject.id]
        have_sales, have_presales = min(metrics.certified_sales, sales), min(metrics.certified_presales, presales)
        label = tiers.TIER_LABELS.get(basis, basis)
        if basis != subject.tier:
            label += f" ({tiers.TIER_LABELS.get(subject.tier, subject.tier)} asks none)"
        result[subject.id] = Component(
            "certifications", points(_HUNDRED * (have_sales + have_presales) / (sales + presales)),
            f"{have_sales + have_presales} of the {sales + presales} certified people {label} asks for: "
            f"{have_sales} of {sales} sales, {have_presales} of {presales} pre-sales.", evidence)
    return result


# Satisfaction and the plan ---------------------------------------------------------------------------------

NPS_DAYS = 365


def nps_component(partner_id: int, value: Decimal | None) -> Component:
    evidence = f"/partners/{partner_id}/nps"
    if value is None:
        return not_applicable("nps", "No survey answers in the last 12 months.", evidence)
    return Component("nps", points((value + 100) / 2), f"NPS {value:+} from its answers of the last 12 months "
                                                       "(−100…100 mapped to 0…100).", evidence)


def nps(session: Session, subjects: Sequence[Subject], today: date) -> dict[int, Component]:
    """The partner's NPS over the last 12 months (-100..100), mapped to 0..100."""
    from channelbase.surveys.scores import partner_nps

    values = partner_nps(session, [s.id for s in subjects], today, days=NPS_DAYS)
    return {s.id: nps_component(s.id, values.get(s.id)) for s in subjects}


def plan_component(partner_id: int, value: Decimal | None) -> Component:
    evidence = f"/partners/{partner_id}/plan"
    if value is None:
        return not_applicable("plan", "No signed plan for this fiscal year, or nothing due in it yet.", evidence)
    capped = " (capped at 100)" if value > _HUNDRED else ""
    return Component("plan", points(value), f"{percent(value)} of the signed plan's commitments met to date{capped}.",
                     evidence)


def plan(session: Session, subjects: Sequence[Subject], today: date) -> dict[int, Component]:
    """How much of the signed joint business plan is met to date, capped at 100."""
    from channelbase.plans.attainment import plan_attainment

    values = plan_attainment(session, [s.id for s in subjects], today)
    return {s.id: plan_component(s.id, values.get(s.id)) for s in subjects}
