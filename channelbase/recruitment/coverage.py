"""Territory coverage: how many partners of each type a territory has (its sub-territories included) against
the target set for it, and the gap recruitment should fill."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import channelbase.recruitment.access  # noqa: F401  (registers the visibility rules of the models read here)
from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core import audit
from channelbase.partners import territories as territory_tree
from channelbase.partners.common import check_version, require_staff, require_territory_in_scope
from channelbase.partners.models import PARTNER_TYPE_LABELS, Partner, PartnerStatus, PartnerType, Territory
from channelbase.recruitment.models import CoverageTarget
from channelbase.recruitment.schemas import TargetIn

COUNTED = (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING, PartnerStatus.PROSPECT)


@dataclass(frozen=True)
class Cell:
    """One territory and partner type: counts include every sub-territory."""

    territory_id: int
    partner_type: str
    target: CoverageTarget | None = None
    active: int = 0
    onboarding: int = 0
    prospects: int = 0

    @property
    def covered(self) -> int:
        return self.active + self.onboarding

    @property
    def gap(self) -> int:
        return max(0, self.target.target - self.covered) if self.target is not None else 0


@dataclass
class Coverage:
    territories: list[Territory]  # tree order
    types: list[str]
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)

    def cell(self, territory_id: int, partner_type: str) -> Cell:
        return self.cells.get((territory_id, partner_type)) or Cell(territory_id, partner_type)

    def nearest_target(self, territory: Territory, partner_type: str) -> tuple[Territory, Cell] | None:
        """The territory's own cell if it has a target for the type, else the closest territory above with one."""
        by_id = {t.id: t for t in self.territories}
        for ancestor_id in reversed(path_ids(territory.path)):
            cell = self.cells.get((ancestor_id, partner_type))
            if cell is not None and cell.target is not None and ancestor_id in by_id:
                return by_id[ancestor_id], cell
        return None

    @property
    def total_gap(self) -> int:
        return sum(cell.gap for cell in self.cells.values())


def path_ids(path: str) -> list[int]:
    """'/1/4/9/' -> [1, 4, 9]: the territory and its ancestors, root first."""
    return [int(part) for part in path.strip("/").split("/") if part]


def type_label(partner_type: str) -> str:
    return PARTNER_TYPE_LABELS.get(partner_type, partner_type)


def coverage(session: Session, actor: User, *, territory_id: int | None = None, partner_type: str | None = None,
             gaps_only: bool = False) -> Coverage:
    """Targets, active, onboarding and prospect partners and the gap, per visible territory and partner type."""
    require_staff(actor, "read territory coverage")
    shown = territory_tree.tree_order(territory_tree.list_territories(session, actor))
    if territory_id is not None:
        top = territory_tree.get_territory(session, actor, territory_id)
        shown = [t for t in shown if t.path.startswith(top.path)]
    types = [partner_type] if partner_type else [t.value for t in PartnerType]
    result = _coverage_of(session, actor, shown, types)
    if gaps_only:
        result.territories = [t for t in shown if any(result.cell(t.id, kind).gap for kind in types)]
    return result


def _coverage_of(session: Session, actor: User, shown: list[Territory], types: list[str]) -> Coverage:
    counts = _subtree_counts(session, actor, [t.id for t in shown])
    targets = {(row.territory_id, row.partner_type): row for row in session.scalars(
        visible(select(CoverageTarget), actor).where(CoverageTarget.territory_id.in_([t.id for t in shown])))}
    result = Coverage(territories=shown, types=types)
    for territory in shown:
        for kind in types:
            by_status = counts.get((territory.id, kind), {})
            result.cells[(territory.id, kind)] = Cell(
                territory.id, kind, targets.get((territory.id, kind)), by_status.get(PartnerStatus.ACTIVE, 0),
                by_status.get(PartnerStatus.ONBOARDING, 0), by_status.get(PartnerStatus.PROSPECT, 0))
    return result


def _subtree_counts(session: Session, actor: User, territory_ids: Iterable[int]
                    ) -> dict[tuple[int, str], dict[str, int]]:
    """Live partners by (territory, type) and status, each territory counting its whole subtree: one grouped
    query over the partners, rolled up along the materialised paths (territories are few, partners many)."""
    wanted = set(territory_ids)
    paths = dict(session.execute(visible(select(Territory.id, Territory.path), actor, Territory)).all())
    direct = session.execute(
        visible(select(Partner.territory_id, Partner.type, Partner.status, func.count()), actor, Partner)
        .where(Partner.deleted_at.is_(None), Partner.status.in_(COUNTED))
        .group_by(Partner.territory_id, Partner.type, Partner.status))
    totals: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for territory_id, kind, status, count in direct:
        for ancestor_id in path_ids(paths.get(territory_id, "")):
            if ancestor_id in wanted:
                totals[(ancestor_id, kind)][status] += count
    return totals


def coverage_everywhere(session: Session, actor: User) -> Coverage:
    """Every territory the actor sees, every type (for the fit score: pass the system actor)."""
    return _coverage_of(session, actor, territory_tree.list_territories(session, actor),
                        [t.value for t in PartnerType])


def set_target(session: Session, actor: User, data: TargetIn) -> CoverageTarget:
    """Set how many partners of a type a territory should have: managers in their territories, admins anywhere."""
    require_staff(actor, "set coverage targets")
    require_territory_in_scope(session, actor, data.territory_id)
    existing = session.scalar(select(CoverageTarget).where(CoverageTarget.territory_id == data.territory_id,
                                                           CoverageTarget.partner_type == data.partner_type))
    if existing is None:
        target = CoverageTarget(territory_id=data.territory_id, partner_type=data.partner_type, target=data.target)
        session.add(target)
        audit.record(session, actor, "create", target, None)
        return target
    if data.version is not None:
        check_version(session, existing, data.version)
    if existing.target == data.target:
        return existing  # nothing changed: nothing to audit
    before = audit.snapshot(existing)
    existing.target = data.target
    audit.record(session, actor, "update", existing, before)
    return existing
