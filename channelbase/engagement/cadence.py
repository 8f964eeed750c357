"""Contact cadence: how often each partner must be touched, when it last was, and who is overdue.

Statuses are computed when read, never stored: a logged call moves a partner off the overdue list at
once, and a changed rule applies everywhere with nothing to rebuild. The cost is one indexed look-up
per partner (its latest qualifying touch, walking `ix_activities_partner_occurred` backwards)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, and_, bindparam, case, null, select, true, type_coerce
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import UTCDateTime, utcnow
from channelbase.core.errors import Duplicate, InvalidInput, NotPermitted
from channelbase.engagement.models import Activity, CadenceRule
from channelbase.engagement.schemas import CadenceRuleIn, CadenceRuleUpdate
from channelbase.partners.common import check_version
from channelbase.partners.models import Partner, PartnerStatus, Territory

# Prospects are recruitment's business and inactive partners nobody's: cadence follows the rest.
CADENCE_STATUSES = (PartnerStatus.ACTIVE, PartnerStatus.ONBOARDING)


class State:
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    OK = "ok"


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 3x, and there are hundreds per call
class CadenceStatus:
    partner_id: int
    partner_name: str
    is_priority: bool
    territory_id: int
    rule_id: int
    rule_name: str
    every_days: int
    counted_types: tuple[str, ...]
    last_touch_at: datetime | None
    due_on: date  # never touched: one interval after the partner was added

    def state(self, today: date) -> str:
        if self.due_on < today:
            return State.OVERDUE
        return State.DUE_TODAY if self.due_on == today else State.OK

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due_on).days)

    def describe(self, today: date) -> str:
        last = f"last touch {self.last_touch_at:%Y-%m-%d}" if self.last_touch_at else "never contacted"
        state = self.state(today)
        if state == State.OVERDUE:
            return f"{self.days_overdue(today)} d overdue ({last}; every {self.every_days} d)"
        if state == State.DUE_TODAY:
            return f"due today ({last}; every {self.every_days} d)"
        return f"next touch by {self.due_on:%Y-%m-%d} ({last}; every {self.every_days} d)"


@dataclass(frozen=True)
class Coverage:
    within: int
    total: int

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.within / self.total, 1) if self.total else None


def local_today(actor: User | None, now: datetime | None = None) -> date:
    """Today in the actor's time zone: a manager in São Paulo at 22:00 is still on today's agenda."""
    now = now or utcnow()
    try:
        zone = ZoneInfo(getattr(actor, "timezone", None) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


# Rules ---------------------------------------------------------------------------------------------

def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotPermitted("Only admins may change cadence rules.")


def create_rule(session: Session, actor: User, data: CadenceRuleIn) -> CadenceRule:
    require_admin(actor)
    _check_rule(session, data)
    rule = CadenceRule(**_rule_fields(data))
    session.add(rule)
    audit.record(session, actor, "create", rule, None)
    return rule


def update_rule(session: Session, actor: User, rule_id: int, data: CadenceRuleUpdate) -> CadenceRule:
    require_admin(actor)
    rule = get_rule(session, actor, rule_id)
    check_version(session, rule, data.version)
    _check_rule(session, data, exclude_id=rule.id)
    before = audit.snapshot(rule)
    for name, value in _rule_fields(data).items():
        setattr(rule, name, value)
    audit.record(session, actor, "update", rule, before)
    return rule


def delete_rule(session: Session, actor: User, rule_id: int) -> None:
    require_admin(actor)
    rule = get_rule(session, actor, rule_id)
    audit.record(session, actor, "purge", rule, audit.snapshot(rule))
    session.delete(rule)
    session.flush()


def get_rule(session: Session, actor: User, rule_id: int) -> CadenceRule:
    return get_visible(session, actor, CadenceRule, rule_id)


def list_rules(session: Session, actor: User, *, active_only: bool = False) -> list[CadenceRule]:
    stmt = visible(select(CadenceRule), actor)
    if active_only:
        stmt = stmt.where(CadenceRule.active.is_(True))
    return sorted(session.scalars(stmt), key=lambda r: (-r.specificity, r.every_days, r.id))


def _rule_fields(data: CadenceRuleIn) -> dict:
    fields = data.model_dump(exclude={"version"})
    fields["counted_types"] = ",".join(t.value for t in data.counted_types)
    return fields


def _check_rule(session: Session, data: CadenceRuleIn, exclude_id: int | None = None) -> None:
    same_name = select(CadenceRule.id).where(CadenceRule.name == data.name)
    if exclude_id is not None:
        same_name = same_name.where(CadenceRule.id != exclude_id)
    if session.scalar(same_name) is not None:
        raise Duplicate(f"A cadence rule named '{data.name}' already exists.", field_errors={"name": "already used"})
    if data.territory_id is not None and session.get(Territory, data.territory_id) is None:
        raise InvalidInput(f"No territory #{data.territory_id}.", field_errors={"territory_id": "not found"})


# Which rule a partner follows ------------------------------------------------------------------------

@dataclass(slots=True)
class _PartnerRow:
    id: int
    name: str
    type: str
    tier: str
    is_priority: bool
    territory_id: int
    created_at: datetime


class RuleBook:
    """The active rules, ready to match partners: the most specific matching rule wins."""

    def __init__(self, rules: Iterable[CadenceRule], territory_paths: dict[int, str]):
        self.paths = territory_paths
        self.rules = sorted((r for r in rules if r.active), key=self._rank)
        # Matching reads plain values rather than ORM attributes, and partners alike in type, tier, priority
        # and territory share one answer: a manager's hundreds of partners are a few dozen kinds.
        self._criteria = [(r, r.partner_type, r.tier, r.is_priority, r.territory_id) for r in self.rules]
        self._found: dict[tuple, CadenceRule | None] = {}

    def _rank(self, rule: CadenceRule):
        depth = self.paths.get(rule.territory_id or 0, "").count("/")
        return (-rule.specificity, -depth, rule.every_days, rule.id)

    def rule_for(self, partner: _PartnerRow) -> CadenceRule | None:
        kind = (partner.type, partner.tier, partner.is_priority, partner.territory_id)
        if kind not in self._found:
            self._found[kind] = next((rule for rule, *criteria in self._criteria if self._fits(criteria, partner)),
                                     None)
        return self._found[kind]

    def _fits(self, criteria: list, partner: _PartnerRow) -> bool:
        """Whether the partner meets the rule's criteria (taken out of the rule once)."""
        partner_type, tier, is_priority, territory_id = criteria
        if partner_type is not None and partner_type != partner.type:
            return False
        if tier is not None and tier != partner.tier:
            return False
        if is_priority is not None and is_priority != partner.is_priority:
            return False
        if territory_id is not None:
            return self.paths.get(partner.territory_id, "").startswith(self.paths.get(territory_id, "\0"))
        return True

    def last_touch(self, now: datetime):
        """SQL for a select of partners: the latest touch up to `now` of the types its rule counts (the rule
        rule_for picks, tried in the same order), or NULL. A CASE runs only the matching rule's index walk,
        so one statement serves every rule, with no list of partner ids to bind."""
        whens = [(self._condition(rule), _latest_touch(rule.types, now)) for rule in self.rules]
        return type_coerce(case(*whens, else_=null()), UTCDateTime)

    def _condition(self, rule: CadenceRule):
        """_fits in SQL."""
        conditions: list[ColumnElement[bool]] = [true()]
        if rule.partner_type is not None:
            conditions.append(Partner.type == rule.partner_type)
        if rule.tier is not None:
            conditions.append(Partner.tier == rule.tier)
        if rule.is_priority is not None:
            conditions.append(Partner.is_priority.is_(rule.is_priority))
        if rule.territory_id is not None:
            prefix = self.paths.get(rule.territory_id, "\0")
            conditions.append(Partner.territory_id.in_(sorted(t for t, path in self.paths.items()
                                                              if path.startswith(prefix))))
        return and_(*conditions)


