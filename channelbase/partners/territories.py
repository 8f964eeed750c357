"""The territory tree: Americas › Latin America › Brazil."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.errors import InvalidInput, NotPermitted
from channelbase.partners.common import check_version, require_owner
from channelbase.partners.models import Territory
from channelbase.partners.schemas import TerritoryCreate, TerritoryUpdate


def territory_and_below(territory_id: int) -> Select:
    """Ids of a territory and every territory under it (one LIKE on the materialised path), for filters."""
    path = select(Territory.path).where(Territory.id == territory_id).scalar_subquery()
    return select(Territory.id).where(Territory.path.startswith(path))


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotPermitted("Only admins change territories.")


def create_territory(session: Session, actor: User, data: TerritoryCreate) -> Territory:
    """Add a territory under a parent (or at the top)."""
    _require_admin(actor)
    require_owner(session, data.owner_id)
    parent = None
    if data.parent_id is not None:
        parent = session.get(Territory, data.parent_id)
        if parent is None:
            raise InvalidInput(f"No territory #{data.parent_id}.", field_errors={"parent_id": "not found"})
    sibling = select(Territory.id).where(Territory.parent_id == data.parent_id if parent else Territory.parent_id.is_(None),
                                         Territory.name == data.name)
    if session.scalar(sibling):
        raise InvalidInput(f"There is already a territory '{data.name}' here.", field_errors={"name": "already used"})
    territory = Territory(**data.model_dump())
    session.add(territory)
    session.flush()
    territory.path = f"{parent.path if parent else '/'}{territory.id}/"
    territory.depth = parent.depth + 1 if parent else 0
    audit.record(session, actor, "create", territory, None)
    return territory


def update_territory(session: Session, actor: User, territory_id: int, data: TerritoryUpdate) -> Territory:
    _require_admin(actor)
    territory = get_visible(session, actor, Territory, territory_id)
    check_version(session, territory, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "owner_id" in changes:
        require_owner(session, changes["owner_id"])
    before = audit.snapshot(territory)
    for key, value in changes.items():
        if value is not None or key == "owner_id":
            setattr(territory, key, value)
    audit.record(session, actor, "update", territory, before)
    return territory


def list_territories(session: Session, actor: User) -> list[Territory]:
    """Visible territories in tree order (each parent before its children)."""
    return list(session.scalars(visible(select(Territory), actor).order_by(Territory.path)))


def tree_order(territories: list[Territory]) -> list[Territory]:
    """Depth-first order by name, for pickers and the tree page."""
    children: dict[int | None, list[Territory]] = {}
    ids = {t.id for t in territories}
    for t in territories:
        children.setdefault(t.parent_id if t.parent_id in ids else None, []).append(t)
    ordered: list[Territory] = []

    def walk(parent_id):
        for t in sorted(children.get(parent_id, []), key=lambda t: t.name):
            ordered.append(t)
            walk(t.id)

    walk(None)
    return ordered


def get_territory(session: Session, actor: User, territory_id: int) -> Territory:
    return get_visible(session, actor, Territory, territory_id)


def breadcrumb(session: Session, territory: Territory) -> list[Territory]:
    ids = [int(p) for p in territory.path.strip("/").split("/") if p]
    by_id = {t.id: t for t in session.scalars(select(Territory).where(Territory.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]
