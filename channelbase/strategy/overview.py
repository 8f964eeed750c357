"""A territory's strategy beside what the rest of Channelbase knows about the territory: its coverage (targets
against active, onboarding and prospect partners), its quota and standing for the fiscal year, and its
partners' health; and the board of every visible territory with its strategy status for a year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.audit import AuditEntry
from channelbase.core.errors import InvalidInput
from channelbase.core.pagination import Page
from channelbase.deals.fx import require_staff
from channelbase.deals.models import Opportunity
from channelbase.growth import figures as f
from channelbase.growth import fiscal
from channelbase.growth.dashboard import subtrees
from channelbase.growth.models import QuotaScope
from channelbase.growth.standing import Standing, Target, quotas_of, resolve_target, standing, standing_from
from channelbase.partners import territories as territory_tree
from channelbase.partners.models import PARTNER_TYPE_LABELS, PartnerType, Territory
from channelbase.partners.service import staff_names
from channelbase.recruitment import coverage
from channelbase.strategy import service
from channelbase.strategy.models import TerritoryStrategy

SORTS = ("name", "-name", "status", "-status", "attainment", "-attainment", "health", "-health", "updated",
         "-updated")
STATUSES = ("written", "missing")


@dataclass(frozen=True)
class MixLine:
    """One partner type: the strategy's target beside the coverage target and the partners counted for it."""

    partner_type: str
    planned: int | None          # the strategy's target mix (None: the type is not in the strategy)
    coverage_target: int | None  # the coverage plan's target for the territory (None: no target)
    active: int
    onboarding: int
    prospects: int

    @property
    def label(self) -> str:
        return PARTNER_TYPE_LABELS.get(self.partner_type, self.partner_type)

    @property
    def covered(self) -> int:
        return self.active + self.onboarding

    @property
    def coverage_gap(self) -> int:
        return max(0, self.coverage_target - self.covered) if self.coverage_target is not None else 0

    @property
    def strategy_gap(self) -> int:
        return max(0, self.planned - self.covered) if self.planned is not None else 0

    @property
    def differs(self) -> bool:
        return self.planned != self.coverage_target

    @property
    def comparison(self) -> str:
        """What the strategy's mix says against the coverage target, in words."""
        if self.planned is None and self.coverage_target is None:
            return ""
        if self.planned == self.coverage_target:
            return "Matches the coverage target"
        if self.planned is None:
            return f"Coverage target {self.coverage_target}, not in the strategy"
        if self.coverage_target is None:
            return f"No coverage target (the strategy wants {self.planned})"
        return f"Strategy {self.planned}, coverage target {self.coverage_target}"


@dataclass
class StrategyView:
    territory: Territory
    fiscal_year: fiscal.FiscalYear
    strategy: TerritoryStrategy | None
    mix: list[MixLine]
    standing: Standing | None
    standing_problem: str
    health: HealthFigures | None
    health_known: bool           # False while the health package offers no summary
    product_labels: dict[str, str]
    written_by: str | None
    history: list[AuditEntry]

    @property
    def differences(self) -> list[MixLine]:
        """The partner types where a written strategy and the coverage plan disagree."""
        return [line for line in self.mix if line.differs] if self.strategy is not None else []

    @property
    def coverage_gap(self) -> int:
        return sum(line.coverage_gap for line in self.mix)


def chosen_year(session: Session, raw: str | None, today: date) -> fiscal.FiscalYear:
    """The fiscal year asked for ('2027'), or the current one; a year the calendar cannot name is refused."""
    text = (raw or "").strip().upper().removeprefix("FY")
    if not text:
        return fiscal.current_year(session, today)
    if not text.isdigit() or len(text) > 4:
        raise InvalidInput(f"'{(raw or '')[:20]}' is not a fiscal year: write it like 2027.",
                           field_errors={"year": "like 2027"})
    return fiscal.fiscal_year(session, int(text))


def year_choices(session: Session, today: date, chosen: int) -> list[int]:
    """The year picker: next year, this year and the two before (and the chosen one), newest first."""
    current = fiscal.current_year(session, today).year
    return sorted({current + 1, current, current - 1, current - 2, chosen}, reverse=True)


def strategy_view(session: Session, actor: User, territory_id: int, year: fiscal.FiscalYear, today: date
                  ) -> StrategyView:
    """The strategy page of a territory the actor sees (NotFound otherwise, NotPermitted for partner users)."""
    strategy = service.get_strategy(session, actor, territory_id, year.year)
    territory = territory_tree.get_territory(session, actor, territory_id)
    current, problem = _territory_standing(session, actor, territory, year, today)
    health = territory_health(session, actor, today)
    return StrategyView(
        territory=territory, fiscal_year=year, strategy=strategy, mix=_mix(session, actor, territory, strategy),
        standing=current, standing_problem=problem,
        health=(health or {}).get(territory.id), health_known=health is not None,
        product_labels=service.product_labels(session, strategy.products) if strategy else {},
        written_by=staff_names(session, [strategy.updated_by_id]).get(strategy.updated_by_id) if strategy else None,
        history=service.history(session, actor, strategy) if strategy else [])


def _mix(session: Session, actor: User, territory: Territory, strategy: TerritoryStrategy | None) -> list[MixLine]:
    plan = coverage.coverage(session, actor, territory_id=territory.id)
    planned = strategy.partner_mix if strategy is not None else {}
    lines = []
    for kind in PartnerType:
        cell = plan.cell(territory.id, kind.value)
        line = MixLine(kind.value, planned.get(kind.value), cell.target.target if cell.target is not None else None,
                       cell.active, cell.onboarding, cell.prospects)
        if line.planned is not None or line.coverage_target is not None or line.covered or line.prospects:
            lines.append(line)
    return lines