def rule_book(session: Session) -> RuleBook:
    rules = session.scalars(select(CadenceRule).where(CadenceRule.active.is_(True))).all()
    paths = dict(session.execute(select(Territory.id, Territory.path)).all())
    return RuleBook(rules, paths)


# Statuses --------------------------------------------------------------------------------------------

def cadence_statuses(session: Session, actor: User, *, partner_ids: Iterable[int] | None = None,
                     now: datetime | None = None) -> list[CadenceStatus]:
    """The cadence status of every live, active or onboarding partner the actor sees that a rule covers."""
    now = now or utcnow()
    book = rule_book(session)
    if not book.rules:
        return []
    stmt = visible(select(Partner.id, Partner.name, Partner.type, Partner.tier, Partner.is_priority,
                          Partner.territory_id, Partner.created_at, book.last_touch(now)), actor, Partner).where(
        Partner.deleted_at.is_(None), Partner.status.in_(CADENCE_STATUSES))
    if partner_ids is not None:
        stmt = stmt.where(Partner.id.in_(list(partner_ids)))
    followers: dict[int, list[tuple[_PartnerRow, datetime | None]]] = defaultdict(list)
    rules: dict[int, CadenceRule] = {}
    for *row, at in session.execute(stmt):
        partner = _PartnerRow(*row)
        rule = book.rule_for(partner)
        if rule is not None:
            followers[rule.id].append((partner, at if at is None or at.tzinfo else at.replace(tzinfo=now.tzinfo)))
            rules[rule.id] = rule
    statuses = []
    for rule_id, partners in followers.items():  # by rule, as when each rule had a statement of its own
        rule = rules[rule_id]
        types, name, every = rule.types, rule.name, rule.every_days  # read once: ORM attributes cost per read
        interval = timedelta(days=every)
        for partner, last in partners:
            since = last or partner.created_at
            statuses.append(CadenceStatus(partner.id, partner.name, partner.is_priority, partner.territory_id,
                                          rule_id, name, every, types, last, since.date() + interval))
    return sorted(statuses, key=lambda s: (s.due_on, s.last_touch_at is not None, s.partner_name))