def _territory_standing(session: Session, actor: User, territory: Territory, year: fiscal.FiscalYear, today: date
                        ) -> tuple[Standing | None, str]:
    """The territory against its quota, as the growth pages compute it; a missing FX rate is said, not raised."""
    try:
        target = resolve_target(session, actor, QuotaScope.TERRITORY, territory.id)
        return standing(session, actor, target, f.Window(year, today)), ""
    except InvalidInput as exc:
        return None, exc.message


@dataclass(frozen=True)
class HealthFigures:
    """A territory's partner health, its sub-territories included, as the strategy pages show it."""

    partners: int                # live active and onboarding partners
    scored: int                  # of those, the partners with a stored score
    average: Decimal | None
    at_risk: int

    @property
    def measured(self) -> bool:
        return self.scored > 0 and self.average is not None


def health_figures(value: Any) -> HealthFigures:
    """From health.summary.TerritoryHealth (partners, scored, average_score, at_risk), tolerating `average`."""
    average = getattr(value, "average_score", None)
    if average is None:
        average = getattr(value, "average", None)
    partners = int(getattr(value, "partners", 0) or 0)
    scored = getattr(value, "scored", None)
    return HealthFigures(partners, int(scored) if scored is not None else (partners if average is not None else 0),
                         average, int(getattr(value, "at_risk", 0) or 0))


def territory_health(session: Session, actor: User, today: date) -> dict[int, HealthFigures] | None:
    """Partner health per territory from the health package, or None while it offers no summary."""
    try:
        from channelbase.health.summary import health_by_territory
    except ModuleNotFoundError as exc:
        if exc.name != "channelbase.health.summary":
            raise
        return None
    except ImportError:  # the module is there, without the function yet
        return None
    return {territory_id: health_figures(value)
            for territory_id, value in (health_by_territory(session, actor, today) or {}).items()}


# The board ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BoardLine:
    territory: Territory
    indent: int
    strategy: TerritoryStrategy | None
    standing: Standing | None
    health: HealthFigures | None
    written_by: str | None

    @property
    def status(self) -> str:
        return "written" if self.strategy is not None else "missing"

    @property
    def attainment(self) -> Decimal | None:
        return self.standing.attainment_pct if self.standing is not None else None

    @property
    def health_average(self) -> Decimal | None:
        return self.health.average if self.health is not None and self.health.measured else None

    @property
    def updated_at(self) -> datetime | None:
        return self.strategy.updated_at if self.strategy is not None else None


@dataclass
class Board:
    fiscal_year: fiscal.FiscalYear
    lines: Page[BoardLine]
    written: int
    missing: int
    standing_problem: str
    health_known: bool


def strategy_board(session: Session, actor: User, year: fiscal.FiscalYear, today: date, *, sort: str = "name",
                   status: str | None = None, page: int = 1, per_page: int = 50) -> Board:
    """Every territory the actor sees with its strategy status for the year, quota attainment and health."""
    require_staff(actor, "read channel strategies")
    shown = territory_tree.tree_order(territory_tree.list_territories(session, actor))
    strategies = {s.territory_id: s for s in service.list_strategies(session, actor, year.year)}
    standings, problem = _standings(session, actor, shown, year, today)
    health = territory_health(session, actor, today)
    names = staff_names(session, [s.updated_by_id for s in strategies.values()])
    top = min((t.depth for t in shown), default=0)
    lines = [BoardLine(t, t.depth - top, strategies.get(t.id), standings.get(t.id), (health or {}).get(t.id),
                       names.get(strategies[t.id].updated_by_id) if t.id in strategies else None) for t in shown]
    written = sum(1 for line in lines if line.strategy is not None)
    if status in STATUSES:
        lines = [line for line in lines if line.status == status]
    lines = sorted_lines(lines, sort if sort in SORTS else "name")
    pages = max(1, -(-len(lines) // per_page))
    page = max(1, min(page, pages))
    return Board(year, Page(lines[(page - 1) * per_page:page * per_page], len(lines), page, per_page), written,
                 len(shown) - written, problem, health is not None)


def _standings(session: Session, actor: User, shown: list[Territory], year: fiscal.FiscalYear, today: date
               ) -> tuple[dict[int, Standing], str]:
    """Each territory's standing from one pass over the pipeline rollup, as the growth dashboard computes it."""
    window = f.Window(year, today)
    try:
        figures = f.compute(session, actor, window, f.rollup_source(actor, window), f.ACTUAL,
                            calls_scope=(Opportunity.territory_id,))
    except InvalidInput as exc:
        return {}, exc.message
    quotas = quotas_of(session, year.year)
    subtree = subtrees(shown)
    result: dict[int, Standing] = {}
    problem = ""
    for territory in shown:
        try:
            result[territory.id] = standing_from(Target(QuotaScope.TERRITORY, territory.id, territory.name), window,
                                                 figures, figures.total(subtree[territory.id]),
                                                 quotas.get(f"territory:{territory.id}"))
        except InvalidInput as exc:  # a quota kept in another currency than the reporting one
            problem = problem or exc.message
    return result, problem


def sorted_lines(lines: list[BoardLine], sort: str) -> list[BoardLine]:
    """The board in tree order ('name'), or by a column; rows without a value (no quota, not measured) last."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    if key == "name" and not descending:
        return lines
    values = {
        "name": lambda line: line.territory.name.casefold(),
        "status": lambda line: (line.status, line.territory.name.casefold()),
        "attainment": lambda line: line.attainment,
        "health": lambda line: line.health_average,
        "updated": lambda line: line.updated_at,
    }[key]
    present = [line for line in lines if values(line) is not None]
    absent = [line for line in lines if values(line) is None]
    return sorted(present, key=values, reverse=descending) + absent