def last_touches(session: Session, partner_ids: list[int], types: Iterable[str], now: datetime) -> dict[int, datetime]:
    """Each partner's latest activity of these types up to now: one index walk per partner."""
    if not partner_ids:
        return {}
    latest = _latest_touch(types, now)
    # An expanding parameter: the ids are bound at execution, not coerced one by one into the statement.
    stmt = select(Partner.id, latest).where(Partner.id.in_(bindparam("partner_ids", expanding=True)))
    found: dict[int, datetime] = {}
    for start in range(0, len(partner_ids), 5000):
        chunk = partner_ids[start:start + 5000]
        for partner_id, at in session.execute(stmt, {"partner_ids": chunk}):
            if at is not None:
                found[partner_id] = at if at.tzinfo else at.replace(tzinfo=now.tzinfo)
    return found


def _latest_touch(types: Iterable[str], now: datetime):
    """The partner's (correlated) latest activity of these types up to now: one index walk backwards."""
    return (select(Activity.occurred_at)
            .where(Activity.partner_id == Partner.id, Activity.occurred_at <= now, Activity.type.in_(list(types)))
            .order_by(Activity.occurred_at.desc()).limit(1).correlate(Partner).scalar_subquery())


def partner_cadence(session: Session, actor: User, partner_id: int, *, now: datetime | None = None) -> CadenceStatus | None:
    statuses = cadence_statuses(session, actor, partner_ids=[partner_id], now=now)
    return statuses[0] if statuses else None


def coverage(statuses: Iterable[CadenceStatus], today: date) -> Coverage:
    """Priority partners within cadence (not overdue) out of the priority partners a rule covers."""
    priority = [s for s in statuses if s.is_priority]
    return Coverage(within=sum(s.state(today) != State.OVERDUE for s in priority), total=len(priority))


def overdue(statuses: Iterable[CadenceStatus], today: date, *, include_today: bool = False) -> list[CadenceStatus]:
    wanted = {State.OVERDUE, State.DUE_TODAY} if include_today else {State.OVERDUE}
    return [s for s in statuses if s.state(today) in wanted]
